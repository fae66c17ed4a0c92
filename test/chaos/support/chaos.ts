import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { Redis } from 'ioredis';
import type pg from 'pg';

/** `CHAOS_PROFILE=ci` runs smaller sizes (CI's time budget); anything else is the full run. */
export const PROFILE: 'ci' | 'full' = process.env.CHAOS_PROFILE === 'ci' ? 'ci' : 'full';

export const pick = <T>(sizes: { ci: T; full: T }): T => sizes[PROFILE];

/** The scenario's seed (CHAOS_SEED, or a fresh one), printed first so a failure replays. */
export function seedOf(scenario: string): number {
  const given = process.env.CHAOS_SEED;
  const seed = given !== undefined && given !== '' ? Number(given) >>> 0 : randomInt(2 ** 31);
  process.stdout.write(`[chaos] ${scenario}: CHAOS_SEED=${seed} CHAOS_PROFILE=${PROFILE}\n`);
  return seed;
}

/** A small seeded PRNG (mulberry32): every random choice of a scenario comes from its seed. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

export interface Figures {
  scenario: string;
  seed: number;
  profile: string;
  /** Property runs or rounds the scenario made. */
  runs: number;
  /** Faults injected: processes killed, Redis restarts and flushes, duplicate or reordered deliveries. */
  faults: number;
  /** Requests or inputs sent. */
  inputs: number;
  /** Broken invariants found (a passing run has zero). */
  violations: number;
  details?: Record<string, unknown>;
}

/** Each scenario leaves its figures in .tmp/chaos/, merged by scripts/chaos-report.mjs. */
export function recordFigures(f: Figures): void {
  const dir = join(process.cwd(), '.tmp', 'chaos');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${f.scenario}.json`), JSON.stringify({ ...f, finishedAt: new Date().toISOString() }, null, 2));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** POSTs JSON as a well-behaved sender does: retried on a network error or a 5xx until accepted. */
export async function postWithRetry(url: string, body: unknown, headers: Record<string, string>, onRetry?: () => void): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      if (res.status < 500) return res;
      await res.text();
    } catch {
      // connection refused or reset while a process restarts
    }
    if (attempt > 100) throw new Error(`POST ${url} kept failing`);
    onRetry?.();
    await sleep(200);
  }
}

/**
 * What must hold of any tenant's books: every transaction balanced, debits equal credits, one
 * reward per referral and kind, one credit posting per reward. Returns the violations found.
 */
export async function bookViolations(db: pg.Pool, tenantId: string): Promise<string[]> {
  const violations: string[] = [];
  const unbalanced = await db.query(
    `SELECT transaction_id FROM ledger_entries WHERE tenant_id = $1 GROUP BY transaction_id HAVING sum(amount) <> 0`,
    [tenantId],
  );
  if (unbalanced.rowCount) violations.push(`${unbalanced.rowCount} unbalanced ledger transactions`);
  const { rows: totals } = await db.query<{ debits: string; credits: string }>(
    `SELECT coalesce(sum(amount) FILTER (WHERE amount > 0), 0)::text AS debits, coalesce(-sum(amount) FILTER (WHERE amount < 0), 0)::text AS credits
     FROM ledger_entries WHERE tenant_id = $1`,
    [tenantId],
  );
  if (totals[0]!.debits !== totals[0]!.credits) violations.push(`debits ${totals[0]!.debits} ≠ credits ${totals[0]!.credits}`);
  const twice = await db.query(
    `SELECT referral_id, kind FROM rewards WHERE tenant_id = $1 GROUP BY referral_id, kind HAVING count(*) > 1`,
    [tenantId],
  );
  if (twice.rowCount) violations.push(`${twice.rowCount} (referral, kind) pairs with more than one reward`);
  const credits = await db.query(
    `SELECT r.id FROM rewards r LEFT JOIN ledger_transactions t ON t.reward_id = r.id AND t.kind = 'reward.credit'
     WHERE r.tenant_id = $1 GROUP BY r.id HAVING count(t.id) <> 1`,
    [tenantId],
  );
  if (credits.rowCount) violations.push(`${credits.rowCount} rewards without exactly one credit posting`);
  // The reward rows and the ledger tell the same story: what a reward holds is its amount less its reversals.
  const drift = await db.query(
    `SELECT r.id FROM rewards r
     JOIN ledger_transactions t ON t.reward_id = r.id JOIN ledger_entries e ON e.transaction_id = t.id
     JOIN ledger_accounts a ON a.id = e.account_id AND a.kind = 'reward_expense'
     WHERE r.tenant_id = $1 GROUP BY r.id, r.amount, r.reversed_amount HAVING sum(e.amount) <> r.amount - r.reversed_amount`,
    [tenantId],
  );
  if (drift.rowCount) violations.push(`${drift.rowCount} rewards whose ledger postings disagree with amount − reversed`);
  return violations;
}

/** Net balance of every account of a tenant, keyed `ownerType:ownerId:kind:currency` (natural sign). */
export async function accountBalances(db: pg.Pool, tenantId: string): Promise<Map<string, number>> {
  const { rows } = await db.query<{ key: string; sum: string }>(
    `SELECT a.owner_type || ':' || a.owner_id || ':' || a.kind || ':' || a.currency AS key,
            (CASE WHEN a.kind = 'reward_expense' THEN 1 ELSE -1 END * coalesce(sum(e.amount), 0))::text AS sum
     FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id WHERE a.tenant_id = $1 GROUP BY a.id`,
    [tenantId],
  );
  return new Map(rows.map((r) => [r.key, Number(r.sum)]));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A redis-server of the scenario's own (the machine's shared one serves other suites), with an
 * always-synced append-only file so that a crash and restart keeps what was written.
 */
export async function privateRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tl-chaos-redis-'));
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir],
      { stdio: 'ignore' },
    );
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    for (let i = 0; ; i++) {
      try {
        await probe.connect().catch(() => undefined);
        if ((await probe.ping()) === 'PONG') break;
      } catch {
        if (i > 100) throw new Error('private redis-server did not start');
        await sleep(100);
      }
    }
    probe.disconnect();
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url,
    port,
    /** Crash (SIGKILL) and start again on the same port. */
    restart: async (downMs = 1500) => {
      await stop();
      await sleep(downMs);
      await start();
    },
    flushAll: async () => {
      const r = new Redis(url);
      await r.flushall();
      r.disconnect();
    },
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A friend follows the advocate's link (a real redirect), then the brand reports the purchase at
 * once with the visitor id it received: the purchase, with `clickCode` replaced by `visitorId`.
 */
export async function followedLink(api: { url: string }, purchase: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { clickCode, ...rest } = purchase;
  for (;;) {
    const res = await fetch(`${api.url}/r/${String(clickCode)}`, {
      redirect: 'manual',
      headers: { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1' },
    }).catch(() => undefined);
    if (res?.status === 302) return { ...rest, visitorId: new URL(res.headers.get('location')!).searchParams.get('tl_vid') };
    await sleep(200);
  }
}

/** Purchases of the tenant whose customer has no credited advocate reward: lost conversions (must be 0). */
export async function lostConversions(db: pg.Pool, tenantId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM events e
     WHERE e.tenant_id = $1 AND e.type = 'purchase'
       AND NOT EXISTS (SELECT 1 FROM referrals f JOIN rewards r ON r.referral_id = f.id
                       WHERE f.tenant_id = $1 AND f.referred_customer_id = e.customer_id AND r.kind = 'ADVOCATE')`,
    [tenantId],
  );
  return rows[0]!.n;
}
