export * from './campaign.js';
export * from './campaign.schema.js';
export * from './campaign.repository.js';
export * from './campaigns.service.js';
export * from './campaigns.module.js';
