import { Worker } from 'bullmq';
import { loadConfigOrExit } from '#libs/config/index.js';
import { createRedis } from '#libs/queue/index.js';

/**
 * The yardstick of the crediting benchmark: a BullMQ worker on the same queue name, Redis
 * connection settings, prefix and concurrency as Truthloop's worker, whose job does nothing.
 */
const config = loadConfigOrExit();
// A tool of the benchmark: the queue to drain comes from its own variable.
const queue = process.env.BENCH_QUEUE ?? 'rewards';
const worker = new Worker(queue, async () => 0, {
  connection: createRedis(config, 'bench-noop'),
  prefix: `${config.redis.prefix}:bull`,
  concurrency: config.worker.concurrency,
});
await worker.waitUntilReady();
process.send?.({ type: 'listening' });
process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
