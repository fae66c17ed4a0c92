import { DataSource } from 'typeorm';
import { Db } from '#libs/database/index.js';
import { CampaignRepository } from '#libs/campaigns/index.js';
import { LedgerRepository, LedgerService } from '#libs/ledger/index.js';
import { OutboxWriter } from '#libs/outbox/index.js';
import { RewardsService } from '#libs/rewards/index.js';

/** Domain services wired by hand over the run's database, for suites that drive them directly. */
export async function services(url = process.env.TL_TEST_DATABASE_URL!) {
  const dataSource = new DataSource({ type: 'postgres', url, entities: [], extra: { max: 30 } });
  await dataSource.initialize();
  const db = new Db(dataSource);
  const ledger = new LedgerService(new LedgerRepository());
  const rewards = new RewardsService(db, ledger, new CampaignRepository(db), new OutboxWriter());
  return { db, ledger, rewards, close: () => dataSource.destroy() };
}
