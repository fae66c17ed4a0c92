export * from './reward.js';
export * from './credit-plan.js';
export * from './reward.repository.js';
export * from './rewards.service.js';
export * from './rewards.module.js';
