export * from './referral.js';
export * from './referrals.service.js';
export * from './referrals.module.js';
