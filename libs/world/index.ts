export * from './world.builder.js';
export * from './world.module.js';
export * from './history-import.js';
