import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import request from 'supertest';
import { silentLogger } from '../../config/logger';
import { addDays } from '../../core/dates';
import { startDistribution, type Distribution } from '../../queues/distributor';
import { channelDrift, waitFor } from '../helpers/convergence';
import { distributionProperty, startSampleChannels, type SampleChannels } from '../helpers/channels';
import { keyFor, seedProperty, testApp } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const FROM = '2027-05-01';
const TO = addDays(FROM, 29);
const OUTAGE_MS = Number(process.env.TIDEWATER_TEST_REDIS_OUTAGE_MS ?? 30_000);

/** A Redis of this test's own, on its own port, so stopping it disturbs nobody else. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitFor(
    () => new Promise<boolean>((resolve) => {
      const socket = createServer().listen(port, '127.0.0.1');
      socket.once('listening', () => socket.close(() => resolve(false)));
      socket.once('error', () => resolve(true));
    }),
    (up) => up,
    10_000,
    50,
  );
  return child;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('Redis down for 30 s while ARI keeps arriving', () => {
  let t: TestDatabase;
  let channels: SampleChannels & { urls?: string[] };
  let redis: ChildProcess;
  let port: number;
  let distribution: Distribution;

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 10 });
    channels = await startSampleChannels();
    await seedProperty(t.db, distributionProperty('REDI', (channels as unknown as { urls: string[] }).urls));
    port = await freePort();
    redis = await startRedis(port);
    distribution = startDistribution({
      db: t.db,
      logger: silentLogger,
      redisUrl: `redis://127.0.0.1:${port}`,
      queuePrefix: 'tw-outage',
      listenUrl: t.url,
      pollMs: 200,
      sweepMs: 500,
    });
  });
  afterAll(async () => {
    await distribution.stop();
    redis.kill('SIGKILL');
    await channels.close();
    await t.drop();
  });

  const drift = async () => {
    const out: string[] = [];
    for (const [code, sample, fields] of channels.all) out.push(...(await channelDrift(t.db, 'REDI', code, sample, FROM, TO, fields)));
    return out;
  };

  it('the API keeps accepting writes, and channels converge once Redis is back', async () => {
    const app = testApp(t.db);
    const key = await keyFor(t.db, 'REDI', 'pms');
    const push = (i: number) =>
      request(app)
        .post('/v1/properties/REDI/ari')
        .set('Authorization', `Bearer ${key}`)
        .send({
          updates: [
            { roomType: 'DBL', from: addDays(FROM, i % 30), to: addDays(FROM, i % 30), available: i % 10 },
            { roomType: 'SGL', ratePlan: 'BAR', from: FROM, to: TO, rate: `${100 + i}.00` },
          ],
        });

    expect((await push(0)).status).toBe(200);
    expect(await waitFor(drift, (d) => d.length === 0, 30_000, 200)).toEqual([]);

    redis.kill('SIGKILL');
    await new Promise((r) => redis.once('exit', r));
    const statuses: number[] = [];
    const outageEnds = Date.now() + OUTAGE_MS;
    for (let i = 1; Date.now() < outageEnds; i++) {
      statuses.push((await push(i)).status);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.every((s) => s === 200)).toBe(true);

    redis = await startRedis(port);
    expect(await waitFor(drift, (d) => d.length === 0, 60_000, 250)).toEqual([]);
  });
});
