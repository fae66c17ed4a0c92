import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import type { JobsOptions, Queue } from 'bullmq';
import { JOB_QUEUE, type JobMap, type JobName, type QueueName } from './jobs.js';

/** Enqueues jobs, checked at compile time against the JobMap. */
@Injectable()
export class QueueProducer {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(private readonly moduleRef: ModuleRef) {}

  queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      this.queues.set(name, queue);
    }
    return queue;
  }

  async enqueue<K extends JobName>(name: K, payload: JobMap[K], opts?: JobsOptions): Promise<void> {
    await this.queue(JOB_QUEUE[name]).add(name, payload, opts);
  }

  /** Many jobs of one name in one round trip. */
  async enqueueMany<K extends JobName>(name: K, jobs: { payload: JobMap[K]; opts?: JobsOptions }[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue(JOB_QUEUE[name]).addBulk(jobs.map((j) => ({ name, data: j.payload, opts: j.opts })));
  }
}
