/**
 * `POST /alpinebits` with OTA_Read:GuestRequests and OTA_NotifReport:GuestRequests: the hotel's PMS
 * pulls the bookings Tidewater took (direct and from channels) and acknowledges them.
 *
 * The OTA booking is the official push example (2027 copy in fixtures/xml), taken from the booking
 * portal; the direct booking goes through the JSON API. The PMS speaks its own codes (HotelCode 123,
 * SUITE/DOUBLE), so every request it is served must carry those. Every RS must validate against the
 * AlpineBits 2024-10 XSD, and no guest data may reach the log.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../api/app';
import type { PropertyDocument } from '../../core/property-document';
import { encodeMultipart, readAlpineBitsAnswer } from '../../mappers/alpinebits/handshake';
import { alpineBitsSchemaErrors, example } from '../../mappers/alpinebits/testing';
import { readResRetrieveRS, type ResRetrieveRSMessage } from '../../mappers/opentravel/res-retrieve-rs';
import { FIXTURES } from '../../mappers/opentravel/testing';
import type { OtaResponse } from '../../mappers/opentravel/response';
import { applyAriBatch } from '../../services/ari-service';
import { keyFor, ledgerFingerprint, seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const NS = 'http://www.opentravel.org/OTA/2003/05';
const READ = 'OTA_Read:GuestRequests';
const ACK = 'OTA_NotifReport:GuestRequests';
const PUSH_ACTION = 'OTA_HotelResNotif:GuestRequests';
const OTA_ID = '6b34fe24ac2ff810';
const PUSH = readFileSync(path.join(FIXTURES, 'alpinebits-guest-requests-push-rq-2027.xml'), 'utf8');
const CANCELLATION = readFileSync(path.join(FIXTURES, 'alpinebits-guest-requests-push-status-update-rq-2027.xml'), 'utf8');

const PULL01: PropertyDocument = {
  code: 'PUL01',
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

const readRQ = (hotel = '123', start?: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<OTA_ReadRQ xmlns="${NS}" Version="1.001"><ReadRequests><HotelReadRequest HotelCode="${hotel}">${start ? `<SelectionCriteria Start="${start}"/>` : ''}</HotelReadRequest></ReadRequests></OTA_ReadRQ>`;

function notifReport(acks: Array<{ id: string; type?: '14' | '15' }>, refused: Array<{ id: string; code?: number; text?: string }> = []): string {
  const warnings = refused.map((r) => `<Warning Type="3" Code="${r.code ?? 450}" RecordID="${r.id}">${r.text ?? 'Unable to process reservation'}</Warning>`).join('');
  const list = acks.map((a) => `<HotelReservation><UniqueID Type="${a.type ?? '14'}" ID="${a.id}"/></HotelReservation>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<OTA_NotifReportRQ xmlns="${NS}" Version="1.000"><Success/>${warnings ? `<Warnings>${warnings}</Warnings>` : ''}${list ? `<NotifDetails><HotelNotifReport><HotelReservations>${list}</HotelReservations></HotelNotifReport></NotifDetails>` : ''}</OTA_NotifReportRQ>`;
}

describe('POST /alpinebits GuestRequests pulled by the PMS (OTA_Read / OTA_NotifReport)', () => {
  let t: TestDatabase;
  let app: Express;
  let pmsKey: string;
  let otherPmsKey: string;
  let channelKey: string;
  let directId: string;
  let otaBookingId: string;
  let logged = '';
  const emitted: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDatabase();
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logged += chunk.toString();
        done();
      },
    });
    app = createApp({ db: t.db, logger: pino({ level: 'debug' }, sink) });
    await seedProperty(t.db, PULL01);
    await applyAriBatch(t.db, 'PUL01', { updates: [{ roomType: 'DBL', ratePlan: 'BAR', from: '2027-06-01', to: '2027-06-30', rate: '129.00' }] });
    pmsKey = await keyFor(t.db, 'PUL01', 'pms');
    otherPmsKey = await keyFor(t.db, 'PUL01', 'pms');
    channelKey = await keyFor(t.db, 'PUL01', 'channel');
  });
  afterAll(() => t.drop());

  const basic = (k: string) => `Basic ${Buffer.from(`pms:${k}`).toString('base64')}`;

  async function post(action: string, xml: string, key = pmsKey): Promise<request.Response> {
    const form = encodeMultipart({ action, request: xml });
    return request(app)
      .post('/alpinebits')
      .set('Content-Type', form.contentType)
      .set('X-AlpineBits-ClientProtocolVersion', '2024-10')
      .set('X-AlpineBits-ClientID', 'hotel-pms/7.1')
      .set('Authorization', basic(key))
      .send(form.body);
  }

  /** A pull answered 200 with an OTA_ResRetrieveRS, kept for the schema check. */
  async function pull(xml = readRQ(), key = pmsKey): Promise<ResRetrieveRSMessage> {
    const res = await post(READ, xml, key);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/xml; charset=utf-8/);
    emitted[`pull-${Object.keys(emitted).length}.xml`] = res.text;
    return readResRetrieveRS(res.text, { standard: 'alpinebits' });
  }

  async function acknowledge(xml: string, key = pmsKey): Promise<OtaResponse> {
    const res = await post(ACK, xml, key);
    expect(res.status).toBe(200);
    emitted[`ack-${Object.keys(emitted).length}.xml`] = res.text;
    const answer = readAlpineBitsAnswer(res.text);
    if (answer.kind !== 'rs') throw new Error(`expected an RS, got ${res.text}`);
    expect(answer.response.root).toBe('OTA_NotifReportRS');
    return answer.response;
  }

  const requestId = (bookingId: string) => bookingId.replace(/-/g, '');
  const lastEmitted = () => Object.values(emitted)[Object.keys(emitted).length - 1] as string;

  it('serves nothing before any booking: an empty ReservationsList', async () => {
    const rs = await pull();
    expect(rs).toMatchObject({ status: 'success', reservations: [], errors: [] });
    expect(lastEmitted()).toMatch(/<ReservationsList\/>/);
  });

  it('serves a direct booking and an OTA booking as Reserved, in the PMS codes, with the guest', async () => {
    const direct = await request(app)
      .post('/v1/properties/PUL01/bookings')
      .set('Authorization', `Bearer ${channelKey}`)
      .set('Idempotency-Key', 'direct-1')
      .send({
        roomStays: [{ roomType: 'DBL', ratePlan: 'BAR', checkIn: '2027-06-01', checkOut: '2027-06-03', rooms: 2, adults: 1, children: 1 }],
        guest: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org', phone: '+44 20 7946 0000' },
        payment: { provider: 'sandbox', token: 'approve' },
      });
    expect(direct.status).toBe(201);
    expect(direct.body.total).toBe('516.00');
    directId = direct.body.id as string;
    expect((await post(PUSH_ACTION, PUSH, channelKey)).status).toBe(200);
    otaBookingId = (await t.db('reservations').where({ source: 'portal', external_ref: OTA_ID }).first<{ id: string }>('id')).id;

    const rs = await pull();
    expect(rs.status).toBe('success');
    const byId = new Map(rs.reservations.map((r) => [r.channelReservationId, r]));
    expect([...byId.keys()].sort()).toEqual([requestId(directId), requestId(otaBookingId)].sort());
    const xml = lastEmitted();
    expect(xml.match(/ResStatus="Reserved"/g)).toHaveLength(2);

    // Two rooms are two RoomStays, each with half the total; the child has no age, so it is a comment.
    const ownDirect = byId.get(requestId(directId));
    expect(ownDirect?.roomStays).toEqual([
      expect.objectContaining({ roomType: 'DOUBLE', ratePlan: 'BAR', checkIn: '2027-06-01', checkOut: '2027-06-03', rooms: 1, adults: 1, total: expect.objectContaining({ amount: '258.00', currency: 'EUR' }) }),
      expect.objectContaining({ roomType: 'DOUBLE', ratePlan: 'BAR', checkIn: '2027-06-01', checkOut: '2027-06-03', rooms: 1, adults: 1, total: expect.objectContaining({ amount: '258.00', currency: 'EUR' }) }),
    ]);
    expect(ownDirect?.guest).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org', phone: '+442079460000' });
    expect(xml).toContain('2 children without a known age');
    expect(xml).toContain('ResID_Source="direct"');

    // The OTA booking: the portal's bigsuite is the PMS's SUITE, its price and origin come along.
    const ota = byId.get(requestId(otaBookingId));
    expect(ota?.roomStays).toEqual([expect.objectContaining({ roomType: 'SUITE', ratePlan: 'BAR', checkIn: '2027-01-01', checkOut: '2027-01-12', total: expect.objectContaining({ amount: '299.00' }) })]);
    expect(ota?.guest).toMatchObject({ firstName: 'Otto', lastName: 'Mustermann' });
    expect(xml).toContain(`ResID_Value="${OTA_ID}" ResID_Source="portal"`);
    expect(xml).toContain('<BasicPropertyInfo HotelCode="123" HotelName="Frangart Inn"/>');
  });

  it('serves the same requests again while they are not acknowledged, to this key only', async () => {
    const again = await pull();
    expect(again.reservations.map((r) => r.channelReservationId).sort()).toEqual([requestId(directId), requestId(otaBookingId)].sort());
    // Another key of the same hotel is another client with its own acknowledgements.
    expect((await pull(readRQ(), otherPmsKey)).reservations).toHaveLength(2);
  });

  it('takes the acknowledgement: nothing is served again, and the bookings count as in the PMS', async () => {
    const rs = await acknowledge(notifReport([{ id: requestId(directId) }, { id: requestId(otaBookingId) }]));
    expect(rs).toMatchObject({ status: 'success', errors: [], warnings: [] });
    expect((await pull()).reservations).toEqual([]);
    const rows = await t.db('reservations').whereIn('id', [directId, otaBookingId]).select<Array<{ pms_acked_at: Date | null }>>('pms_acked_at');
    expect(rows.every((r) => r.pms_acked_at !== null)).toBe(true);
    const events = await t.db('booking_events').whereIn('reservation_id', [directId, otaBookingId]).where({ kind: 'pms-acknowledged' });
    expect(events).toHaveLength(2);
  });

  it('is idempotent: the same acknowledgement again writes nothing', async () => {
    const before = await t.db('booking_events').count<{ c: string }[]>({ c: '*' });
    const rs = await acknowledge(notifReport([{ id: requestId(directId) }, { id: requestId(otaBookingId) }]));
    expect(rs.status).toBe('success');
    expect(await t.db('booking_events').count<{ c: string }[]>({ c: '*' })).toEqual(before);
    expect((await pull()).reservations).toEqual([]);
  });

  it('serves a change made after the acknowledgement as Modify', async () => {
    const modified = PUSH.replace('CreateDateTime="2026-03-21T15:00:00+01:00" ResStatus="Reserved"', 'CreateDateTime="2026-03-21T15:00:00+01:00" LastModifyDateTime="2026-04-01T10:00:00+02:00" ResStatus="Modify"').replace('End="2027-01-12"', 'End="2027-01-10"');
    expect((await post(PUSH_ACTION, modified, channelKey)).status).toBe(200);
    const rs = await pull();
    expect(rs.reservations).toHaveLength(1);
    expect(rs.reservations[0]).toMatchObject({ channelReservationId: requestId(otaBookingId), status: 'modified', roomStays: [expect.objectContaining({ roomType: 'SUITE', checkOut: '2027-01-10' })] });
    expect(lastEmitted()).toMatch(/LastModifyDateTime="[^"]+" ResStatus="Modify"/);
    await acknowledge(notifReport([{ id: requestId(otaBookingId) }]));
    expect((await pull()).reservations).toEqual([]);
  });

  it('serves a change made between a pull and its acknowledgement again', async () => {
    const first = PUSH.replace('CreateDateTime="2026-03-21T15:00:00+01:00" ResStatus="Reserved"', 'CreateDateTime="2026-03-21T15:00:00+01:00" LastModifyDateTime="2026-04-02T10:00:00+02:00" ResStatus="Modify"').replace('End="2027-01-12"', 'End="2027-01-09"');
    await post(PUSH_ACTION, first, channelKey);
    expect((await pull()).reservations[0]?.roomStays[0]?.checkOut).toBe('2027-01-09');
    const second = first.replace('2026-04-02T10:00:00', '2026-04-03T10:00:00').replace('End="2027-01-09"', 'End="2027-01-08"');
    await post(PUSH_ACTION, second, channelKey);
    // The acknowledgement is for what was served (…-09): the change to …-08 is still waiting.
    await acknowledge(notifReport([{ id: requestId(otaBookingId) }]));
    const rs = await pull();
    expect(rs.reservations).toHaveLength(1);
    expect(rs.reservations[0]).toMatchObject({ status: 'modified', roomStays: [expect.objectContaining({ checkOut: '2027-01-08' })] });
    await acknowledge(notifReport([{ id: requestId(otaBookingId) }]));
    expect((await pull()).reservations).toEqual([]);
  });

  it('serves a later cancellation as Cancelled (UniqueID Type 15, no guest data), once', async () => {
    expect((await post(PUSH_ACTION, CANCELLATION, channelKey)).status).toBe(200);
    const rs = await pull();
    expect(rs.reservations).toEqual([expect.objectContaining({ channelReservationId: requestId(otaBookingId), status: 'cancelled', roomStays: [] })]);
    const xml = lastEmitted();
    expect(xml).toContain(`<UniqueID Type="15" ID="${requestId(otaBookingId)}"/>`);
    expect(xml).toMatch(/ResStatus="Cancelled"/);
    expect(xml).not.toMatch(/Mustermann/);
    const ack = await acknowledge(notifReport([{ id: requestId(otaBookingId), type: '15' }]));
    expect(ack.status).toBe('success');
    expect((await pull()).reservations).toEqual([]);
  });

  it('re-reads everything changed since SelectionCriteria Start, acknowledged or not', async () => {
    const rs = await pull(readRQ('123', '2020-01-01T00:00:00+01:00'));
    const statuses = Object.fromEntries(rs.reservations.map((r) => [r.channelReservationId, r.status]));
    expect(statuses).toEqual({ [requestId(directId)]: 'new', [requestId(otaBookingId)]: 'cancelled' });
    // Nothing was pending, so nothing is pending afterwards either.
    expect((await pull()).reservations).toEqual([]);
    expect((await pull(readRQ('123', '2099-01-01T00:00:00Z'))).reservations).toEqual([]);
  });

  it('concludes a refused request without counting it as in the PMS, and names ids it never sent', async () => {
    const refusedBooking = await request(app)
      .post('/v1/properties/PUL01/bookings')
      .set('Authorization', `Bearer ${channelKey}`)
      .set('Idempotency-Key', 'direct-2')
      .send({ roomStays: [{ roomType: 'DBL', ratePlan: 'BAR', checkIn: '2027-06-10', checkOut: '2027-06-11', rooms: 1, adults: 1 }], guest: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.org' }, payment: { provider: 'sandbox', token: 'approve' } });
    expect(refusedBooking.status).toBe(201);
    const id = refusedBooking.body.id as string;
    expect((await pull()).reservations.map((r) => r.channelReservationId)).toEqual([requestId(id)]);
    const rs = await acknowledge(notifReport([{ id: 'ffffffffffffffffffffffffffffffff' }, { id: 'not-ours' }], [{ id: requestId(id), text: 'room category closed in the PMS' }]));
    expect(rs.status).toBe('warnings');
    expect(rs.warnings.map((w) => w.recordId).sort()).toEqual(['ffffffffffffffffffffffffffffffff', 'not-ours']);
    expect((await pull()).reservations).toEqual([]);
    expect(await t.db('reservations').where({ id }).first('pms_acked_at')).toEqual({ pms_acked_at: null });
    expect(await t.db('booking_events').where({ reservation_id: id, kind: 'pms-refused' }).first('detail')).toEqual({ detail: expect.objectContaining({ reason: '450: room category closed in the PMS' }) });
  });

  it('reads the official ReadRQ and NotifReportRQ examples (HotelCode 123)', async () => {
    expect((await pull(example('GuestRequests-OTA_ReadRQ.xml'))).status).toBe('success');
    expect((await pull(example('GuestRequests-OTA_ReadRQ-selection-criteria.xml'))).status).toBe('success');
    // The example acknowledges ids this key never got: a Warning per id, nothing written.
    const rs = await acknowledge(example('GuestRequests-Acknowledgments-OTA_NotifReportRQ-warning.xml'));
    expect(rs.status).toBe('warnings');
  });

  describe('bad input: ERROR: or an RS with Errors, nothing written', () => {
    it.each([
      ['another hotel', () => post(READ, readRQ('999')), 200, /<Error Type="13" Code="392">[^<]*HotelCode 999/],
      ['the wrong document', () => post(READ, notifReport([])), 400, /^ERROR:the request must be an OTA_ReadRQ document/],
      ['the wrong document for the acknowledgement', () => post(ACK, readRQ()), 400, /^ERROR:the request must be an OTA_NotifReportRQ document/],
      ['a channel key', () => post(READ, readRQ(), channelKey), 401, /^ERROR:authentication failed: role channel/],
      ['a malformed Start', () => post(READ, readRQ('123', 'yesterday')), 200, /<Errors>/],
    ])('%s', async (_name, send, status, text) => {
      const before = await ledgerFingerprint(t.db);
      const rows = await t.db('alpinebits_guest_requests').select();
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.text).toMatch(text);
      if (status === 200) emitted[`bad-${Object.keys(emitted).length}.xml`] = res.text;
      expect(await ledgerFingerprint(t.db)).toEqual(before);
      expect(await t.db('alpinebits_guest_requests').select()).toEqual(rows);
    });
  });

  it('logs no guest data', () => {
    expect(logged).toContain('AlpineBits GuestRequests served');
    expect(logged).not.toMatch(/Lovelace|Mustermann|Hopper|example\.org|example\.com|7946/);
  });

  it('emits only RS documents that validate against the AlpineBits 2024-10 schema', async () => {
    expect(Object.keys(emitted).length).toBeGreaterThan(15);
    const errors = await alpineBitsSchemaErrors(emitted);
    expect(Object.fromEntries(Object.entries(errors).filter(([, list]) => list.length > 0))).toEqual({});
  });
});
