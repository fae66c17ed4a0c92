import { Injectable } from '@nestjs/common';
import { minorUnits } from '#libs/common/index.js';
import type { Sql } from '#libs/database/index.js';
import { naturalBalance, type AccountKind, type AccountRef, type Posting } from './ledger.js';

@Injectable()
export class LedgerRepository {
  /** Ids of the accounts, created on first use (one round trip for any number). */
  async accountIds(tx: Sql, tenantId: string, currency: string, refs: AccountRef[]): Promise<Map<string, string>> {
    const params = [tenantId, currency, refs.map((r) => r.ownerType), refs.map((r) => r.ownerId), refs.map((r) => r.kind)];
    await tx.query(
      `INSERT INTO ledger_accounts (tenant_id, owner_type, owner_id, kind, currency)
       SELECT $1, owner_type, owner_id, kind, $2 FROM unnest($3::text[], $4::uuid[], $5::text[]) AS w(owner_type, owner_id, kind)
       ON CONFLICT (tenant_id, owner_type, owner_id, kind, currency) DO NOTHING`,
      params,
    );
    // A second statement: its snapshot sees accounts that a concurrent transaction committed meanwhile.
    const rows = await tx.query<{ id: string; owner_type: string; owner_id: string; kind: string }>(
      `SELECT a.id, a.owner_type, a.owner_id::text, a.kind
       FROM ledger_accounts a JOIN unnest($3::text[], $4::uuid[], $5::text[]) AS w(owner_type, owner_id, kind)
         ON a.owner_type = w.owner_type AND a.owner_id = w.owner_id AND a.kind = w.kind
       WHERE a.tenant_id = $1 AND a.currency = $2`,
      params,
    );
    return new Map(
      rows.map((r) => [
        refKey({ ownerType: r.owner_type as AccountRef['ownerType'], ownerId: r.owner_id, kind: r.kind as AccountKind }),
        r.id,
      ]),
    );
  }

  /** Inserts the transaction unless its key exists; returns the new id, or undefined for a replay. */
  async insertTransaction(tx: Sql, p: Posting): Promise<string | undefined> {
    const [row] = await tx.query<{ id: string }>(
      `INSERT INTO ledger_transactions (tenant_id, idempotency_key, kind, reward_id, memo)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id`,
      [p.tenantId, p.idempotencyKey, p.kind, p.rewardId ?? null, p.memo ?? null],
    );
    return row?.id;
  }

  async insertEntries(tx: Sql, tenantId: string, transactionId: string, entries: { accountId: string; amount: number }[]): Promise<void> {
    await tx.query(
      `INSERT INTO ledger_entries (tenant_id, transaction_id, account_id, amount)
       SELECT $1, $2, account_id, amount FROM unnest($3::uuid[], $4::bigint[]) AS e(account_id, amount)`,
      [tenantId, transactionId, entries.map((e) => e.accountId), entries.map((e) => e.amount)],
    );
  }

  /** Locks an account row (creating it if needed) so a balance check and the posting are atomic. */
  async lockAccount(tx: Sql, tenantId: string, currency: string, ref: AccountRef): Promise<string> {
    const ids = await this.accountIds(tx, tenantId, currency, [ref]);
    const id = ids.get(refKey(ref))!;
    await tx.query(`SELECT 1 FROM ledger_accounts WHERE id = $1 FOR UPDATE`, [id]);
    return id;
  }

  async balance(tx: Sql, accountId: string, kind: AccountKind): Promise<number> {
    const [row] = await tx.query<{ sum: string }>(
      `SELECT coalesce(sum(amount), 0)::text AS sum FROM ledger_entries WHERE account_id = $1`,
      [accountId],
    );
    return naturalBalance(kind, minorUnits(row!.sum));
  }

  /** Balances of many owners' accounts in one query: owner id → kind → currency → amount. */
  async balances(
    tx: Sql,
    tenantId: string,
    ownerType: AccountRef['ownerType'],
    ownerIds: readonly string[],
  ): Promise<{ ownerId: string; kind: AccountKind; currency: string; balance: number }[]> {
    const rows = await tx.query<{ owner_id: string; kind: AccountKind; currency: string; sum: string }>(
      `SELECT a.owner_id::text, a.kind, a.currency, coalesce(sum(e.amount), 0)::text AS sum
       FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
       WHERE a.tenant_id = $1 AND a.owner_type = $2 AND a.owner_id = ANY($3::uuid[])
       GROUP BY a.owner_id, a.kind, a.currency`,
      [tenantId, ownerType, ownerIds],
    );
    return rows.map((r) => ({
      ownerId: r.owner_id,
      kind: r.kind,
      currency: r.currency,
      balance: naturalBalance(r.kind, minorUnits(r.sum)),
    }));
  }
}

export function refKey(ref: AccountRef): string {
  return `${ref.ownerType}:${ref.ownerId}:${ref.kind}`;
}
