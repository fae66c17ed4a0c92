import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { REDIS, RedisKeys, createRedis } from './redis.js';

export interface ChangeMessage {
  tenantId: string;
  id: string;
}

type Listener = (message: ChangeMessage) => void;

/**
 * Tells every API and worker process that something changed (Redis pub/sub), so in-process
 * caches drop it. Subscribing opens one extra connection, on first use only.
 */
@Injectable()
export class ChangeBus implements OnApplicationShutdown {
  private subscriber?: Redis;
  private readonly listeners = new Map<string, Listener[]>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: RedisKeys,
  ) {}

  async publish(topic: string, message: ChangeMessage): Promise<void> {
    await this.redis.publish(this.keys.key('changes', topic), JSON.stringify(message));
  }

  async subscribe(topic: string, listener: Listener): Promise<void> {
    const channel = this.keys.key('changes', topic);
    if (!this.subscriber) {
      this.subscriber = createRedis(this.config, 'changes');
      this.subscriber.on('message', (ch: string, raw: string) => {
        const message = JSON.parse(raw) as ChangeMessage;
        for (const l of this.listeners.get(ch) ?? []) l(message);
      });
    }
    const existing = this.listeners.get(channel);
    if (existing) existing.push(listener);
    else {
      this.listeners.set(channel, [listener]);
      await this.subscriber.subscribe(channel);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => undefined);
  }
}
