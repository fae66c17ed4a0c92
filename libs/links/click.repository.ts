import { Injectable, Logger } from '@nestjs/common';
import { Db, clickPartition, clickPartitionsDdl, type Sql } from '#libs/database/index.js';
import type { Click } from './click.js';

@Injectable()
export class ClickRepository {
  private readonly logger = new Logger(ClickRepository.name);

  constructor(private readonly db: Db) {}

  /**
   * One multi-row insert for a batch drained from the buffer, which mixes tenants (each row
   * carries its own tenant id). A click already stored (same id and time) is skipped, so a
   * batch inserted again after a crash before its ack adds nothing.
   */
  async insertMany(clicks: Click[]): Promise<number> {
    if (clicks.length === 0) return 0;
    return this.db.execute(
      `INSERT INTO clicks (id, occurred_at, tenant_id, advocate_id, campaign_id, channel, visitor_id, ip_hash,
         ua_class, referrer_host, kind, active)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::text[],
         $8::text[], $9::text[], $10::text[], $11::text[], $12::boolean[])
       ON CONFLICT DO NOTHING`,
      [
        clicks.map((c) => c.id),
        clicks.map((c) => new Date(c.at).toISOString()),
        clicks.map((c) => c.tenantId),
        clicks.map((c) => c.advocateId),
        clicks.map((c) => c.campaignId),
        clicks.map((c) => c.channel),
        clicks.map((c) => c.visitorId),
        clicks.map((c) => c.ipHash),
        clicks.map((c) => c.uaClass),
        clicks.map((c) => c.referrerHost),
        clicks.map((c) => c.kind),
        clicks.map((c) => c.active),
      ],
    );
  }

  /** Every click made before this time is stored (the lowest watermark of the click streams); null before the first flush. */
  async watermark(tx: Sql = this.db): Promise<Date | null> {
    const [row] = await tx.query<{ at: Date | null }>(`SELECT min(watermark) AS at FROM click_watermarks`);
    return row?.at ?? null;
  }

  /** Raises a stream's watermark (never lowers it); returns the watermark of every stream. */
  async raiseWatermark(stream: string, at: Date): Promise<Date | null> {
    await this.db.execute(
      `INSERT INTO click_watermarks (stream, watermark) VALUES ($1, $2)
       ON CONFLICT (stream) DO UPDATE SET watermark = GREATEST(click_watermarks.watermark, EXCLUDED.watermark), updated_at = now()
       WHERE click_watermarks.watermark < EXCLUDED.watermark`,
      [stream, at],
    );
    return this.watermark();
  }

  /** Human clicks on the advocate's links while the campaign ran. */
  async humanClicks(tenantId: string, advocateId: string): Promise<number> {
    const row = await this.db.one<{ n: string }>(
      `SELECT count(*) AS n FROM clicks WHERE tenant_id = $1 AND advocate_id = $2 AND kind = 'human' AND active`,
      [tenantId, advocateId],
    );
    return Number(row?.n ?? 0);
  }

  /**
   * Creates the monthly partitions from `from`'s month on, `monthsAhead` more. Clicks that
   * landed in the default partition for such a month are moved into the new partition (in one
   * transaction), since PostgreSQL refuses the partition while the default holds its rows.
   */
  async ensurePartitions(from: Date, monthsAhead: number): Promise<string[]> {
    const created: string[] = [];
    for (let i = 0; i <= monthsAhead; i++) {
      const month = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + i, 1));
      const p = clickPartition(month);
      const exists = await this.db.one(`SELECT 1 FROM pg_class WHERE relname = $1 AND relkind = 'r'`, [p.name]);
      if (exists) continue;
      await this.db.transaction(async (tx) => {
        // Serialises concurrent maintenance runs across workers.
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext('truthloop:click-partitions'))`);
        await tx.execute(`CREATE TEMP TABLE moved_clicks (LIKE clicks) ON COMMIT DROP`);
        await tx.execute(
          `WITH m AS (DELETE FROM clicks_default WHERE occurred_at >= $1 AND occurred_at < $2 RETURNING *)
           INSERT INTO moved_clicks SELECT * FROM m`,
          [p.from, p.to],
        );
        await tx.execute(clickPartitionsDdl(month));
        const moved = await tx.execute(`INSERT INTO clicks SELECT * FROM moved_clicks`);
        if (moved > 0) this.logger.log(`moved ${moved} clicks from the default partition into ${p.name}`);
      });
      created.push(p.name);
    }
    return created;
  }
}
