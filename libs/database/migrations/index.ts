import { Foundation1700000000000 } from './1700000000000-foundation.js';
import { Outbox1700000000001 } from './1700000000001-outbox.js';
import { CustomersAdvocates1700000000002 } from './1700000000002-customers-advocates.js';
import { Webhooks1700000000300 } from './1700000000300-webhooks.js';

/** Every migration, in order. Listed explicitly: ESM builds cannot rely on TypeORM's glob loading. */
export const migrations = [Foundation1700000000000, Outbox1700000000001, CustomersAdvocates1700000000002, Webhooks1700000000300];
