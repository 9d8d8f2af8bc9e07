import IORedis from 'ioredis';
import request from 'supertest';
import { createApp } from '../../api/app';
import { Readiness } from '../../api/readiness';
import { silentLogger } from '../../config/logger';
import { createDb, migrateLatest } from '../../db/connection';
import { migrationSource } from '../../db/migrations';
import { childEnv, startCli } from '../helpers/cli';
import { TEST_SERVER_URL, urlForDatabase } from '../helpers/pg-urls';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Issue 8: /healthz is liveness, /readyz says whether this process may take traffic now. */
describe('GET /readyz', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 3 });
  });
  afterAll(() => t.drop());

  it('200 when Postgres answers, every migration is applied, Redis answers and the process is not draining', async () => {
    const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      const res = await request(createApp({ db: t.db, logger: silentLogger, redis })).get('/readyz');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ready', checks: { postgres: 'ok', migrations: 'ok', redis: 'ok', draining: 'no' } });
      expect(res.headers['cache-control']).toBe('no-store');
    } finally {
      redis.disconnect();
    }
    // Without Redis configured there is nothing to check there.
    const plain = await request(createApp({ db: t.db, logger: silentLogger })).get('/readyz');
    expect(plain.body).toEqual({ status: 'ready', checks: { postgres: 'ok', migrations: 'ok', draining: 'no' } });
  });

  it('503 naming the migration a database is missing; 200 again once migrated', async () => {
    const names = (await migrationSource.getMigrations([])).map((m) => migrationSource.getMigrationName(m));
    const last = names[names.length - 1] as string;
    await t.db.migrate.down({ migrationSource });
    const app = createApp({ db: t.db, logger: silentLogger });
    const missing = await request(app).get('/readyz');
    expect(missing.status).toBe(503);
    expect(missing.body.status).toBe('not-ready');
    expect(missing.body.checks).toMatchObject({ postgres: 'ok', draining: 'no' });
    expect(missing.body.checks.migrations).toBe(`pending: ${last} (run \`tidewater migrate\`)`);
    // Liveness is unaffected: the process works, it just must not take traffic yet.
    expect((await request(app).get('/healthz')).status).toBe(200);
    expect(await migrateLatest(t.db)).toEqual([last]);
    expect((await request(app).get('/readyz')).status).toBe(200);
  });

  it('names every migration of a database that was never migrated, without creating knex tables', async () => {
    const admin = createDb(TEST_SERVER_URL, { poolMax: 1 });
    const name = `${t.name}_empty`;
    await admin.raw(`CREATE DATABASE "${name}"`);
    const empty = createDb(urlForDatabase(name), { poolMax: 1 });
    try {
      const res = await request(createApp({ db: empty, logger: silentLogger })).get('/readyz');
      expect(res.status).toBe(503);
      for (const [migration] of await migrationSource.getMigrations([])) expect(res.body.checks.migrations).toContain(migration);
      const tables = await empty.raw<{ rows: unknown[] }>(`SELECT 1 FROM pg_tables WHERE tablename LIKE 'knex%'`);
      expect(tables.rows).toEqual([]);
    } finally {
      await empty.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.destroy();
    }
  });

  it('503 with the reason when Postgres or Redis does not answer', async () => {
    const gone = createDb(urlForDatabase(`${t.name}_does_not_exist`), { poolMax: 1 });
    // knex prints the failed connection attempt on the console; expected here.
    const quiet = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const res = await request(createApp({ db: gone, logger: silentLogger, redis: { ping: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) } })).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('not-ready');
      expect(res.body.checks.postgres).toMatch(/does not exist/);
      expect(res.body.checks.migrations).toBe('not checked: postgres unavailable');
      expect(res.body.checks.redis).toBe('connect ECONNREFUSED 127.0.0.1:1');
    } finally {
      quiet.mockRestore();
      await gone.destroy();
    }
  });

  it('503 while draining, while /healthz stays 200', async () => {
    const readiness = new Readiness();
    const app = createApp({ db: t.db, logger: silentLogger, readiness });
    expect((await request(app).get('/readyz')).status).toBe(200);
    readiness.startDraining('SIGTERM received');
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.checks).toMatchObject({ postgres: 'ok', migrations: 'ok' });
    expect(res.body.checks.draining).toMatch(/^yes: SIGTERM received since \d{4}-\d\d-\d\dT/);
    expect((await request(app).get('/healthz')).status).toBe(200);
  });

  it('tidewater serve: SIGTERM turns /readyz 503 before the listener closes, then exits 0', async () => {
    const env = childEnv({ DATABASE_URL: t.url, REDIS_URL: undefined, TIDEWATER_DRAIN_DELAY_MS: '1500' });
    const { child, match } = await startCli(['serve', '--port', '0', '--host', '127.0.0.1'], env, /listening on (http:\/\/\S+)/);
    const base = match[1] as string;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      child.kill('SIGTERM');
      let draining: Response | undefined;
      for (let i = 0; i < 20 && draining?.status !== 503; i++) {
        await new Promise((r) => setTimeout(r, 50));
        draining = await fetch(`${base}/readyz`);
      }
      expect(draining?.status).toBe(503);
      expect(((await draining?.json()) as { checks: { draining: string } }).checks.draining).toMatch(/^yes: SIGTERM received/);
      // Still serving meanwhile: requests in the drain delay are answered, not refused.
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect(await exited).toBe(0);
      await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
