/**
 * `POST /alpinebits` with OTA_HotelResNotif:GuestRequests: reservations pushed by an AlpineBits
 * client. The official push example (dates moved 4 years later in
 * fixtures/xml/alpinebits-guest-requests-push-rq-2027.xml) books the Frangart Inn's big suite for
 * 11 nights; the official status update (…-status-update-rq-2027.xml, its cancellation pointed at
 * that booking) releases it. Every RS the endpoint emits must validate against the AlpineBits XSD.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import type { PropertyDocument } from '../../core/property-document';
import { checkSoldInvariant } from '../../db/invariants-repo';
import { encodeMultipart, readAlpineBitsAnswer, readPingResponse } from '../../mappers/alpinebits/handshake';
import { alpineBitsSchemaErrors } from '../../mappers/alpinebits/testing';
import { readHotelResNotifRS, type HotelResNotifRSMessage } from '../../mappers/opentravel/hotel-res-notif';
import { FIXTURES } from '../../mappers/opentravel/testing';
import { keyFor, ledgerFingerprint, seedProperty, testApp } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const GUEST_REQUESTS = 'OTA_HotelResNotif:GuestRequests';
const BOOKING_ID = '6b34fe24ac2ff810';
const PUSH = readFileSync(path.join(FIXTURES, 'alpinebits-guest-requests-push-rq-2027.xml'), 'utf8');
const STATUS_UPDATE = readFileSync(path.join(FIXTURES, 'alpinebits-guest-requests-push-status-update-rq-2027.xml'), 'utf8');

/**
 * The examples' hotel: HotelCode 123 is the hotelCode of its PMS channel; the booking portal is its
 * only alpinebits channel (no hotelCode of its own), mapping bigsuite → STE and 123456-xyz → BAR.
 */
const FRANGART: PropertyDocument = {
  code: 'FRG01',
  name: 'Frangart Inn',
  timezone: 'Europe/Rome',
  currency: 'EUR',
  roomTypes: [
    { code: 'STE', name: 'Big suite', rooms: 3, maxOccupancy: 4 },
    { code: 'DBL', name: 'Double', rooms: 10, maxOccupancy: 2 },
  ],
  ratePlans: [{ code: 'BAR', name: 'Best available', roomTypes: ['STE', 'DBL'] }],
  channels: [
    { code: 'pms', type: 'pms', endpoint: 'http://127.0.0.1:4999/pms', hotelCode: '123', roomTypes: { STE: 'SUITE', DBL: 'DOUBLE' } },
    { code: 'portal', type: 'alpinebits', endpoint: 'http://127.0.0.1:4998/alpinebits', roomTypes: { STE: 'bigsuite', DBL: 'double' }, ratePlans: { BAR: '123456-xyz' } },
  ],
};

/** The push example with another reservation id (and optionally other changes), for the cases below. */
function variant(id: string, edit: (xml: string) => string = (x) => x): string {
  return edit(PUSH.replace(`ID="${BOOKING_ID}"`, `ID="${id}"`));
}

