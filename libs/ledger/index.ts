export * from './ledger.js';
export * from './ledger.repository.js';
export * from './ledger.service.js';
export * from './ledger.module.js';
