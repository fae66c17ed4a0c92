export * from './jobs.js';
export * from './producer.js';
export * from './queue.module.js';
export * from './redis.js';
export * from './job-handler.js';
export * from './change-bus.js';
