export * from './api-key.js';
export * from './tenant.repository.js';
export * from './tenants.service.js';
export * from './tenants.module.js';