describe('POST /alpinebits OTA_HotelResNotif:GuestRequests (reservations pushed to Tidewater)', () => {
  let t: TestDatabase;
  let app: Express;
  let channelKey: string;
  let pmsKey: string;
  const emitted: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDatabase();
    app = testApp(t.db);
    await seedProperty(t.db, FRANGART);
    channelKey = await keyFor(t.db, 'FRG01', 'channel');
    pmsKey = await keyFor(t.db, 'FRG01', 'pms');
  });
  afterAll(() => t.drop());

  const basic = (k: string) => `Basic ${Buffer.from(`portal:${k}`).toString('base64')}`;

  async function post(action: string, xml: string, key = channelKey): Promise<request.Response> {
    const form = encodeMultipart({ action, request: xml });
    return request(app)
      .post('/alpinebits')
      .set('Content-Type', form.contentType)
      .set('X-AlpineBits-ClientProtocolVersion', '2024-10')
      .set('X-AlpineBits-ClientID', 'portal/1.0')
      .set('Authorization', basic(key))
      .send(form.body);
  }

  /** A push that must be answered 200 with an OTA_HotelResNotifRS, kept for the schema check. */
  async function push(xml: string, key = channelKey): Promise<HotelResNotifRSMessage> {
    const res = await post(GUEST_REQUESTS, xml, key);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/xml; charset=utf-8/);
    emitted[`rs-${Object.keys(emitted).length}.xml`] = res.text;
    return readHotelResNotifRS(res.text);
  }

  const soldSte = async (date: string): Promise<number> =>
    (
      await t.db('inventory_cells as c')
        .join('room_types as rt', 'rt.id', 'c.room_type_id')
        .where({ 'rt.code': 'STE', 'c.stay_date': date })
        .first<{ sold: number } | undefined>('c.sold')
    )?.sold ?? 0;
  const booking = (id: string) => t.db('reservations').where({ source: 'portal', external_ref: id }).first<Record<string, unknown> | undefined>();

  it('announces GuestRequests push (without accept_RoomRates: daily rates are not kept) and pull in the handshake', async () => {
    const echo = JSON.stringify({
      versions: [{ version: '2024-10', actions: [{ action: 'action_OTA_HotelResNotif_GuestRequests', supports: ['OTA_HotelResNotif_GuestRequests_accept_RoomRates'] }, { action: 'action_OTA_Read' }] }],
    });
    const res = await post('OTA_Ping:Handshaking', `<?xml version="1.0"?><OTA_PingRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="8.000"><EchoData>${echo}</EchoData></OTA_PingRQ>`);
    expect(res.status).toBe(200);
    emitted['ping-rs.xml'] = res.text;
    expect(readPingResponse(res.text).handshake).toEqual({ versions: [{ version: '2024-10', actions: [{ action: 'action_OTA_HotelResNotif_GuestRequests' }, { action: 'action_OTA_Read' }] }] });
  });

  it('books the official push example: 11 nights of one big suite, acknowledged by its UniqueID', async () => {
    const rs = await push(PUSH);
    expect(rs).toMatchObject({ status: 'success', warnings: [], errors: [] });
    expect(rs.reservations).toEqual([{ channelReservationId: BOOKING_ID }]);

    // TimeSpan 2027-01-01 … 2027-01-12: End is the departure, so the 1st to the 11th are sold.
    expect(await soldSte('2026-12-31')).toBe(0);
    for (let day = 1; day <= 11; day++) expect(await soldSte(`2027-01-${String(day).padStart(2, '0')}`)).toBe(1);
    expect(await soldSte('2027-01-12')).toBe(0);
    const nights = await t.db('reservation_nights').count<{ c: string }[]>({ c: '*' }).sum<{ rooms: string }[]>({ rooms: 'rooms' });
    expect(nights[0]).toEqual({ c: 11, rooms: 11 });

    const row = await booking(BOOKING_ID);
    expect(row).toMatchObject({ status: 'confirmed', currency: 'EUR', revision: '2026-03-21T14:00:00.000Z' });
    expect(Number(row?.total_amount)).toBe(299);
    expect(row?.stays).toEqual([{ roomType: 'STE', ratePlan: 'BAR', checkIn: '2027-01-01', checkOut: '2027-01-12', rooms: 1, adults: 2, children: 2 }]);
    // The guest is kept where personal data lives, and nowhere in the answer.
    expect(await t.db('guests').where({ reservation_id: row?.id }).first()).toMatchObject({ last_name: 'Mustermann', email: 'otto.mustermann@example.com' });
    expect(emitted[`rs-${Object.keys(emitted).length - 1}.xml`]).not.toMatch(/Mustermann|example\.com|4444/);
    expect(await checkSoldInvariant(t.db)).toEqual([]);
  });

  it('changes nothing when the same push comes again, and acknowledges it again', async () => {
    const before = await ledgerFingerprint(t.db);
    const events = await t.db('booking_events').count<{ c: string }[]>({ c: '*' });
    const rs = await push(PUSH);
    expect(rs.status).toBe('success');
    expect(rs.reservations).toEqual([{ channelReservationId: BOOKING_ID }]);
    expect(await ledgerFingerprint(t.db)).toEqual(before);
    expect(await soldSte('2027-01-05')).toBe(1);
    // The repeat is recorded as ignored, not applied a second time.
    expect(Number((await t.db('booking_events').count<{ c: string }[]>({ c: '*' }))[0]?.c)).toBe(Number(events[0]?.c) + 1);
    expect(await t.db('booking_events').orderBy('id', 'desc').first('kind')).toEqual({ kind: 'ignored-duplicate' });
  });

  it('acknowledges a quote request without booking anything', async () => {
    const before = await ledgerFingerprint(t.db);
    const rs = await push(variant('q-20270101-1', (x) => x.replace('ResStatus="Reserved"', 'ResStatus="Requested"')));
    expect(rs.status).toBe('success');
    expect(rs.reservations).toEqual([{ channelReservationId: 'q-20270101-1' }]);
    expect(await ledgerFingerprint(t.db)).toEqual(before);
    expect(await booking('q-20270101-1')).toBeUndefined();
  });

  it('accepts a pms key too, and a second booking on the same nights adds to sold', async () => {
    const rs = await push(variant('pms-relayed-1'), pmsKey);
    expect(rs.status).toBe('success');
    expect(await soldSte('2027-01-05')).toBe(2);
    expect(await booking('pms-relayed-1')).toMatchObject({ status: 'confirmed' });
  });

  it('refuses an unknown room category with Errors naming it, and writes nothing', async () => {
    const before = await ledgerFingerprint(t.db);
    const rs = await push(variant('unknown-category-1', (x) => x.replace('RoomTypeCode="bigsuite"', 'RoomTypeCode="penthouse"')));
    expect(rs.status).toBe('errors');
    expect(rs.errors).toHaveLength(1);
    expect(rs.errors[0]).toMatchObject({ type: '13', code: '402' });
    expect(rs.errors[0]?.text).toMatch(/reservation unknown-category-1: .*room type penthouse is neither mapped by channel portal nor a room type of FRG01/);
    expect(await ledgerFingerprint(t.db)).toEqual(before);
  });

  it('takes the good reservation of a mixed message and refuses the other by RecordID', async () => {
    const good = variant('mixed-good').match(/<HotelReservation [\s\S]*<\/HotelReservation>/)?.[0] as string;
    const bad = variant('mixed-bad', (x) => x.replace('RoomTypeCode="bigsuite"', 'RoomTypeCode="penthouse"')).match(/<HotelReservation [\s\S]*<\/HotelReservation>/)?.[0] as string;
    const rs = await push(PUSH.replace(/<HotelReservation [\s\S]*<\/HotelReservation>/, `${good}\n${bad}`));
    expect(rs.status).toBe('warnings');
    expect(rs.reservations).toEqual([{ channelReservationId: 'mixed-good' }]);
    expect(rs.warnings).toEqual([expect.objectContaining({ type: '3', code: '402', recordId: 'mixed-bad', text: expect.stringMatching(/penthouse/) })]);
    expect(await booking('mixed-good')).toMatchObject({ status: 'confirmed' });
    expect(await booking('mixed-bad')).toBeUndefined();
  });

  it("refuses another hotel's HotelCode like an unknown one", async () => {
    const before = await ledgerFingerprint(t.db);
    const rs = await push(variant('other-hotel-1', (x) => x.replace('HotelCode="123"', 'HotelCode="999"')));
    expect(rs.status).toBe('errors');
    expect(rs.errors[0]).toMatchObject({ type: '13', code: '392', text: expect.stringMatching(/HotelCode 999 is not the property of these credentials/) });
    expect(await ledgerFingerprint(t.db)).toEqual(before);
  });

  it('the official status update: the status-only reservation is acknowledged, the cancellation releases the suite', async () => {
    const soldBefore = await soldSte('2027-01-05');
    const rs = await push(STATUS_UPDATE);
    expect(rs.status).toBe('success');
    expect(rs.reservations).toHaveLength(2);
    expect(rs.reservations).toEqual(expect.arrayContaining([{ channelReservationId: '6b34fe24ac999999' }, { channelReservationId: BOOKING_ID, cancelled: true }]));
    expect(await booking(BOOKING_ID)).toMatchObject({ status: 'cancelled', revision: '2027-06-12T11:00:00.000Z' });
    // One suite fewer on each of the 11 nights; the other bookings of these tests still hold theirs.
    for (let day = 1; day <= 11; day++) expect(await soldSte(`2027-01-${String(day).padStart(2, '0')}`)).toBe(soldBefore - 1);
    expect(await booking('6b34fe24ac999999')).toBeUndefined();
    expect(await checkSoldInvariant(t.db)).toEqual([]);

    // The original push coming late (older revision) does not bring the booking back.
    const late = await push(PUSH);
    expect(late.status).toBe('success');
    expect(await booking(BOOKING_ID)).toMatchObject({ status: 'cancelled' });
    expect(await soldSte('2027-01-05')).toBe(soldBefore - 1);
  });

  it('answers ERROR: to a document that is not OTA_HotelResNotifRQ, and Errors to one without reservations', async () => {
    const wrongRoot = await post(GUEST_REQUESTS, '<OTA_PingRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="1"/>');
    expect(wrongRoot.status).toBe(400);
    expect(wrongRoot.text).toMatch(/^ERROR:the request must be an OTA_HotelResNotifRQ document for this action; got OTA_PingRQ/);
    const missing = await post(GUEST_REQUESTS, '<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="1.000"><HotelReservations/></OTA_HotelResNotifRQ>');
    expect(missing.status).toBe(200);
    emitted['empty-rs.xml'] = missing.text;
    expect(readAlpineBitsAnswer(missing.text)).toMatchObject({ kind: 'rs', response: { status: 'errors' } });
  });

  it('emits only RS documents that validate against the AlpineBits 2024-10 schema', async () => {
    expect(Object.keys(emitted).length).toBeGreaterThan(8);
    const errors = await alpineBitsSchemaErrors(emitted);
    expect(Object.fromEntries(Object.entries(errors).filter(([, list]) => list.length > 0))).toEqual({});
  });
});
