import { randomUUID } from 'node:crypto';
import { silentLogger } from '../../config/logger';
import { addDays } from '../../core/dates';
import type { PropertyDocument } from '../../core/property-document';
import { createDirectChannel } from '../../fixtures/channels/direct-channel';
import { listen, type SampleChannel } from '../../fixtures/channels/sample-channel';
import { startDistribution, type Distribution } from '../../queues/distributor';
import { applyAriBatch } from '../../services/ari-service';
import { reserveStay } from '../../services/reservation-service';
import { seedProperty } from '../helpers/hub';
import { countDirtyRanges } from '../../db/sync-repo';
import { channelDrift, waitFor } from '../helpers/convergence';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const FROM = '2027-02-01';
const TO = addDays(FROM, 29);

describe.each([
  ['BullMQ on Redis', true],
  ['in-process delivery (no Redis)', false],
])('distribution to a direct booking engine: %s', (_name, withRedis) => {
  let t: TestDatabase;
  let sample: SampleChannel;
  let closeSample: () => Promise<void>;
  let distribution: Distribution;
  let baseline = 0;

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 10 });
    sample = createDirectChannel({ secret: 's3cret' });
    const served = await listen(sample.app);
    closeSample = served.close;
    const doc: PropertyDocument = {
      code: 'DIST',
      name: 'Distribution Hotel',
      timezone: 'Europe/Rome',
      currency: 'EUR',
      roomTypes: [
        { code: 'DBL', rooms: 20 },
        { code: 'SGL', rooms: 8 },
        { code: 'APT', rooms: 3 },
      ],
      ratePlans: [
        { code: 'BAR', roomTypes: ['DBL', 'SGL', 'APT'] },
        { code: 'NRF', derivedFrom: 'BAR', adjust: { percent: -12 } },
      ],
      channels: [
        {
          code: 'web',
          type: 'direct',
          endpoint: served.url,
          credentials: { secret: 's3cret' },
          critical: true,
          // APT is not mapped: it must never be sent.
          roomTypes: { DBL: 'double', SGL: 'single' },
          ratePlans: { BAR: 'flex', NRF: 'prepaid' },
          buffer: { rooms: 2 },
          settings: { timeoutMs: 2000, maxCellsPerMessage: 40 },
        },
      ],
    };
    await seedProperty(t.db, doc);
    distribution = startDistribution({
      db: t.db,
      logger: silentLogger,
      ...(withRedis ? { redisUrl: REDIS_URL, queuePrefix: `tw-test-${randomUUID()}`, listenUrl: t.url } : {}),
      pollMs: 100,
      sweepMs: 500,
    });
    // A new channel first receives the whole horizon; the tests below count messages after that.
    await waitFor(() => countDirtyRanges(t.db), (n) => n === 0, 60_000, 100);
    baseline = sample.store.messages;
  });
  afterAll(async () => {
    await distribution.stop();
    await closeSample();
    await t.drop();
  });

  it('a PMS push reaches the channel with mappings and buffer applied; unmapped room types are never sent', async () => {
    await applyAriBatch(t.db, 'DIST', {
      updates: [
        { roomType: 'DBL', from: FROM, to: TO, available: 15 },
        { roomType: 'SGL', from: FROM, to: TO, available: 1 },
        { roomType: 'APT', from: FROM, to: TO, available: 3 },
        { roomType: 'DBL', ratePlan: 'BAR', from: FROM, to: TO, rate: '140.00', minStay: 2 },
        { roomType: 'DBL', ratePlan: 'BAR', from: FROM, to: TO, days: ['fri', 'sat'], rate: '180.00' },
        { roomType: 'SGL', ratePlan: 'BAR', from: FROM, to: TO, rate: '95.50', closedToArrival: true },
        { roomType: 'APT', ratePlan: 'BAR', from: FROM, to: TO, rate: '300.00' },
      ],
    });
    const drift = await waitFor(() => channelDrift(t.db, 'DIST', 'web', sample, FROM, TO), (d) => d.length === 0);
    expect(drift).toEqual([]);
    expect(sample.store.inventory.get(`double|${FROM}`)?.available).toBe(13);
    expect(sample.store.inventory.get(`single|${FROM}`)?.available).toBe(0);
    expect(sample.store.rates.get(`double|prepaid|2027-02-05`)?.rate).toBe('158.40');
    expect([...sample.store.inventory.keys()].some((k) => k.startsWith('APT'))).toBe(false);
    // Ranges of equal values travel as one element: 3 mapped room types' worth of cells in few messages.
    expect(sample.store.messages - baseline).toBeLessThanOrEqual(20);
  });

  it('a booking moves availability on the channel, and coalesced repeats send nothing new', async () => {
    const before = sample.store.messages;
    await reserveStay(t.db, 'DIST', { source: 'test', stays: [{ roomType: 'DBL', checkIn: '2027-02-10', checkOut: '2027-02-12', rooms: 3 }] });
    const drift = await waitFor(() => channelDrift(t.db, 'DIST', 'web', sample, FROM, TO), (d) => d.length === 0);
    expect(drift).toEqual([]);
    expect(sample.store.inventory.get('double|2027-02-10')?.available).toBe(10);
    // Re-pushing identical values changes no cell: nothing to send.
    await applyAriBatch(t.db, 'DIST', { updates: [{ roomType: 'SGL', from: FROM, to: TO, available: 1 }] });
    await new Promise((r) => setTimeout(r, 1500));
    expect(sample.store.messages - before).toBe(1);
  });
});
