export * from './moment.js';
export * from './moment.schema.js';
export * from './segment.js';
export * from './delight.js';
export * from './moments.repository.js';
export * from './moments.service.js';
export * from './moments.module.js';
