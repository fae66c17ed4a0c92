/** `npm run test:chaos`: fault-injection and abuse scenarios against the built processes (see GUARANTEES.md). */
import base from './jest.config.js';

const integration = base.projects.find((p) => p.displayName === 'integration');

export default {
  ...integration,
  displayName: 'chaos',
  testMatch: ['<rootDir>/test/chaos/**/*.chaos.ts'],
  maxWorkers: 1,
  testTimeout: 900_000,
};
