export * from './analytics.js';
export * from './analytics.repository.js';
export * from './analytics.service.js';
export * from './analytics.module.js';
export * from './dashboard-link.js';
