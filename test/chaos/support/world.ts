import type pg from 'pg';
import { insertAdvocate, insertCampaign, insertCustomer } from '../../support/fixtures.js';

export interface Advocate {
  id: string;
  code: string;
  customerId: string;
}

export const ADVOCATE_BPS = 1000; // 10 % of the order
export const FRIEND_FIXED = 500; // 5.00 USD

/** An ACTIVE campaign paying 10 % to the advocate and a fixed 5 USD to the friend, held 30 days, and its advocates. */
export async function campaignWithAdvocates(
  db: pg.Pool,
  tenantId: string,
  n: number,
): Promise<{ campaignId: string; advocates: Advocate[] }> {
  const campaignId = await insertCampaign(db, tenantId, {
    advocateReward: { kind: 'PERCENT', percentBps: ADVOCATE_BPS, currency: 'USD' },
    friendIncentive: { kind: 'FIXED', amount: FRIEND_FIXED, currency: 'USD' },
    holdDays: 30,
  });
  const advocates: Advocate[] = [];
  for (let i = 0; i < n; i++) {
    const customerId = await insertCustomer(db, tenantId);
    const id = await insertAdvocate(db, tenantId, campaignId, customerId);
    const { rows } = await db.query<{ code: string }>(`SELECT code FROM advocates WHERE id = $1`, [id]);
    advocates.push({ id, code: rows[0]!.code, customerId });
  }
  return { campaignId, advocates };
}

/** Rounds half up like the ledger's percentOf. */
export const percentOf = (amount: number, bps: number) => Math.floor((amount * bps + 5000) / 10_000);
