import { SetMetadata } from '@nestjs/common';
import { WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import type { JobMap, JobName } from './jobs.js';

export const JOB_HANDLER = 'truthloop:job-handler';

/** Marks a processor method as the handler of one job name. */
export const HandlesJob = (name: JobName): MethodDecorator => SetMetadata(JOB_HANDLER, name);

export type JobHandlerFn<K extends JobName> = (payload: JobMap[K], job: Job<JobMap[K]>) => Promise<unknown>;

/**
 * A WorkerHost that routes each job to the method marked `@HandlesJob(job.name)`.
 * The worker's start-up check guarantees every JobName has exactly one such method.
 */
export abstract class JobProcessor extends WorkerHost {
  private routes?: Map<string, (payload: unknown, job: Job) => Promise<unknown>>;

  async process(job: Job): Promise<unknown> {
    this.routes ??= handlerRoutes(this);
    const handler = this.routes.get(job.name);
    if (!handler) throw new Error(`No handler for job "${job.name}" on ${this.constructor.name}`);
    return handler(job.data, job);
  }
}

function handlerRoutes(instance: object): Map<string, (payload: unknown, job: Job) => Promise<unknown>> {
  const routes = new Map<string, (payload: unknown, job: Job) => Promise<unknown>>();
  let proto = Object.getPrototypeOf(instance) as object | null;
  while (proto && proto !== Object.prototype) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      // Descriptors, not property reads: reading a getter here could have side effects.
      const fn = Object.getOwnPropertyDescriptor(proto, key)?.value as unknown;
      if (typeof fn !== 'function') continue;
      const name = Reflect.getMetadata(JOB_HANDLER, fn) as string | undefined;
      if (name && !routes.has(name)) routes.set(name, (fn as (p: unknown, j: Job) => Promise<unknown>).bind(instance));
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return routes;
}
