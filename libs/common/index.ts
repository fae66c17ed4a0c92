export * from './errors.js';
export * from './validation.js';
export * from './pagination.js';
export * from './crypto.js';
export * from './money.js';
