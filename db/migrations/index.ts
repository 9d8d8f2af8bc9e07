import type { Knex } from 'knex';
import * as ledger from './20261130120000_ledger';
import * as distribution from './20261130140000_distribution';
import * as bookings from './20261130160000_bookings';
import * as reconciliation from './20261130180000_reconciliation';
import * as correlationIds from './20261201090000_correlation_ids';
import * as reconciliationBookings from './20261201120000_reconciliation_bookings';
import * as alpineBitsGuestRequests from './20261202100000_alpinebits_guest_requests';
import * as alpineBitsRatePlans from './20261202110000_alpinebits_rate_plans';
import * as channelContentFingerprint from './20261203100000_channel_content_fingerprint';
import * as exchangeRates from './20261203120000_exchange_rates';
import * as occupancyPrices from './20261203140000_occupancy_prices';

/**
 * Migrations are listed here rather than discovered on disk, so the same list runs under tsx, jest
 * and any bundler without a require hook for .ts files.
 */
const migrations: ReadonlyArray<readonly [string, Knex.Migration]> = [
  ['20261130120000_ledger', ledger],
  ['20261130140000_distribution', distribution],
  ['20261130160000_bookings', bookings],
  ['20261130180000_reconciliation', reconciliation],
  ['20261201090000_correlation_ids', correlationIds],
  ['20261201120000_reconciliation_bookings', reconciliationBookings],
  ['20261202100000_alpinebits_guest_requests', alpineBitsGuestRequests],
  ['20261202110000_alpinebits_rate_plans', alpineBitsRatePlans],
  ['20261203100000_channel_content_fingerprint', channelContentFingerprint],
  ['20261203120000_exchange_rates', exchangeRates],
  ['20261203140000_occupancy_prices', occupancyPrices],
];

export const migrationSource: Knex.MigrationSource<readonly [string, Knex.Migration]> = {
  getMigrations: () => Promise.resolve([...migrations]),
  getMigrationName: ([name]) => name,
  getMigration: ([, migration]) => Promise.resolve(migration),
};
