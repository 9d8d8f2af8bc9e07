import knex, { type Knex } from 'knex';
import { types } from 'pg';
import { migrationSource } from './migrations';

// Dates are calendar days in the property's time zone: keep them as 'YYYY-MM-DD', never a JS Date
// (which would shift them by the server's UTC offset). bigint versions fit easily in a double.
types.setTypeParser(types.builtins.DATE, (value) => value);
types.setTypeParser(types.builtins.INT8, (value) => Number(value));

export type Db = Knex;
/** A handle a repository function can run on: the pool or an open transaction. */
export type DbHandle = Knex | Knex.Transaction;

export interface DbOptions {
  /** Maximum pool size. The embedded database serves a single connection. */
  poolMax?: number;
  applicationName?: string;
}

export function createDb(url: string, options: DbOptions = {}): Db {
  return knex({
    client: 'pg',
    connection: { connectionString: url, application_name: options.applicationName ?? 'tidewater' },
    pool: { min: 0, max: options.poolMax ?? 10 },
    migrations: { migrationSource, tableName: 'knex_migrations' },
  });
}

/** Applies every pending migration; returns the names it ran. Safe to run any number of times. */
export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

export async function inTransaction<T>(db: Db, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.transaction(work);
}
