export * from './reward.js';
export * from './rewards.service.js';
export * from './rewards.module.js';
