import type { TestEnv } from '../../support/harness.js';
import { testWorld } from '../../support/world.js';

export interface Advocate {
  id: string;
  code: string;
  customerId: string;
}

export const ADVOCATE_BPS = 1000; // 10 % of the order
export const FRIEND_FIXED = 500; // 5.00 USD

/**
 * An ACTIVE campaign paying 10 % to the advocate and a fixed 5 USD to the friend, held 30 days, and
 * its advocates, built through the real services (the world builder).
 */
export async function campaignWithAdvocates(
  env: TestEnv,
  tenantId: string,
  n: number,
): Promise<{ campaignId: string; advocates: Advocate[] }> {
  const world = await testWorld(env);
  try {
    const campaign = await world.builder.campaign(tenantId, {
      advocateReward: { kind: 'PERCENT', percentBps: ADVOCATE_BPS, currency: 'USD' },
      friendIncentive: { kind: 'FIXED', amount: FRIEND_FIXED, currency: 'USD' },
      holdDays: 30,
    });
    const advocates: Advocate[] = [];
    for (let i = 0; i < n; i++) {
      const a = await world.builder.advocate(tenantId, campaign.id);
      advocates.push({ id: a.id, code: a.code, customerId: a.customerId });
    }
    return { campaignId: campaign.id, advocates };
  } finally {
    await world.close();
  }
}

/** Rounds half up like the rewards' percentOf. */
export const percentOf = (amount: number, bps: number) => Math.floor((amount * bps + 5000) / 10_000);
