import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { silentLogger } from '../../config/logger';
import { createPmsChannel, type SamplePms } from '../../fixtures/channels/pms-channel';
import { listen } from '../../fixtures/channels/sample-channel';
import { startDistribution, type Distribution } from '../../queues/distributor';
import { applyAriBatch } from '../../services/ari-service';
import { ingestChannelBooking } from '../../services/booking-service';
import { waitFor } from '../helpers/convergence';
import { keyFor, seedProperty, testApp } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Bookings reach the PMS through the pms connector; its answer is the acknowledgement the in-flight rule uses. */
describe('delivery of bookings to the PMS', () => {
  let t: TestDatabase;
  let pms: SamplePms;
  let close: () => Promise<void>;
  let distribution: Distribution;

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 10 });
    pms = createPmsChannel({ token: 'pms-token' });
    const served = await listen(pms.app);
    close = served.close;
    await seedProperty(t.db, {
      code: 'PMSD',
      name: 'PMS Delivery Hotel',
      timezone: 'Europe/Vienna',
      currency: 'EUR',
      roomTypes: [{ code: 'DBL', rooms: 10 }],
      ratePlans: [{ code: 'BAR' }],
      channels: [
        { code: 'pms', type: 'pms', endpoint: served.url, credentials: { token: 'pms-token' }, roomTypes: { DBL: 'DZ' }, ratePlans: { BAR: 'STD' }, settings: { timeoutMs: 1000, attempts: 2 } },
        { code: 'otax', type: 'ota-xml', roomTypes: { DBL: '1001' }, ratePlans: { BAR: '5001' } },
      ],
    });
    await applyAriBatch(t.db, 'PMSD', { updates: [{ roomType: 'DBL', ratePlan: 'BAR', from: '2027-10-01', to: '2027-10-31', rate: '99.00' }] });
    distribution = startDistribution({ db: t.db, logger: silentLogger, redisUrl: REDIS_URL, queuePrefix: `tw-pms-${randomUUID()}`, listenUrl: t.url, pollMs: 200, sweepMs: 500 });
  });
  afterAll(async () => {
    await distribution.stop();
    await close();
    await t.drop();
  });

  it('delivers OTA and direct bookings in the PMS codes, records the acknowledgement, and survives PMS outages', async () => {
    pms.faults = { ...pms.faults, errorRate: 0.5 };
    const ota = await ingestChannelBooking({ db: t.db, logger: silentLogger }, 'PMSD', {
      channelCode: 'otax',
      channelBookingId: 'OTA-1',
      revision: '1',
      status: 'new',
      roomStays: [{ roomType: 'DBL', ratePlan: 'BAR', checkIn: '2027-10-05', checkOut: '2027-10-07', rooms: 1 }],
      total: { amount: '198.00', currency: 'EUR' },
      guest: { firstName: 'Alan', lastName: 'Turing' },
    });
    const app = testApp(t.db);
    const key = await keyFor(t.db, 'PMSD', 'channel');
    const direct = await request(app)
      .post('/v1/properties/PMSD/bookings')
      .set('Authorization', `Bearer ${key}`)
      .set('Idempotency-Key', 'd-1')
      .send({
        roomStays: [{ roomType: 'DBL', ratePlan: 'BAR', checkIn: '2027-10-10', checkOut: '2027-10-11', rooms: 1, adults: 2 }],
        guest: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' },
        payment: { provider: 'sandbox', token: 'approve' },
      });
    expect(direct.status).toBe(201);

    const acked = await waitFor(
      () => t.db('reservations').whereIn('id', [ota.bookingId, direct.body.id as string]).whereNotNull('pms_acked_at').select('id', 'pms_reference'),
      (rows) => rows.length === 2,
      30_000,
      100,
    );
    expect(acked).toHaveLength(2);
    pms.faults = { ...pms.faults, errorRate: 0 };
    const delivered = pms.reservations.get(ota.bookingId);
    expect(delivered).toMatchObject({ source: 'otax', sourceReference: 'OTA-1', status: 'confirmed', roomStays: [{ roomType: 'DZ', ratePlan: 'STD', checkIn: '2027-10-05', checkOut: '2027-10-07', rooms: 1 }], total: { amount: '198.00', currency: 'EUR' } });
    expect(pms.reservations.get(direct.body.id as string)).toMatchObject({ source: 'direct', guest: { email: 'ada@example.org' } });

    // A cancellation travels the same way.
    await ingestChannelBooking({ db: t.db, logger: silentLogger }, 'PMSD', { channelCode: 'otax', channelBookingId: 'OTA-1', revision: '2', status: 'cancelled', roomStays: [] });
    const cancelled = await waitFor(async () => pms.reservations.get(ota.bookingId)?.status, (s) => s === 'cancelled', 30_000, 100);
    expect(cancelled).toBe('cancelled');
  });
});
