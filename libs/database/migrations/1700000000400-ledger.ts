import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Ledger1700000000400 implements MigrationInterface {
  name = 'Ledger1700000000400';

  async up(q: QueryRunner): Promise<void> {
    // Accounts: per advocate (pending, available, paid) and per campaign (reward_expense, budget),
    // one currency each. Balances are sums of entries; the row is also the lock for a balance check.
    await q.query(`
      CREATE TABLE ledger_accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        owner_type text NOT NULL CHECK (owner_type IN ('advocate', 'customer', 'campaign')),
        owner_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('pending', 'available', 'paid', 'reward_expense', 'budget')),
        currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, owner_type, owner_id, kind, currency)
      )`);
    await q.query(`
      CREATE TABLE ledger_transactions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        idempotency_key text NOT NULL,
        kind text NOT NULL,
        reward_id uuid,
        memo text,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, idempotency_key)
      )`);
    // Signed amounts in minor units: debits positive, credits negative; each transaction sums to 0.
    await q.query(`
      CREATE TABLE ledger_entries (
        id bigserial PRIMARY KEY,
        tenant_id uuid NOT NULL,
        transaction_id uuid NOT NULL REFERENCES ledger_transactions(id),
        account_id uuid NOT NULL REFERENCES ledger_accounts(id),
        amount bigint NOT NULL CHECK (amount <> 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ledger_entries_account_idx ON ledger_entries (account_id) INCLUDE (amount)`);
    await q.query(`CREATE INDEX ledger_entries_tx_idx ON ledger_entries (transaction_id)`);
    // History is never edited: the database itself refuses UPDATE and DELETE on entries and transactions.
    await q.query(`
      CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'ledger rows are append-only (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
      END $$`);
    await q.query(`CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
      FOR EACH ROW EXECUTE FUNCTION ledger_append_only()`);
    await q.query(`CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()`);
    await q.query(`CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ledger_transactions
      FOR EACH ROW EXECUTE FUNCTION ledger_append_only()`);
    // Every transaction balances, checked at commit (entries of one transaction are inserted together).
    await q.query(`
      CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE total bigint; currencies int;
      BEGIN
        SELECT coalesce(sum(e.amount), 0), count(DISTINCT a.currency) INTO total, currencies
          FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
         WHERE e.transaction_id = NEW.transaction_id;
        IF total <> 0 THEN
          RAISE EXCEPTION 'ledger transaction % does not balance (sum %)', NEW.transaction_id, total USING ERRCODE = 'check_violation';
        END IF;
        IF currencies > 1 THEN
          RAISE EXCEPTION 'ledger transaction % mixes currencies', NEW.transaction_id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced()`);

    await q.query(`
      CREATE TABLE referrals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        advocate_id uuid NOT NULL REFERENCES advocates(id),
        referred_customer_id uuid NOT NULL REFERENCES customers(id),
        status text NOT NULL CHECK (status IN ('LEAD', 'CONVERTED', 'APPROVED', 'REJECTED', 'REVERSED')),
        attributed_by text NOT NULL CHECK (attributed_by IN ('REFERRAL_CODE', 'COUPON_CODE', 'VISITOR_ID')),
        visitor_id text,
        click_id uuid,
        source_event_id text,
        order_id text,
        amount bigint,
        currency text,
        card_fingerprint text,
        refunded_amount bigint NOT NULL DEFAULT 0,
        converted_at timestamptz,
        rejected_reason text,
        reward_blocked_reason text,
        risk_score integer NOT NULL DEFAULT 0,
        risk_decision text NOT NULL DEFAULT 'ALLOW' CHECK (risk_decision IN ('ALLOW', 'REVIEW', 'BLOCK')),
        risk_reasons jsonb NOT NULL DEFAULT '[]',
        reviewed_by text,
        reviewed_at timestamptz,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (campaign_id, referred_customer_id)
      )`);
    await q.query(`CREATE INDEX referrals_campaign_page_idx ON referrals (tenant_id, campaign_id, created_at, id)`);
    await q.query(`CREATE INDEX referrals_advocate_idx ON referrals (tenant_id, advocate_id, converted_at)`);
    await q.query(`CREATE INDEX referrals_order_idx ON referrals (tenant_id, order_id) WHERE order_id IS NOT NULL`);
    await q.query(`CREATE INDEX referrals_uncredited_idx ON referrals (updated_at) WHERE status IN ('CONVERTED', 'APPROVED')`);
    await q.query(
      `CREATE INDEX referrals_review_idx ON referrals (tenant_id, campaign_id, created_at) WHERE risk_decision = 'REVIEW' AND reviewed_at IS NULL`,
    );

    await q.query(`
      CREATE TABLE rewards (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        referral_id uuid NOT NULL REFERENCES referrals(id),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        advocate_id uuid NOT NULL REFERENCES advocates(id),
        -- who receives it: the advocate (ADVOCATE) or the referred customer (FRIEND)
        beneficiary_type text NOT NULL CHECK (beneficiary_type IN ('advocate', 'customer')),
        beneficiary_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('ADVOCATE', 'FRIEND')),
        amount bigint NOT NULL CHECK (amount >= 0),
        reversed_amount bigint NOT NULL DEFAULT 0,
        currency text NOT NULL,
        status text NOT NULL CHECK (status IN ('PENDING', 'AVAILABLE', 'PAID', 'REVERSED')),
        available_at timestamptz NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        -- exactly one reward per referral and kind, whatever is retried or replayed
        UNIQUE (referral_id, kind)
      )`);
    await q.query(`CREATE INDEX rewards_due_idx ON rewards (available_at) WHERE status = 'PENDING'`);
    await q.query(`CREATE INDEX rewards_advocate_idx ON rewards (tenant_id, advocate_id, created_at)`);

    // Refunds that arrived before their purchase: applied when the purchase converts.
    await q.query(`
      CREATE TABLE pending_refunds (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        order_id text NOT NULL,
        event_id text NOT NULL,
        amount bigint,
        occurred_at timestamptz NOT NULL,
        applied_at timestamptz,
        PRIMARY KEY (tenant_id, order_id, event_id)
      )`);

    await q.query(`
      CREATE TABLE payouts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        advocate_id uuid NOT NULL REFERENCES advocates(id),
        amount bigint NOT NULL CHECK (amount > 0),
        currency text NOT NULL,
        reference text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, advocate_id, reference)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['payouts', 'pending_refunds', 'rewards', 'referrals', 'ledger_entries', 'ledger_transactions', 'ledger_accounts']) {
      await q.query(`DROP TABLE ${t}`);
    }
    await q.query(`DROP FUNCTION ledger_check_balanced`);
    await q.query(`DROP FUNCTION ledger_append_only`);
  }
}
