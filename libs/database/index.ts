export * from './data-source.js';
export * from './database.module.js';
export * from './db.js';
export * from './click-partitions.js';
export { migrations } from './migrations/index.js';
