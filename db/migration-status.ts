import type { DbHandle } from './connection';
import { migrationSource } from './migrations';

/** knex's bookkeeping table, as configured in db/connection.ts. */
const MIGRATIONS_TABLE = 'knex_migrations';

/**
 * The migrations this build ships that the database has not applied, in order. Read-only on
 * purpose: knex's own `migrate.list()` creates its tables when they are missing, and a readiness
 * probe must not write. Migrations the database has and this build does not know (a newer build
 * migrated first, during a rolling deploy) are not a reason to refuse traffic.
 */
export async function pendingMigrations(db: DbHandle): Promise<string[]> {
  const known = (await migrationSource.getMigrations([])).map((m) => migrationSource.getMigrationName(m));
  const table = await db.raw<{ rows: { t: string | null }[] }>('SELECT to_regclass(?)::text AS t', [MIGRATIONS_TABLE]);
  if (!table.rows[0]?.t) return known;
  const applied = new Set(await db(MIGRATIONS_TABLE).pluck<string[]>('name'));
  return known.filter((name) => !applied.has(name));
}
