import { loadConfig } from '#libs/config/index.js';
import { openWorld, type World } from '#libs/world/index.js';
import type { TestEnv } from './harness.js';

/**
 * The world builder inside a test file, over the file's database and Redis prefix: the real
 * services build the data a test starts from (jobs they enqueue go to the file's workers, if any).
 * Close it in the file's afterAll.
 */
export function testWorld(env: TestEnv): Promise<World> {
  return openWorld(loadConfig({ ...env, LOG_LEVEL: 'warn' }));
}
