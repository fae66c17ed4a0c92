import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { gql, type RunningApi, type TestEnv } from './harness.js';
import { testWorld } from './world.js';

/** Campaigns through the GraphQL API; advocates through the world builder. */

export interface TestCampaign {
  id: string;
  slug: string;
}

export async function createActiveCampaign(api: RunningApi, apiKey: string, input: Record<string, unknown> = {}): Promise<TestCampaign> {
  const created = await gql(api, apiKey, `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id slug } }`, {
    input: {
      name: `Links ${randomBytes(3).toString('hex')}`,
      destinationUrl: 'https://shop.example.com/welcome?src=partner#top',
      message: { headline: 'Give 10, get 10', body: 'I love this shop, try it:' },
      advocateReward: { kind: 'FIXED', amount: 1000, currency: 'USD' },
      ...input,
    },
  });
  if (created.errors) throw new Error(JSON.stringify(created.errors));
  const campaign = created.data!.createCampaign as TestCampaign;
  await setStatus(api, apiKey, campaign.id, 'ACTIVE');
  return campaign;
}

export async function setStatus(api: RunningApi, apiKey: string, id: string, status: string): Promise<void> {
  const moved = await gql(
    api,
    apiKey,
    `mutation($id: ID!, $status: CampaignStatus!) { setCampaignStatus(id: $id, status: $status) { status } }`,
    {
      id,
      status,
    },
  );
  if (moved.errors) throw new Error(JSON.stringify(moved.errors));
}

export interface TestAdvocate {
  id: string;
  code: string;
  portalToken: string;
}

/** An advocate of the campaign, enrolled by hand through the world builder (a vanity code, a name, an email if given). */
export async function insertAdvocate(
  env: TestEnv,
  tenantId: string,
  campaignId: string,
  opts: { code?: string; name?: string; email?: string } = {},
): Promise<TestAdvocate> {
  const world = await testWorld(env);
  try {
    const a = await world.builder.advocate(tenantId, campaignId, {
      code: opts.code ?? `T${randomBytes(5).toString('hex')}`,
      name: opts.name,
      email: opts.email,
    });
    return { id: a.id, code: a.code, portalToken: a.portalToken };
  } finally {
    await world.close();
  }
}

export async function clickRows(db: pg.Pool, advocateId: string): Promise<Record<string, unknown>[]> {
  const { rows } = await db.query(`SELECT * FROM clicks WHERE advocate_id = $1 ORDER BY occurred_at`, [advocateId]);
  return rows;
}

export async function clickCount(db: pg.Pool, advocateId: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM clicks WHERE advocate_id = $1`, [advocateId]);
  return Number(rows[0]!.n);
}

export const BROWSER_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** A redirect as a browser would send it, without following it. */
export function click(api: { url: string }, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
  return fetch(`${api.url}${path}`, { method, redirect: 'manual', headers: { 'user-agent': BROWSER_UA, ...headers } });
}
