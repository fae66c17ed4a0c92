import { WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import type { JobMap, JobName } from './jobs.js';

export const JOB_HANDLER = 'truthloop:job-handler';

export type JobHandlerFn<K extends JobName> = (payload: JobMap[K], job: Job<JobMap[K]>) => Promise<unknown>;

/**
 * Marks a processor method as the handler of one job name; the compiler checks that the method
 * takes that job's payload (`JobMap[K]`).
 */
export function HandlesJob<K extends JobName>(name: K) {
  return <M extends JobHandlerFn<K>>(_target: object, _key: string | symbol, descriptor: TypedPropertyDescriptor<M>): void => {
    Reflect.defineMetadata(JOB_HANDLER, name, descriptor.value!);
  };
}

/** One handler found on an object: the job, the method's name, and the method bound to the object. */
export interface FoundHandler {
  job: string;
  method: string;
  run: (payload: unknown, job: Job) => Promise<unknown>;
}

/**
 * The `@HandlesJob` methods of an object, its class's and its ancestors' (the nearest wins). The one
 * place that reads the decorator: the worker's start-up check and the routing of jobs both use it.
 */
export function jobHandlersOf(instance: object): FoundHandler[] {
  const found: FoundHandler[] = [];
  const seen = new Set<string>();
  let proto = Object.getPrototypeOf(instance) as object | null;
  while (proto && proto !== Object.prototype) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (seen.has(key)) continue;
      seen.add(key);
      // Descriptors, not property reads: reading a getter here could have side effects.
      const fn = Object.getOwnPropertyDescriptor(proto, key)?.value as unknown;
      if (typeof fn !== 'function') continue;
      const job = Reflect.getMetadata(JOB_HANDLER, fn) as string | undefined;
      if (job) found.push({ job, method: key, run: (fn as FoundHandler['run']).bind(instance) });
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return found;
}

/** Called after a handler returned, before BullMQ acknowledges its job (test fault injection only). */
export type AfterJobHook = (job: Job, result: unknown) => void;

/**
 * A WorkerHost that routes each job to the method marked `@HandlesJob(job.name)`.
 * The worker's start-up check guarantees every JobName has exactly one such method.
 */
export abstract class JobProcessor extends WorkerHost {
  private routes?: Map<string, FoundHandler['run']>;
  /** Set only by the test-only fault module (NODE_ENV=test); production processors never carry one. */
  afterJob?: AfterJobHook;

  async process(job: Job): Promise<unknown> {
    this.routes ??= new Map(jobHandlersOf(this).map((h) => [h.job, h.run]));
    const handler = this.routes.get(job.name);
    if (!handler) throw new Error(`No handler for job "${job.name}" on ${this.constructor.name}`);
    const result = await handler(job.data, job);
    this.afterJob?.(job, result);
    return result;
  }
}
