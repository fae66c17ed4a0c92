import { Injectable } from '@nestjs/common';
import { NotFoundError } from '#libs/common/index.js';
import type { Sql } from '#libs/database/index.js';
import { ShareRepository, type ShareSource } from './share.repository.js';

/** Shares, the infinite moment: from the share page's buttons and from `share` events. */
@Injectable()
export class SharesService {
  constructor(private readonly shares: ShareRepository) {}

  /** Records one share; pass `tx` to make it part of a larger transaction (event ingestion). */
  async record(
    tx: Sql | undefined,
    tenantId: string,
    advocateId: string,
    channel: string,
    occurredAt: Date,
    source: ShareSource,
  ): Promise<void> {
    const inserted = await this.shares.insert(tx, tenantId, advocateId, channel, occurredAt, source);
    if (!inserted) throw new NotFoundError('Advocate', advocateId);
  }

  /** A `share` event from the brand: one share per advocate of the customer (or of one campaign). */
  recordForCustomer(
    tx: Sql,
    tenantId: string,
    customerId: string,
    campaignId: string | null,
    channel: string,
    occurredAt: Date,
    source: ShareSource,
  ): Promise<number> {
    return this.shares.insertForCustomer(tx, tenantId, customerId, campaignId, channel, occurredAt, source);
  }

  /** Shares of the past, in bulk (imports, generated histories). */
  importHistory(
    tenantId: string,
    campaignId: string,
    rows: readonly { advocateId: string; channel: string; at: Date; source: ShareSource }[],
  ) {
    return this.shares.importHistory(tenantId, campaignId, rows);
  }
}
