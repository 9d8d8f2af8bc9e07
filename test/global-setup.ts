import { createDb, migrateLatest } from '../db/connection';
import { createdAtOf, newTestDatabaseName, TEST_DB_PREFIX, TEST_SERVER_URL, urlForDatabase } from './helpers/pg-urls';

const STALE_AFTER_MS = 3 * 60 * 60 * 1000;

/**
 * Migrates one template database per run; each test file clones it (CREATE DATABASE … TEMPLATE),
 * which takes milliseconds and lets files run in parallel without seeing each other's rows.
 */
export default async function globalSetup(): Promise<void> {
  const template = newTestDatabaseName('tpl');
  const admin = createDb(TEST_SERVER_URL, { poolMax: 1 });
  try {
    const existing = await admin.raw<{ rows: { datname: string }[] }>(`SELECT datname FROM pg_database WHERE datname LIKE ?`, [
      `${TEST_DB_PREFIX}%`,
    ]);
    for (const { datname } of existing.rows) {
      const createdAt = createdAtOf(datname);
      if (createdAt === undefined || Date.now() - createdAt > STALE_AFTER_MS) {
        await admin.raw(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    }
    await admin.raw(`CREATE DATABASE "${template}"`);
  } finally {
    await admin.destroy();
  }
  const db = createDb(urlForDatabase(template), { poolMax: 1 });
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
  process.env.TIDEWATER_TEST_TEMPLATE = template;
}
