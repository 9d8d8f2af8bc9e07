/**
 * `POST /ota/v1` with OTA_ReadRQ and OTA_NotifReportRQ: the hotel's PMS pulls the bookings Tidewater
 * took (a direct one through the JSON API, one an OTA pushed as OTA_HotelResNotifRQ) and confirms
 * them, the OpenTravel way. The PMS names the hotel by its pms channel's hotelCode (CH-PMS), so it
 * is served that channel's codes (DZ/TW, RACK); named by Tidewater's code it gets Tidewater's.
 * Every RS must validate against the OpenTravel 2015B XSDs, and no guest data may reach the log.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../api/app';
import type { PropertyDocument } from '../../core/property-document';
import { encodeMultipart } from '../../mappers/alpinebits/handshake';
import { readResRetrieveRS, type ResRetrieveRSMessage } from '../../mappers/opentravel/res-retrieve-rs';
import { readOtaResponse, type OtaResponse } from '../../mappers/opentravel/response';
import { opentravelValidator, readFixture } from '../../mappers/opentravel/testing';
import { applyAriBatch } from '../../services/ari-service';
import { canalHouse } from '../helpers/fixtures';
import { keyFor, ledgerFingerprint, seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const NS = 'http://www.opentravel.org/OTA/2003/05';
const OTA_ID = 'OTAX-4711-0001';

function property(): PropertyDocument {
  const doc = canalHouse();
  return {
    ...doc,
    roomTypes: [...(doc.roomTypes ?? []), { code: 'TWN', name: 'Twin', rooms: 6, maxOccupancy: 2 }],
    ratePlans: [{ code: 'BAR', name: 'Best available', roomTypes: ['DBL', 'TWN'] }, { code: 'NRF', derivedFrom: 'BAR', adjust: { percent: -10 } }],
    channels: [
      ...(doc.channels ?? []).map((c) => ({ ...c, roomTypes: { DBL: '1001', TWN: '1002' } })),
      { code: 'pms', type: 'pms', endpoint: 'http://127.0.0.1:4999/pms', hotelCode: 'CH-PMS', roomTypes: { DBL: 'DZ', TWN: 'TW' }, ratePlans: { BAR: 'RACK' } },
    ],
  };
}

interface ReadOptions {
  hotel?: string | null;
  criteria?: string;
  root?: string;
}

function readRQ({ hotel = 'CH-PMS', criteria = '', root = '' }: ReadOptions = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<OTA_ReadRQ xmlns="${NS}" EchoToken="read-1" Version="5.002"${root}><ReadRequests><HotelReadRequest${hotel !== null ? ` HotelCode="${hotel}"` : ''}>${criteria}</HotelReadRequest></ReadRequests></OTA_ReadRQ>`;
}

interface Ack {
  id: string;
  type?: '14' | '15';
  pmsId?: string;
}

function notifReport(acks: Ack[], refused: Array<{ id: string; text: string }> = [], { errors = false } = {}): string {
  const head = errors
    ? '<Errors><Error Type="12" Code="450">the PMS database is down</Error></Errors>'
    : `<Success/>${refused.length > 0 ? `<Warnings>${refused.map((r) => `<Warning Type="3" Code="450" RecordID="${r.id}">${r.text}</Warning>`).join('')}</Warnings>` : ''}`;
  const list = acks
    .map(
      (a) =>
        `<HotelReservation><UniqueID Type="${a.type ?? '14'}" ID="${a.id}"/>${a.pmsId ? `<ResGlobalInfo><HotelReservationIDs><HotelReservationID ResID_Type="10" ResID_Value="${a.pmsId}" ResID_Source="PMS"/></HotelReservationIDs><BasicPropertyInfo HotelCode="CH-PMS"/></ResGlobalInfo>` : ''}</HotelReservation>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<OTA_NotifReportRQ xmlns="${NS}" EchoToken="ack-1" Version="4.000">${head}${list && !errors ? `<NotifDetails><HotelNotifReport><HotelReservations>${list}</HotelReservations></HotelNotifReport></NotifDetails>` : ''}</OTA_NotifReportRQ>`;
}

describe('POST /ota/v1: the PMS pulls reservations (OTA_ReadRQ) and confirms them (OTA_NotifReportRQ)', () => {
  let t: TestDatabase;
  let app: Express;
  let pmsKey: string;
  let adminKey: string;
  let channelKey: string;
  let otherHotelKey: string;
  let directId: string;
  let otaBookingId: string;
  let logged = '';
  /** Every RS the endpoint emitted, validated against the 2015B XSDs at the end. */
  const emitted: Array<{ fileName: string; xml: string }> = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logged += chunk.toString();
        done();
      },
    });
    app = createApp({ db: t.db, logger: pino({ level: 'debug' }, sink) });
    await seedProperty(t.db, property());
    await seedProperty(t.db, canalHouse({ code: 'RTM01', name: 'Harbour Rotterdam', channels: [] }));
    await applyAriBatch(t.db, 'AMS01', { updates: [{ roomType: 'DBL', ratePlan: 'BAR', from: '2027-06-01', to: '2027-06-30', rate: '129.00' }] });
    pmsKey = await keyFor(t.db, 'AMS01', 'pms');
    adminKey = await keyFor(t.db, 'AMS01', 'admin');
    channelKey = await keyFor(t.db, 'AMS01', 'channel');
    otherHotelKey = await keyFor(t.db, 'RTM01', 'pms');
  });
  afterAll(() => t.drop());

  const basic = (key: string) => `Basic ${Buffer.from(`pms:${key}`).toString('base64')}`;
  const uniqueId = (bookingId: string) => bookingId.replace(/-/g, '');

  async function post(xml: string, authorization: string | null = basic(pmsKey)): Promise<request.Response> {
    let req = request(app).post('/ota/v1').set('Content-Type', 'text/xml');
    if (authorization !== null) req = req.set('Authorization', authorization);
    const res = await req.send(xml);
    expect(res.status).toBe(200);
    emitted.push({ fileName: `rs-${emitted.length}.xml`, xml: res.text });
    return res;
  }
  const lastEmitted = () => emitted[emitted.length - 1]?.xml as string;

  async function pull(xml = readRQ(), authorization?: string): Promise<ResRetrieveRSMessage> {
    const res = await post(xml, authorization);
    expect(res.text).toContain('<OTA_ResRetrieveRS');
    return readResRetrieveRS(res.text);
  }

  async function acknowledge(xml: string, authorization?: string): Promise<OtaResponse> {
    const rs = readOtaResponse((await post(xml, authorization)).text);
    expect(rs.root).toBe('OTA_NotifReportRS');
    return rs;
  }

  const ids = (rs: ResRetrieveRSMessage) => rs.reservations.map((r) => r.channelReservationId).sort();
  const pullState = () => t.db('alpinebits_guest_requests').orderBy(['api_key_id', 'reservation_id']).select();

  it('serves nothing before any booking: Success with an empty ReservationsList', async () => {
    const rs = await pull();
    expect(rs).toMatchObject({ status: 'success', reservations: [], errors: [], more: false });
    expect(lastEmitted()).toMatch(/<Success\/>\s*<ReservationsList\/>/);
  });

  it('serves a direct booking and an OTA-pushed one as Book, in the PMS channel codes, with guests, ids and totals', async () => {
    const direct = await request(app)
      .post('/v1/properties/AMS01/bookings')
      .set('Authorization', `Bearer ${channelKey}`)
      .set('Idempotency-Key', 'direct-1')
      .send({
        roomStays: [{ roomType: 'DBL', ratePlan: 'BAR', checkIn: '2027-06-10', checkOut: '2027-06-12', rooms: 2, adults: 2 }],
        guest: { firstName: 'Mary', lastName: 'Somerville', email: 'mary@example.org', phone: '+44 20 7946 0001' },
        payment: { provider: 'sandbox', token: 'approve' },
      });
    expect(direct.status).toBe(201);
    expect(direct.body.total).toBe('516.00');
    directId = direct.body.id as string;
    const pushed = await request(app).post('/ota/v1').set('Authorization', basic(channelKey)).set('Content-Type', 'text/xml').send(readFixture('ota-hotel-res-notif-rq-new.xml'));
    expect(readOtaResponse(pushed.text).status).toBe('success');
    otaBookingId = (await t.db('reservations').where({ source: 'otax', external_ref: OTA_ID }).first<{ id: string }>('id')).id;

    const rs = await pull();
    expect(rs).toMatchObject({ status: 'success', header: { echoToken: 'read-1' }, more: false });
    expect(ids(rs)).toEqual([uniqueId(directId), uniqueId(otaBookingId)].sort());
    const xml = lastEmitted();
    expect(xml.match(/ResStatus="Book"/g)).toHaveLength(2);
    const byId = new Map(rs.reservations.map((r) => [r.channelReservationId, r]));

    // Two rooms of two adults each: four guests over the stay, as OpenTravel counts them.
    const own = byId.get(uniqueId(directId));
    expect(own).toMatchObject({
      status: 'new',
      hotelCode: 'CH-PMS',
      roomStays: [{ roomType: 'DZ', ratePlan: 'RACK', checkIn: '2027-06-10', checkOut: '2027-06-12', rooms: 2, adults: 4, children: 0 }],
      total: { amount: '516.00', currency: 'EUR', taxIncluded: true },
      guest: { firstName: 'Mary', lastName: 'Somerville', email: 'mary@example.org', phone: '+44 20 7946 0001' },
      references: [{ type: '14', value: directId, source: 'Tidewater', context: 'direct' }],
    });
    // The OTA's booking: its double is the PMS's DZ, the child kept (without the age the OTA sent).
    const ota = byId.get(uniqueId(otaBookingId));
    expect(ota).toMatchObject({
      status: 'new',
      roomStays: [{ roomType: 'DZ', ratePlan: 'RACK', checkIn: '2027-06-01', checkOut: '2027-06-03', rooms: 1, adults: 2, children: 1 }],
      total: { amount: '258.00', currency: 'EUR' },
      guest: { firstName: 'Ada', lastName: 'Lovelace' },
      references: [
        { type: '14', value: otaBookingId, source: 'Tidewater', context: 'otax' },
        { type: '13', value: OTA_ID, source: 'otax' },
      ],
    });
    expect(xml).toContain('<Total AmountAfterTax="258.00" CurrencyCode="EUR"/>');
    expect(xml).toContain('<BasicPropertyInfo HotelCode="CH-PMS"/>');
  });

  it('serves them again while unacknowledged: over Bearer, to an admin key, in Tidewater codes when named by AMS01', async () => {
    const again = await pull(readRQ({ hotel: 'AMS01' }), `Bearer ${pmsKey}`);
    expect(ids(again)).toEqual([uniqueId(directId), uniqueId(otaBookingId)].sort());
    expect(again.reservations.flatMap((r) => r.roomStays.map((s) => [s.roomType, s.ratePlan]))).toEqual([
      ['DBL', 'BAR'],
      ['DBL', 'BAR'],
    ]);
    // Without HotelCode the key's own hotel, with a Warning saying so.
    const unnamed = await pull(readRQ({ hotel: null }), `Bearer ${adminKey}`);
    expect(unnamed.status).toBe('warnings');
    expect(ids(unnamed)).toHaveLength(2);
    expect(unnamed.notices).toEqual([expect.objectContaining({ type: '11', text: expect.stringContaining('names no HotelCode') })]);
  });

  it('pages with MaxResponses, MoreIndicator and MoreDataEchoToken', async () => {
    const first = await pull(readRQ({ root: ' MaxResponses="1"' }));
    expect(first.reservations).toHaveLength(1);
    expect(first.more).toBe(true);
    expect(first.moreDataEchoToken).toMatch(/^p1\./);
    const second = await pull(readRQ({ root: ` MaxResponses="1" MoreDataEchoToken="${first.moreDataEchoToken ?? ''}"` }));
    expect(second.reservations).toHaveLength(1);
    expect(second.more).toBe(false);
    expect([...ids(first), ...ids(second)].sort()).toEqual([uniqueId(directId), uniqueId(otaBookingId)].sort());
  });

  it('takes the NotifReportRQ: nothing is served again, the bookings count as in the PMS, the PMS id is kept', async () => {
    const rs = await acknowledge(notifReport([{ id: uniqueId(directId), pmsId: 'PMS-77120' }, { id: uniqueId(otaBookingId) }]));
    expect(rs).toMatchObject({ status: 'success', echoToken: 'ack-1', errors: [], warnings: [] });
    const empty = await pull();
    expect(empty).toMatchObject({ status: 'success', reservations: [], more: false });
    const rows = await t.db('reservations').whereIn('id', [directId, otaBookingId]).orderBy('source').select<Array<{ source: string; pms_acked_at: Date | null; pms_reference: string | null }>>('source', 'pms_acked_at', 'pms_reference');
    expect(rows.every((r) => r.pms_acked_at !== null)).toBe(true);
    expect(rows.map((r) => [r.source, r.pms_reference])).toEqual([
      ['direct', 'PMS-77120'],
      ['otax', null],
    ]);
    const events = await t.db('booking_events').whereIn('reservation_id', [directId, otaBookingId]).where({ kind: 'pms-acknowledged' }).select('detail');
    expect(events).toHaveLength(2);
    expect(events.every((e: { detail: { via: string } }) => e.detail.via === 'opentravel')).toBe(true);
  });

  it('changes nothing on a repeated identical NotifReportRQ', async () => {
    const before = {
      events: await t.db('booking_events').count<{ c: string }[]>({ c: '*' }),
      state: await pullState(),
      bookings: await t.db('reservations').orderBy('id').select('id', 'updated_at', 'pms_acked_at', 'pms_reference'),
    };
    const rs = await acknowledge(notifReport([{ id: uniqueId(directId), pmsId: 'PMS-77120' }, { id: uniqueId(otaBookingId) }]));
    expect(rs.status).toBe('success');
    expect(await t.db('booking_events').count<{ c: string }[]>({ c: '*' })).toEqual(before.events);
    expect(await pullState()).toEqual(before.state);
    expect(await t.db('reservations').orderBy('id').select('id', 'updated_at', 'pms_acked_at', 'pms_reference')).toEqual(before.bookings);
  });

  it('holds the acknowledgement for the same key pulling through AlpineBits', async () => {
    const form = encodeMultipart({ action: 'OTA_Read:GuestRequests', request: readRQ().replace(' EchoToken="read-1" Version="5.002"', ' Version="1.001"') });
    const res = await request(app)
      .post('/alpinebits')
      .set('Content-Type', form.contentType)
      .set('X-AlpineBits-ClientProtocolVersion', '2024-10')
      .set('Authorization', basic(pmsKey))
      .send(form.body);
    expect(res.status).toBe(200);
    expect(readResRetrieveRS(res.text, { standard: 'alpinebits' }).reservations).toEqual([]);
  });

  it('serves a change as Modify, and a cancellation as Cancel (UniqueID Type 15, no guest data) once', async () => {
    const push = (name: string) => request(app).post('/ota/v1').set('Authorization', basic(channelKey)).set('Content-Type', 'text/xml').send(readFixture(name));
    expect(readOtaResponse((await push('ota-hotel-res-notif-rq-modify.xml')).text).status).toBe('success');
    const modified = await pull();
    expect(modified.reservations).toEqual([expect.objectContaining({ channelReservationId: uniqueId(otaBookingId), status: 'modified', roomStays: [expect.objectContaining({ roomType: 'TW', checkOut: '2027-06-04' })] })]);
    expect(lastEmitted()).toMatch(/LastModifyDateTime="[^"]+" ResStatus="Modify"/);
    await acknowledge(notifReport([{ id: uniqueId(otaBookingId) }]));

    expect(readOtaResponse((await push('ota-hotel-res-notif-rq-cancel.xml')).text).status).not.toBe('errors');
    const cancelled = await pull();
    expect(cancelled.reservations).toEqual([expect.objectContaining({ channelReservationId: uniqueId(otaBookingId), status: 'cancelled', roomStays: [] })]);
    const xml = lastEmitted();
    expect(xml).toMatch(/ResStatus="Cancel"/);
    expect(xml).toContain(`<UniqueID Type="15" ID="${uniqueId(otaBookingId)}"/>`);
    expect(xml).not.toMatch(/Lovelace|example\.org/);
    // Served until acknowledged, then never again.
    expect(ids(await pull())).toEqual([uniqueId(otaBookingId)]);
    expect((await acknowledge(notifReport([{ id: uniqueId(otaBookingId), type: '15' }]))).status).toBe('success');
    expect((await pull()).reservations).toEqual([]);
  });

  it('re-reads with SelectionType All, narrowed by ArrivalDate or CreateDate', async () => {
    const all = await pull(readRQ({ criteria: '<SelectionCriteria SelectionType="All"/>' }));
    expect(Object.fromEntries(all.reservations.map((r) => [r.channelReservationId, r.status]))).toEqual({ [uniqueId(directId)]: 'new', [uniqueId(otaBookingId)]: 'cancelled' });
    const june10 = await pull(readRQ({ criteria: '<SelectionCriteria SelectionType="All" DateType="ArrivalDate" Start="2027-06-05" End="2027-06-10"/>' }));
    expect(ids(june10)).toEqual([uniqueId(directId)]);
    const future = await pull(readRQ({ criteria: '<SelectionCriteria SelectionType="All" DateType="CreateDate" Start="2099-01-01"/>' }));
    expect(future.reservations).toEqual([]);
    const delivered = await pull(readRQ({ criteria: '<SelectionCriteria SelectionType="PreviouslyDelivered" DateType="ArrivalDate" End="2027-06-05"/>' }));
    expect(ids(delivered)).toEqual([uniqueId(otaBookingId)]);
    // A re-read leaves nothing waiting that was not waiting before.
    expect((await pull()).reservations).toEqual([]);
  });

  it('concludes a refused reservation without counting it as in the PMS, and names ids it never sent', async () => {
    const booked = await request(app)
      .post('/v1/properties/AMS01/bookings')
      .set('Authorization', `Bearer ${channelKey}`)
      .set('Idempotency-Key', 'direct-2')
      .send({ roomStays: [{ roomType: 'DBL', ratePlan: 'BAR', checkIn: '2027-06-20', checkOut: '2027-06-21', rooms: 1, adults: 1 }], guest: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.org' }, payment: { provider: 'sandbox', token: 'approve' } });
    expect(booked.status).toBe(201);
    const id = booked.body.id as string;
    expect(ids(await pull())).toEqual([uniqueId(id)]);
    const rs = await acknowledge(notifReport([{ id: 'ffffffffffffffffffffffffffffffff' }, { id: 'not-ours' }], [{ id: uniqueId(id), text: 'room type closed in the PMS' }]));
    expect(rs.status).toBe('warnings');
    expect(rs.warnings.map((w) => w.recordId).sort()).toEqual(['ffffffffffffffffffffffffffffffff', 'not-ours']);
    expect(rs.warnings.find((w) => w.recordId === 'ffffffffffffffffffffffffffffffff')?.text).toContain('never sent to these credentials');
    expect((await pull()).reservations).toEqual([]);
    expect(await t.db('reservations').where({ id }).first('pms_acked_at')).toEqual({ pms_acked_at: null });
    expect(await t.db('booking_events').where({ reservation_id: id, kind: 'pms-refused' }).first('detail')).toEqual({
      detail: expect.objectContaining({ via: 'opentravel', reason: '450: room type closed in the PMS' }),
    });
  });

  it('concludes nothing from a NotifReportRQ with Errors: the page is served again', async () => {
    const booked = await request(app)
      .post('/v1/properties/AMS01/bookings')
      .set('Authorization', `Bearer ${channelKey}`)
      .set('Idempotency-Key', 'direct-3')
      .send({ roomStays: [{ roomType: 'DBL', ratePlan: 'BAR', checkIn: '2027-06-22', checkOut: '2027-06-23', rooms: 1, adults: 1 }], guest: { firstName: 'Emmy', lastName: 'Noether', email: 'emmy@example.org' }, payment: { provider: 'sandbox', token: 'approve' } });
    const id = booked.body.id as string;
    expect(ids(await pull())).toEqual([uniqueId(id)]);
    const state = await pullState();
    const rs = await acknowledge(notifReport([{ id: uniqueId(id) }], [], { errors: true }));
    expect(rs.status).toBe('warnings');
    expect(await pullState()).toEqual(state);
    expect(ids(await pull())).toEqual([uniqueId(id)]);
    expect((await acknowledge(notifReport([{ id: uniqueId(id) }]))).status).toBe('success');
  });

  describe('refused: an RS with Errors at HTTP 200, nothing written', () => {
    it.each([
      ['no credentials', () => post(readRQ(), null), 'OTA_ResRetrieveRS', { type: '4', code: '497' }],
      ['a channel key', () => post(readRQ(), basic(channelKey)), 'OTA_ResRetrieveRS', { type: '6', code: '497', text: expect.stringContaining('role channel') }],
      ['a channel key acknowledging', () => post(notifReport([{ id: 'ffffffffffffffffffffffffffffffff' }]), basic(channelKey)), 'OTA_NotifReportRS', { type: '6', code: '497' }],
      ['another hotel (its code)', () => post(readRQ({ hotel: 'RTM01' })), 'OTA_ResRetrieveRS', { type: '3', code: '392', text: expect.stringContaining('HotelCode RTM01') }],
      ['another hotel (its key asking for ours)', () => post(readRQ(), basic(otherHotelKey)), 'OTA_ResRetrieveRS', { type: '3', code: '392', text: expect.stringContaining('HotelCode CH-PMS') }],
      ['an unknown hotel', () => post(readRQ({ hotel: 'NOPE' })), 'OTA_ResRetrieveRS', { type: '3', code: '392', text: expect.stringContaining('HotelCode NOPE') }],
      ['malformed XML', () => post(readRQ().slice(0, -30)), 'OTA_ResRetrieveRS', { type: '12', code: '450' }],
      ['no HotelReadRequest', () => post(`<OTA_ReadRQ xmlns="${NS}" Version="5.002"><UniqueID Type="14" ID="x"/></OTA_ReadRQ>`), 'OTA_ResRetrieveRS', { type: '10', code: '321' }],
      ['a malformed Start', () => post(readRQ({ criteria: '<SelectionCriteria Start="yesterday"/>' })), 'OTA_ResRetrieveRS', { type: '3', code: '15' }],
      ['an impossible date', () => post(readRQ({ criteria: '<SelectionCriteria Start="2027-02-30"/>' })), 'OTA_ResRetrieveRS', { type: '3', code: '15' }],
      ['an unsupported DateType', () => post(readRQ({ criteria: '<SelectionCriteria DateType="CancelDeadlineDate" Start="2027-01-01"/>' })), 'OTA_ResRetrieveRS', { code: '320', text: expect.stringContaining('CancelDeadlineDate') }],
      ['two SelectionTypes', () => post(readRQ({ criteria: '<SelectionCriteria SelectionType="All"/><SelectionCriteria SelectionType="Undelivered"/>' })), 'OTA_ResRetrieveRS', { type: '3', code: '320' }],
      ['a MoreDataEchoToken not ours', () => post(readRQ({ root: ' MoreDataEchoToken="page-2"' })), 'OTA_ResRetrieveRS', { type: '3', code: '320', text: expect.stringContaining('page-2') }],
      ['a malformed NotifReportRQ', () => post(`<OTA_NotifReportRQ xmlns="${NS}" Version="4.000"><NotifDetails/></OTA_NotifReportRQ>`), 'OTA_NotifReportRS', { type: '10', code: '321' }],
    ])('%s', async (_name, send, root, error) => {
      const before = { ledger: await ledgerFingerprint(t.db), state: await pullState(), events: await t.db('booking_events').count<{ c: string }[]>({ c: '*' }) };
      const rs = readOtaResponse((await send()).text);
      expect(rs.root).toBe(root);
      expect(rs.status).toBe('errors');
      expect(rs.errors[0]).toMatchObject(error);
      expect(await ledgerFingerprint(t.db)).toEqual(before.ledger);
      expect(await pullState()).toEqual(before.state);
      expect(await t.db('booking_events').count<{ c: string }[]>({ c: '*' })).toEqual(before.events);
    });
  });

  it('logs no guest data', () => {
    expect(logged).toContain('OpenTravel reservations served');
    expect(logged).toContain('OpenTravel reservations acknowledged');
    expect(logged).not.toMatch(/Lovelace|Somerville|Hopper|Noether|example\.org|7946|555 0101/);
  });

  it('emits only RS documents that validate against the OpenTravel 2015B schemas', async () => {
    expect(emitted.length).toBeGreaterThan(30);
    const report = await opentravelValidator().validate(emitted);
    expect(report.filter((r) => !r.valid)).toEqual([]);
  });
});
