import { randomUUID } from 'node:crypto';
import { childEnv, startCli } from '../helpers/cli';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A `tidewater worker` can be scraped and probed: its delivery metrics exist only in its own process. */
describe('tidewater worker --metrics-port', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 2 });
  });
  afterAll(() => t.drop());

  it('serves /metrics, /healthz and /readyz while it runs, and exits 0 on SIGTERM', async () => {
    const env = childEnv({ DATABASE_URL: t.url, REDIS_URL, TIDEWATER_QUEUE_PREFIX: `tw-status-${randomUUID()}`, TIDEWATER_RECONCILE_CRON: 'off' });
    const { child, match } = await startCli(['worker', '--metrics-port', '0'], env, /metrics on (http:\/\/\S+)\/metrics/);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const base = match[1] as string;
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.status).toBe(200);
      const text = await metrics.text();
      for (const name of ['tidewater_sync_lag_seconds', 'tidewater_channel_messages_total', 'tidewater_dead_letters_total', 'tidewater_dirty_ranges']) expect(text).toContain(name);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect({ status: ready.status, body: await ready.json() }).toEqual({ status: 200, body: { status: 'ready', checks: { postgres: 'ok', migrations: 'ok', redis: 'ok', draining: 'no' } } });
      expect((await fetch(`${base}/v1/properties/AMS01`)).status).toBe(404);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
