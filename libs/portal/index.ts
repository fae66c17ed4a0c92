export * from './advocate-progress.service.js';
export * from './portal.repository.js';
export * from './share-page.service.js';
export * from './portal.module.js';
