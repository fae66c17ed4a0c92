import { Foundation1700000000000 } from './1700000000000-foundation.js';
import { Outbox1700000000001 } from './1700000000001-outbox.js';
import { CustomersAdvocates1700000000002 } from './1700000000002-customers-advocates.js';
import { Webhooks1700000000300 } from './1700000000300-webhooks.js';
import { Ledger1700000000400 } from './1700000000400-ledger.js';
import { EventEffects1700000000401 } from './1700000000401-event-effects.js';
import { Stripe1700000000402 } from './1700000000402-stripe.js';
import { Moments1700000000100 } from './1700000000100-moments.js';
import { LinksClicksShares1700000000200 } from './1700000000200-links-clicks-shares.js';
import { Analytics1700000000500 } from './1700000000500-analytics.js';
import { Conversions1700000000600 } from './1700000000600-conversions.js';
import { Hardening1700000000700 } from './1700000000700-hardening.js';

/** Every migration, in order. Listed explicitly: ESM builds cannot rely on TypeORM's glob loading. */
export const migrations = [
  Foundation1700000000000,
  Outbox1700000000001,
  CustomersAdvocates1700000000002,
  Moments1700000000100,
  LinksClicksShares1700000000200,
  Webhooks1700000000300,
  Ledger1700000000400,
  EventEffects1700000000401,
  Stripe1700000000402,
  Analytics1700000000500,
  Conversions1700000000600,
  Hardening1700000000700,
];
