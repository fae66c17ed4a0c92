import type { CampaignInput, CampaignStatus } from '#libs/campaigns/index.js';
import type { TestEnv } from './harness.js';
import { testWorld } from './world.js';

/**
 * One-line set-ups through the world builder (the real services), for suites that need a campaign,
 * an advocate or a conversion and nothing else. Each opens the builder for the call and closes it.
 */
async function withWorld<T>(env: TestEnv, work: (w: Awaited<ReturnType<typeof testWorld>>['builder']) => Promise<T>): Promise<T> {
  const world = await testWorld(env);
  try {
    return await work(world.builder);
  } finally {
    await world.close();
  }
}

/** A campaign (ACTIVE, FIXED 10 USD to the advocate, unless `input` says otherwise); returns its id. */
export function seedCampaign(
  env: TestEnv,
  tenantId: string,
  input: CampaignInput = {},
  status: CampaignStatus = 'ACTIVE',
): Promise<string> {
  return withWorld(
    env,
    async (w) => (await w.campaign(tenantId, { advocateReward: { kind: 'FIXED', amount: 1000, currency: 'USD' }, ...input }, status)).id,
  );
}

/** An advocate of the campaign, enrolled by hand. */
export function seedAdvocate(
  env: TestEnv,
  tenantId: string,
  campaignId: string,
): Promise<{ id: string; code: string; portalToken: string }> {
  return withWorld(env, async (w) => {
    const a = await w.advocate(tenantId, campaignId);
    return { id: a.id, code: a.code, portalToken: a.portalToken };
  });
}

/** A friend's purchase naming the advocate's code, applied and credited; returns the referral's id. */
export function seedConversion(env: TestEnv, tenantId: string, code: string, amount: number): Promise<string> {
  return withWorld(env, async (w) => (await w.conversion(tenantId, { code }, { amount })).id);
}
