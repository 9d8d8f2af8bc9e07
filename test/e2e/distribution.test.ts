import { randomUUID } from 'node:crypto';
import { createLogger, silentLogger } from '../../config/logger';
import { addDays } from '../../core/dates';
import { startDistribution, type Distribution } from '../../queues/distributor';
import { applyAriBatch } from '../../services/ari-service';
import { channelDrift, waitFor } from '../helpers/convergence';
import { distributionProperty, ROOM_TYPES, startSampleChannels, type SampleChannels } from '../helpers/channels';
import { seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const FROM = '2027-03-01';
const TO = addDays(FROM, 29);

/** Issue 4's acceptance on real Postgres, Redis (BullMQ) and the sample channels over HTTP. */
describe('distribution to OTA, booking engine and GDS', () => {
  let t: TestDatabase;
  let channels: SampleChannels & { urls?: string[] };
  let distribution: Distribution;

  const allDrift = async (from = FROM, to = TO) => {
    const out: string[] = [];
    for (const [code, sample, fields] of channels.all) out.push(...(await channelDrift(t.db, 'CHAN', code, sample, from, to, fields)).map((d) => `${code}: ${d}`));
    return out;
  };
  const converge = (from = FROM, to = TO, timeoutMs = 60_000) => waitFor(() => allDrift(from, to), (d) => d.length === 0, timeoutMs, 200);

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 20 });
    channels = await startSampleChannels();
    await seedProperty(t.db, distributionProperty('CHAN', (channels as unknown as { urls: string[] }).urls, { requestsPerSecond: 50 }));
    distribution = startDistribution({
      db: t.db,
      logger: process.env.TEST_LOG ? createLogger('debug') : silentLogger,
      redisUrl: REDIS_URL,
      queuePrefix: `tw-test-${randomUUID()}`,
      listenUrl: t.url,
      pollMs: 200,
      sweepMs: 500,
      health: { failureThreshold: 3, safetyBufferPercent: 10, horizonDays: 60 },
    });
  });
  afterAll(async () => {
    await distribution.stop();
    await channels.close();
    await t.drop();
  });

  it('1. a 30-day × 5 room types × 3 plans push reaches every channel exactly as the ledger says', async () => {
    await applyAriBatch(t.db, 'CHAN', {
      updates: ROOM_TYPES.flatMap((roomType, i) => [
        { roomType, from: FROM, to: TO, available: 5 + i },
        { roomType, ratePlan: 'BAR', from: FROM, to: TO, rate: `${100 + i * 20}.00`, minStay: 1 },
        { roomType, ratePlan: 'BAR', from: FROM, to: TO, days: ['fri' as const, 'sat' as const], rate: `${130 + i * 20}.00`, minStay: 2 },
        ...(roomType === 'DBL' || roomType === 'SGL' ? [{ roomType, ratePlan: 'CORP', from: FROM, to: TO, rate: `${90 + i * 10}.00`, closedToArrival: false }] : []),
      ]),
    });
    expect(await converge()).toEqual([]);
    // Buffer of the OTA, mapping of the GDS, derived plan on the booking engine:
    expect(channels.ota.store.inventory.get(`1001|${FROM}`)?.available).toBe(4);
    expect(channels.direct.store.rates.get(`twn|saver|2027-03-05`)?.rate).toBe('127.50');
    expect(channels.gds.store.inventory.size).toBe(0);
    expect([...channels.gds.store.rates.keys()].some((k) => k.includes('|5002|') || k.startsWith('A2T|COR'))).toBe(false);
  });

  it('2. with 20% 5xx and timeouts everywhere, 5,000 random changes still converge, nothing stale wins', async () => {
    for (const [, sample] of channels.all) sample.faults = { errorRate: 0.1, timeoutRate: 0.1, rate429: 0, dropRate: 0, latencyMs: 0, failAll: false };
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const batches = Array.from({ length: 250 }, () => ({
      updates: Array.from({ length: 20 }, () => {
        const roomType = ROOM_TYPES[rnd(ROOM_TYPES.length)] as string;
        const from = addDays(FROM, rnd(30));
        const to = addDays(from, rnd(3));
        return rnd(2) === 0
          ? { roomType, from, to: to > TO ? TO : to, available: rnd(8) }
          : { roomType, ratePlan: 'BAR', from, to: to > TO ? TO : to, rate: `${80 + rnd(200)}.${String(rnd(100)).padStart(2, '0')}`, stopSell: rnd(10) === 0 };
      }),
    }));
    for (let i = 0; i < batches.length; i += 10) await Promise.all(batches.slice(i, i + 10).map((b) => applyAriBatch(t.db, 'CHAN', b)));
    const drift = await converge(FROM, TO, 90_000);
    for (const [, sample] of channels.all) sample.faults = { errorRate: 0, timeoutRate: 0, rate429: 0, dropRate: 0, latencyMs: 0, failAll: false };
    expect(drift).toEqual([]);
    const injected = channels.all.reduce((n, [, s]) => n + (s.stats.injected.error ?? 0) + (s.stats.injected.timeout ?? 0), 0);
    expect(injected).toBeGreaterThan(0);
  });

  it('5. coalescing: 10,000 updates to one cell within about a second reach the OTA in at most 20 messages, last value wins', async () => {
    await converge();
    const before = channels.ota.store.messages;
    const day = '2027-03-20';
    // 100 commits of 100 updates each: every update a different value for the same cell.
    const commits = Array.from({ length: 100 }, (_, c) => ({
      updates: Array.from({ length: 100 }, (_, u) => ({ roomType: 'DBL', from: day, to: day, available: ((c * 100 + u) % 9) + 1 })),
    }));
    const started = Date.now();
    for (let i = 0; i < commits.length; i += 10) await Promise.all(commits.slice(i, i + 10).map((b) => applyAriBatch(t.db, 'CHAN', b)));
    const elapsed = Date.now() - started;
    await applyAriBatch(t.db, 'CHAN', { updates: [{ roomType: 'DBL', from: day, to: day, available: 6 }] });
    expect(await converge()).toEqual([]);
    const sent = channels.ota.store.messages - before;
    process.stderr.write(`coalescing: 10,000 updates in ${elapsed} ms → ${sent} OTA messages\n`);
    expect(sent).toBeLessThanOrEqual(20);
    expect(channels.ota.store.inventory.get(`1001|${day}`)?.available).toBe(5);
  });

  it('6. a critical channel failing persistently engages a 10% safety buffer on the others; recovery lifts it', async () => {
    await converge();
    const day = '2027-03-10';
    const directBefore = channels.direct.store.inventory.get(`fam|${day}`)?.available as number;
    channels.ota.faults = { errorRate: 0, timeoutRate: 0, rate429: 0, dropRate: 0, latencyMs: 0, failAll: true };
    await applyAriBatch(t.db, 'CHAN', { updates: [{ roomType: 'FAM', from: day, to: day, available: 9 }] });

    // FAM has 25 rooms: 10% is 3 rooms held back on the booking engine.
    const buffered = await waitFor(
      async () => channels.direct.store.inventory.get(`fam|${day}`)?.available,
      (v) => v === 6,
      30_000,
      100,
    );
    expect({ directBefore, buffered }).toEqual({ directBefore: expect.any(Number), buffered: 6 });
    const incidents = await t.db('incidents').where({ status: 'open' });
    if (process.env.TEST_LOG) process.stderr.write(JSON.stringify(await t.db('incidents')) + '\n');
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ kind: 'critical-channel-failing', status: 'open' });

    channels.ota.faults = { errorRate: 0, timeoutRate: 0, rate429: 0, dropRate: 0, latencyMs: 0, failAll: false };
    const lifted = await waitFor(async () => channels.direct.store.inventory.get(`fam|${day}`)?.available, (v) => v === 9, 60_000, 100);
    expect(lifted).toBe(9);
    expect(await t.db('incidents').where({ status: 'open' })).toHaveLength(0);
    expect(await converge()).toEqual([]);
  });
});
