export * from './outbox.js';
export * from './outbox-events.js';
export * from './outbox.module.js';
