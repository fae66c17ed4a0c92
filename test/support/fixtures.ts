import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';

/** Rows a test needs, written with SQL (what the API would create, without the ceremony). */

export async function insertTenant(db: pg.Pool, name = 'Fixture'): Promise<string> {
  const { rows } = await db.query<{ id: string }>(`INSERT INTO tenants (name) VALUES ($1) RETURNING id`, [name]);
  return rows[0]!.id;
}

export interface CampaignFixture {
  advocateReward?: { kind: 'FIXED' | 'PERCENT'; amount?: number | null; percentBps?: number | null; currency: string };
  friendIncentive?: { kind: 'FIXED' | 'PERCENT'; amount?: number | null; percentBps?: number | null; currency: string } | null;
  holdDays?: number;
  budget?: { amount: number; currency: string } | null;
  advocateCap?: { amount: number; currency: string } | null;
  status?: string;
}

export async function insertCampaign(db: pg.Pool, tenantId: string, f: CampaignFixture = {}): Promise<string> {
  const reward = f.advocateReward ?? { kind: 'FIXED', amount: 1000, currency: 'USD' };
  const friend = f.friendIncentive === undefined ? null : f.friendIncentive;
  const norm = (r: NonNullable<CampaignFixture['advocateReward']>) => ({
    kind: r.kind,
    amount: r.amount ?? null,
    percentBps: r.percentBps ?? null,
    currency: r.currency,
  });
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO campaigns (tenant_id, name, slug, status, destination_url, message, channels, eligibility, advocate_reward, friend_incentive,
       attribution_window_days, attribution_model, hold_days, budget_amount, budget_currency, advocate_cap_amount, advocate_cap_currency)
     VALUES ($1, 'Fixture', $2, $3, 'https://shop.example.com', '{"headline":"h","body":"b"}', '{email,copy}',
       '{"minNps":9,"withinDaysOfFirstUse":30,"requireExpectationMet":false}', $4, $5, 30, 'LAST_CLICK', $6, $7, $8, $9, $10) RETURNING id`,
    [
      tenantId,
      `fixture-${randomBytes(4).toString('hex')}`,
      f.status ?? 'ACTIVE',
      JSON.stringify(norm(reward)),
      friend ? JSON.stringify(norm(friend)) : null,
      f.holdDays ?? 30,
      f.budget?.amount ?? null,
      f.budget?.currency ?? null,
      f.advocateCap?.amount ?? null,
      f.advocateCap?.currency ?? null,
    ],
  );
  return rows[0]!.id;
}

export async function insertCustomer(db: pg.Pool, tenantId: string, email: string | null = null): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO customers (tenant_id, external_id, email, email_normalized) VALUES ($1, $2, $3, lower($3)) RETURNING id`,
    [tenantId, `cust-${randomUUID()}`, email],
  );
  return rows[0]!.id;
}

export async function insertAdvocate(db: pg.Pool, tenantId: string, campaignId: string, customerId?: string): Promise<string> {
  const customer = customerId ?? (await insertCustomer(db, tenantId));
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO advocates (tenant_id, campaign_id, customer_id, code, portal_token) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [tenantId, campaignId, customer, randomBytes(5).toString('hex').toUpperCase(), randomBytes(18).toString('base64url')],
  );
  return rows[0]!.id;
}

/** A referral already CONVERTED for an order of `amount`, as attribution leaves it. */
export async function insertConvertedReferral(
  db: pg.Pool,
  tenantId: string,
  campaignId: string,
  advocateId: string,
  amount: number,
  currency = 'USD',
  orderId = `order-${randomUUID()}`,
): Promise<string> {
  const friend = await insertCustomer(db, tenantId);
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO referrals (tenant_id, campaign_id, advocate_id, referred_customer_id, status, attributed_by, order_id, amount, currency, converted_at)
     VALUES ($1, $2, $3, $4, 'CONVERTED', 'REFERRAL_CODE', $5, $6, $7, now()) RETURNING id`,
    [tenantId, campaignId, advocateId, friend, orderId, amount, currency],
  );
  return rows[0]!.id;
}
