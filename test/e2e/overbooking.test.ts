import { randomUUID } from 'node:crypto';
import { silentLogger } from '../../config/logger';
import { countDirtyRanges } from '../../db/sync-repo';
import { startDistribution, type Distribution } from '../../queues/distributor';
import { applyAriBatch } from '../../services/ari-service';
import { ingestChannelBooking } from '../../services/booking-service';
import { waitFor } from '../helpers/convergence';
import { distributionProperty, startSampleChannels, type SampleChannels } from '../helpers/channels';
import { seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const NIGHT = '2027-06-15';

/** Issue 5, acceptance 3: an OTA booking for a sold-out night is stored, one incident, every channel closed within 2 s. */
describe('overbooking from an OTA', () => {
  let t: TestDatabase;
  let channels: SampleChannels & { urls?: string[] };
  let distribution: Distribution;

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 10 });
    channels = await startSampleChannels();
    const doc = distributionProperty('OVER', (channels as unknown as { urls: string[] }).urls);
    doc.channels = doc.channels?.map((c) => (c.code === 'otax' ? { ...c, buffer: { rooms: 0 } } : c));
    await seedProperty(t.db, doc);
    await applyAriBatch(t.db, 'OVER', { updates: [{ roomType: 'FAM', from: NIGHT, to: NIGHT, total: 1 }] });
    distribution = startDistribution({ db: t.db, logger: silentLogger, redisUrl: REDIS_URL, queuePrefix: `tw-over-${randomUUID()}`, listenUrl: t.url, pollMs: 200, sweepMs: 500 });
    await waitFor(() => countDirtyRanges(t.db), (n) => n === 0, 60_000, 100);
  });
  afterAll(async () => {
    await distribution.stop();
    await channels.close();
    await t.drop();
  });

  it('stores the booking, records one incident and closes the night on every channel within 2 s', async () => {
    expect(channels.ota.store.inventory.get(`1004|${NIGHT}`)?.available).toBe(1);
    expect(channels.direct.store.inventory.get(`fam|${NIGHT}`)?.available).toBe(1);
    // Two OTAs sell the last room at the same moment: the second booking is an overbooking.
    const [first, second] = await Promise.all([
      ingestChannelBooking({ db: t.db, logger: silentLogger }, 'OVER', { channelCode: 'otax', channelBookingId: 'A-1', revision: '1', status: 'new', roomStays: [{ roomType: 'FAM', checkIn: NIGHT, checkOut: '2027-06-16', rooms: 1 }] }),
      ingestChannelBooking({ db: t.db, logger: silentLogger }, 'OVER', { channelCode: 'gds', channelBookingId: 'G-1', revision: '1', status: 'new', roomStays: [{ roomType: 'FAM', checkIn: NIGHT, checkOut: '2027-06-16', rooms: 1 }] }),
    ]);
    const started = Date.now();
    expect([first.overbooked.length, second.overbooked.length].sort()).toEqual([0, 1]);
    const closed = await waitFor(
      async () => [channels.ota.store.inventory.get(`1004|${NIGHT}`)?.available, channels.direct.store.inventory.get(`fam|${NIGHT}`)?.available],
      (v) => v.every((a) => a === 0),
      10_000,
      25,
    );
    const elapsed = Date.now() - started;
    expect(closed).toEqual([0, 0]);
    expect(elapsed).toBeLessThan(2000);
    expect(await t.db('incidents').where({ kind: 'overbooking', status: 'open' })).toHaveLength(1);
    expect(await t.db('reservations').whereIn('external_ref', ['A-1', 'G-1']).where({ status: 'confirmed' })).toHaveLength(2);
  });
});
