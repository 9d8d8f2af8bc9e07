/** Tests always run on a real Postgres: DATABASE_URL, or the machine's local server. */
export const TEST_SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_DB_PREFIX = 'tidewater_test_';

/**
 * Set by the global setup and inherited by the jest workers it forks, so parallel jest runs on one
 * server each clone their own template.
 */
export function templateDatabase(): string {
  const name = process.env.TIDEWATER_TEST_TEMPLATE;
  if (!name) throw new Error('TIDEWATER_TEST_TEMPLATE is not set: run tests through jest (test/global-setup.ts)');
  return name;
}

/** Database names carry their creation time, so a later run can sweep what a crashed run left behind. */
export function newTestDatabaseName(kind: 'tpl' | 'db'): string {
  return `${TEST_DB_PREFIX}${Math.floor(Date.now() / 1000)}_${kind}_${Math.random().toString(16).slice(2, 10)}`;
}

export function createdAtOf(name: string): number | undefined {
  const m = new RegExp(`^${TEST_DB_PREFIX}(\\d+)_`).exec(name);
  return m ? Number(m[1]) * 1000 : undefined;
}

export function urlForDatabase(name: string): string {
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
