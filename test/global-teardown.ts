import { createDb } from '../db/connection';
import { TEST_SERVER_URL } from './helpers/pg-urls';

export default async function globalTeardown(): Promise<void> {
  const template = process.env.TIDEWATER_TEST_TEMPLATE;
  if (!template) return;
  const admin = createDb(TEST_SERVER_URL, { poolMax: 1 });
  try {
    await admin.raw(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
  } finally {
    await admin.destroy();
  }
}
