export * from './referral.js';
export * from './referrals.service.js';
export * from './referrals.module.js';
export * from './risk.service.js';
export * from './event-effects.service.js';
