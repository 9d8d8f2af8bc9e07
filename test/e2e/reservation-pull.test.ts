import { silentLogger } from '../../config/logger';
import type { ChannelReservation } from '../../core/reservation-message';
import { checkSoldInvariant } from '../../db/invariants-repo';
import { createOtaXmlChannel, type SampleOta } from '../../fixtures/channels/ota-xml-channel';
import { listen } from '../../fixtures/channels/sample-channel';
import { pollChannelReservations } from '../../queues/reservation-poller';
import { requireProperty } from '../../services/property-service';
import { seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

function reservation(id: string, day: number, status: ChannelReservation['status'] = 'new', revision = '2027-01-01T10:00:00.000Z'): ChannelReservation {
  const checkIn = `2027-07-${String(day).padStart(2, '0')}`;
  const checkOut = `2027-07-${String(day + 2).padStart(2, '0')}`;
  return {
    channelReservationId: id,
    status,
    revision,
    revisionSource: 'LastModifyDateTime',
    hotelCode: '998877',
    roomStays: status === 'cancelled' ? [] : [{ roomType: '1001', ratePlan: '5001', checkIn, checkOut, rooms: 1, adults: 2, children: 0 }],
    guest: { firstName: 'Katherine', lastName: 'Johnson', email: 'kj@example.org' },
    total: { amount: '258.00', currency: 'EUR', taxIncluded: true },
  };
}

/** Issue 5, acceptance 4: the worker dies after reading a page and before OTA_NotifReportRQ. */
describe('pulling reservations from an OTA (OTA_ReadRQ → ResRetrieveRS → NotifReportRQ)', () => {
  let t: TestDatabase;
  let ota: SampleOta;
  let close: () => Promise<void>;

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 5 });
    ota = createOtaXmlChannel({ hotelCode: '998877', username: 'u', password: 'p' });
    const served = await listen(ota.app);
    close = served.close;
    await seedProperty(t.db, {
      code: 'PULL',
      name: 'Pull Hotel',
      timezone: 'Europe/Amsterdam',
      currency: 'EUR',
      roomTypes: [{ code: 'DBL', rooms: 10 }],
      ratePlans: [{ code: 'BAR' }],
      channels: [
        {
          code: 'otax',
          type: 'ota-xml',
          endpoint: `${served.url}/ota`,
          hotelCode: '998877',
          credentials: { username: 'u', password: 'p' },
          roomTypes: { DBL: '1001' },
          ratePlans: { BAR: '5001' },
          settings: { pullReservations: true, pageSize: 2, timeoutMs: 2000 },
        },
      ],
    });
    ota.reservations.push(...['A', 'B', 'C', 'D', 'E'].map((id, i) => ({ reservation: reservation(id, 1 + i * 3), delivered: false, timesSent: 0 })));
  });
  afterAll(async () => {
    await close();
    await t.drop();
  });

  it('a page read but never confirmed is read again on the next poll, and nothing is duplicated', async () => {
    const stored = await requireProperty(t.db, 'PULL');
    const channel = stored.property.channels[0] as (typeof stored.property.channels)[number];
    const crash = new Error('worker killed before OTA_NotifReportRQ');
    await expect(
      pollChannelReservations({ db: t.db, logger: silentLogger, beforeConfirm: () => Promise.reject(crash) }, stored, channel),
    ).rejects.toBe(crash);
    expect(await t.db('reservations').where({ source: 'otax' }).count<{ count: number }[]>({ count: '*' })).toEqual([{ count: 2 }]);
    expect(ota.reservations.filter((r) => r.delivered)).toHaveLength(0);

    const result = await pollChannelReservations({ db: t.db, logger: silentLogger }, stored, channel);
    expect(result).toEqual({ channel: 'otax', pages: 3, taken: 5, refused: 0 });
    expect(ota.reservations.every((r) => r.delivered)).toBe(true);
    expect(ota.reservations.slice(0, 2).map((r) => r.timesSent)).toEqual([2, 2]);
    expect(await t.db('reservations').where({ source: 'otax' }).count<{ count: number }[]>({ count: '*' })).toEqual([{ count: 5 }]);
    const soldOnFirstNight = await t.db('inventory_cells').where({ stay_date: '2027-07-01' }).first<{ sold: number }>('sold');
    expect(soldOnFirstNight?.sold).toBe(1);
    expect(await checkSoldInvariant(t.db)).toEqual([]);

    // A later cancellation arrives through the same loop.
    ota.reservations.push({ reservation: reservation('A', 1, 'cancelled', '2027-01-05T10:00:00.000Z'), delivered: false, timesSent: 0 });
    const again = await pollChannelReservations({ db: t.db, logger: silentLogger }, stored, channel);
    expect(again.taken).toBe(1);
    expect((await t.db('inventory_cells').where({ stay_date: '2027-07-01' }).first<{ sold: number }>('sold'))?.sold).toBe(0);
    expect(await checkSoldInvariant(t.db)).toEqual([]);
  });
});
