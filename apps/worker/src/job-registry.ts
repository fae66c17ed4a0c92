import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { JOB_HANDLER, JOB_NAMES, JOB_QUEUE, type JobName } from '#libs/queue/index.js';

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

/** Refuses to start the worker unless every job name has exactly one handler, on its queue. */
@Injectable()
export class JobRegistry implements OnModuleInit {
  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const sites: HandlerSite[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as object | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.metatype) continue;
      const queueMeta = Reflect.getMetadata(PROCESSOR_QUEUE, wrapper.metatype) as { name?: string } | undefined;
      let proto = Object.getPrototypeOf(instance) as object | null;
      const seen = new Set<string>();
      while (proto && proto !== Object.prototype) {
        for (const key of Object.getOwnPropertyNames(proto)) {
          if (seen.has(key)) continue;
          seen.add(key);
          // Descriptors, not property reads: reading a getter here could have side effects.
          const fn = Object.getOwnPropertyDescriptor(proto, key)?.value as unknown;
          const job = typeof fn === 'function' ? (Reflect.getMetadata(JOB_HANDLER, fn) as string | undefined) : undefined;
          if (job) sites.push({ job, where: `${wrapper.metatype.name}.${key}`, queue: queueMeta?.name });
        }
        proto = Object.getPrototypeOf(proto) as object | null;
      }
    }
    const problems = handlerProblems(sites);
    if (problems.length > 0) throw new Error(`The worker cannot start:\n  - ${problems.join('\n  - ')}`);
  }
}
