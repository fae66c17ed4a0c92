export * from './stripe-mapping.js';
export * from './stripe-webhooks.service.js';
export * from './stripe.module.js';
