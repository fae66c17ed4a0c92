import { Global, Module } from '@nestjs/common';
import { OutboxFeed, OutboxWriter } from './outbox.js';
import { OutboxRepository } from './outbox.repository.js';

@Global()
@Module({ providers: [OutboxRepository, OutboxWriter, OutboxFeed], exports: [OutboxWriter, OutboxFeed] })
export class OutboxModule {}
