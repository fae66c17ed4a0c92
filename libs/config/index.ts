export * from './app-config.js';
export * from './config.module.js';
export * from './logger.js';
export * from './process.js';
