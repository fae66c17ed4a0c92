import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { JOB_NAMES, JOB_QUEUE, QUEUE_NAMES, jobHandlersOf, type JobName, type QueueName } from '#libs/queue/index.js';

const PROCESSOR_QUEUE = 'bullmq:processor_metadata';

export interface HandlerSite {
  job: string;
  where: string;
  queue: string | undefined;
}

/** Problems with the set of handlers: a job with none, with two, or on the wrong queue. */
export function handlerProblems(sites: HandlerSite[], names: readonly JobName[] = JOB_NAMES): string[] {
  const problems: string[] = [];
  for (const name of names) {
    const found = sites.filter((s) => s.job === name);
    if (found.length === 0) problems.push(`job "${name}" has no handler`);
    if (found.length > 1) problems.push(`job "${name}" has ${found.length} handlers: ${found.map((f) => f.where).join(', ')}`);
    for (const f of found) {
      if (f.queue !== JOB_QUEUE[name])
        problems.push(`job "${name}" is handled by ${f.where} on queue "${f.queue}", not "${JOB_QUEUE[name]}"`);
    }
  }
  for (const s of sites) {
    if (!(names as readonly string[]).includes(s.job)) problems.push(`${s.where} handles "${s.job}", which is not in the JobMap`);
  }
  return problems;
}

/** The queues this worker consumes (WORKER_QUEUES, or all); an unknown name stops it. */
export function consumedQueues(config: AppConfig): QueueName[] {
  const wanted = config.worker.queues ?? [...QUEUE_NAMES];
  const unknown = wanted.filter((q) => !(QUEUE_NAMES as readonly string[]).includes(q));
  if (unknown.length > 0) throw new Error(`WORKER_QUEUES: unknown queue ${unknown.join(', ')} (queues: ${QUEUE_NAMES.join(', ')})`);
  return wanted as QueueName[];
}

/** Refuses to start the worker unless every job of its queues has exactly one handler, on its queue. */
@Injectable()
export class JobRegistry implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const sites: HandlerSite[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as object | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.metatype) continue;
      const queueMeta = Reflect.getMetadata(PROCESSOR_QUEUE, wrapper.metatype) as { name?: string } | undefined;
      for (const h of jobHandlersOf(instance))
        sites.push({ job: h.job, where: `${wrapper.metatype.name}.${h.method}`, queue: queueMeta?.name });
    }
    const queues = consumedQueues(this.config);
    const problems = handlerProblems(
      sites,
      JOB_NAMES.filter((job) => queues.includes(JOB_QUEUE[job])),
    );
    if (problems.length > 0) throw new Error(`The worker cannot start:\n  - ${problems.join('\n  - ')}`);
  }
}
