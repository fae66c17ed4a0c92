export * from './customer.js';
export * from './email.js';
export * from './customer.repository.js';
export * from './customers.service.js';
export * from './customers.module.js';
