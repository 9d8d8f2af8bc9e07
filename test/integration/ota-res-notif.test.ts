import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { checkSoldInvariant } from '../../db/invariants-repo';
import { readHotelResNotifRS } from '../../mappers/opentravel/hotel-res-notif';
import { FIXTURES_DIR, canalHouse } from '../helpers/fixtures';
import { keyFor, seedProperty, testApp } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const xml = (name: string) => readFileSync(path.join(FIXTURES_DIR, 'xml', name), 'utf8');

/** An OTA pushes reservations to POST /ota/v1 (OTA_HotelResNotifRQ) and gets OTA_HotelResNotifRS. */
describe('OTA_HotelResNotifRQ on /ota/v1', () => {
  let t: TestDatabase;
  let app: Express;
  let key: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    const doc = canalHouse();
    await seedProperty(t.db, {
      ...doc,
      roomTypes: [...(doc.roomTypes ?? []), { code: 'TWN', name: 'Twin', rooms: 6, maxOccupancy: 2 }],
      ratePlans: [{ code: 'BAR', name: 'Best available', roomTypes: ['DBL', 'TWN'] }, { code: 'NRF', derivedFrom: 'BAR', adjust: { percent: -10 } }],
      channels: (doc.channels ?? []).map((c) => ({ ...c, roomTypes: { DBL: '1001', TWN: '1002' } })),
    });
    app = testApp(t.db);
    key = await keyFor(t.db, 'AMS01', 'channel');
  });
  afterAll(() => t.drop());

  const post = (body: string) => request(app).post('/ota/v1').set('Authorization', `Bearer ${key}`).set('content-type', 'text/xml').send(body);
  const dbl = async (date: string) => (await t.db('inventory_cells').where({ stay_date: date }).first<{ sold: number }>('sold'))?.sold ?? 0;

  it('takes a new booking, acknowledges it with the Tidewater id, and is idempotent', async () => {
    const res = await post(xml('ota-hotel-res-notif-rq-new.xml'));
    expect(res.status).toBe(200);
    const rs = readHotelResNotifRS(res.text);
    expect(rs.status).toBe('success');
    expect(rs.reservations[0]).toMatchObject({ channelReservationId: 'OTAX-4711-0001', hotelReservationIds: [{ type: '14', source: 'Tidewater' }] });
    expect(await dbl('2027-06-01')).toBe(1);
    const again = readHotelResNotifRS((await post(xml('ota-hotel-res-notif-rq-new.xml'))).text);
    expect(again.status).toBe('success');
    expect(await dbl('2027-06-01')).toBe(1);
    const booking = await t.db('reservations').where({ source: 'otax', external_ref: 'OTAX-4711-0001' }).first();
    expect(booking).toMatchObject({ status: 'confirmed' });
    // The guest counts the OTA sent are kept with the stay, for the PMS and the front desk.
    expect(booking.stays).toEqual([expect.objectContaining({ roomType: 'DBL', adults: 2, children: 1 })]);
  });

  it('applies a modification and a cancellation of the same booking', async () => {
    expect(readHotelResNotifRS((await post(xml('ota-hotel-res-notif-rq-modify.xml'))).text).status).not.toBe('errors');
    expect(readHotelResNotifRS((await post(xml('ota-hotel-res-notif-rq-cancel.xml'))).text).status).not.toBe('errors');
    const booking = await t.db('reservations').where({ source: 'otax', external_ref: 'OTAX-4711-0001' }).first();
    expect(booking).toMatchObject({ status: 'cancelled', revision: '2027-04-10T08:02:40.000Z' });
    expect(await dbl('2027-06-01')).toBe(0);
    expect(await checkSoldInvariant(t.db)).toEqual([]);
  });

  it('refuses a booking for an unknown room code with an error naming it, and writes nothing', async () => {
    const before = await t.db('reservations').count<{ c: number }[]>({ c: '*' });
    const res = await post(xml('ota-hotel-res-notif-rq-new.xml').replace(/RoomTypeCode="1001"/g, 'RoomTypeCode="9999"').replace('OTAX-4711-0001', 'OTAX-9999'));
    const rs = readHotelResNotifRS(res.text);
    expect(rs.status).toBe('errors');
    expect(JSON.stringify(rs.errors)).toContain('9999');
    expect(await t.db('reservations').count<{ c: number }[]>({ c: '*' })).toEqual(before);
  });
});
