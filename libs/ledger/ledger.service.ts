import { Injectable } from '@nestjs/common';
import type { Sql } from '#libs/database/index.js';
import type { AccountRef, Posting } from './ledger.js';
import { LedgerRepository, refKey } from './ledger.repository.js';

/**
 * Double-entry postings. Each transfer debits `to` and credits `from` by the same amount, so
 * every transaction balances (the database checks it at commit, and refuses edits of history).
 */
@Injectable()
export class LedgerService {
  constructor(private readonly ledger: LedgerRepository) {}

  /** Posts inside the caller's transaction; false when the idempotency key was already posted. */
  async post(tx: Sql, posting: Posting): Promise<boolean> {
    const transfers = posting.transfers.filter((t) => t.amount !== 0);
    for (const t of transfers) {
      if (!Number.isSafeInteger(t.amount) || t.amount < 0) throw new Error(`ledger amounts are non-negative integers (got ${t.amount})`);
    }
    const transactionId = await this.ledger.insertTransaction(tx, posting);
    if (!transactionId) return false;
    if (transfers.length === 0) return true;
    const refs: AccountRef[] = transfers.flatMap((t) => [t.from, t.to]);
    const ids = await this.ledger.accountIds(tx, posting.tenantId, posting.currency, refs);
    const entries = transfers.flatMap((t) => [
      { accountId: ids.get(refKey(t.to))!, amount: t.amount },
      { accountId: ids.get(refKey(t.from))!, amount: -t.amount },
    ]);
    await this.ledger.insertEntries(tx, posting.tenantId, transactionId, entries);
    return true;
  }

  lockAccount(tx: Sql, tenantId: string, currency: string, ref: AccountRef): Promise<string> {
    return this.ledger.lockAccount(tx, tenantId, currency, ref);
  }

  balance(tx: Sql, accountId: string, kind: AccountRef['kind']): Promise<number> {
    return this.ledger.balance(tx, accountId, kind);
  }

  balances(tx: Sql, tenantId: string, ownerType: AccountRef['ownerType'], ownerIds: readonly string[]) {
    return this.ledger.balances(tx, tenantId, ownerType, ownerIds);
  }
}
