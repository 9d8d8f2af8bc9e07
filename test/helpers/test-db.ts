import { createDb, type Db } from '../../db/connection';
import { newTestDatabaseName, templateDatabase, TEST_SERVER_URL, urlForDatabase } from './pg-urls';

export interface TestDatabase {
  db: Db;
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of this test file's own, cloned from the run's template. */
export async function createTestDatabase(options: { poolMax?: number } = {}): Promise<TestDatabase> {
  const name = newTestDatabaseName('db');
  const admin = createDb(TEST_SERVER_URL, { poolMax: 1 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.raw(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabase()}"`);
        break;
      } catch (error) {
        // Another file cloning the template at the same moment: Postgres refuses a busy template.
        if (attempt >= 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.destroy();
  }
  const url = urlForDatabase(name);
  const db = createDb(url, { poolMax: options.poolMax ?? 10 });
  return {
    db,
    url,
    name,
    async drop() {
      await db.destroy();
      const dropper = createDb(TEST_SERVER_URL, { poolMax: 1 });
      try {
        await dropper.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.destroy();
      }
    },
  };
}
