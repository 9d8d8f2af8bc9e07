/**
 * `POST /alpinebits`: Tidewater as an AlpineBits HotelData 2024-10 server for PMS pushes.
 *
 * The official FreeRooms examples (years moved to 2027 in fixtures/xml/alpinebits-*) go to FRA01,
 * hand-written JSON batches with the same meaning to its twin FRA02, and the GET …/ari views must
 * be equal cell by cell. Every refusal leaves the ledger and outbox as they were.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import type { AriUpdate } from '../../core/ari';
import type { PropertyDocument } from '../../core/property-document';
import { encodeMultipart, parseHandshakeJson, readAlpineBitsAnswer, readPingResponse } from '../../mappers/alpinebits/handshake';
import { alpineBitsSchemaErrors, example } from '../../mappers/alpinebits/testing';
import { FIXTURES } from '../../mappers/opentravel/testing';
import type { OtaResponse } from '../../mappers/opentravel/response';
import { childElement, parseXml } from '../../mappers/xml/parse';
import { keyFor, ledgerFingerprint, seedProperty, testApp } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const NS = 'http://www.opentravel.org/OTA/2003/05';
const FREE_ROOMS = 'OTA_HotelInvCountNotif:FreeRooms';
const HANDSHAKE = 'OTA_Ping:Handshaking';

type Batch = { updates: Array<Partial<AriUpdate> & { roomType: string; from: string; to: string }> };

/** The official examples' hotel: HotelCode 123 is the hotelCode of FRA01's PMS channel, DOUBLE its code for DBL. */
function frangart(code: string): PropertyDocument {
  return {
    code,
    name: 'Frangart Inn',
    timezone: 'Europe/Rome',
    currency: 'EUR',
    roomTypes: [
      { code: 'DBL', name: 'Double', rooms: 10, maxOccupancy: 2 },
      { code: 'TWN', name: 'Twin', rooms: 5, maxOccupancy: 2 },
    ],
    ratePlans: [{ code: 'BAR', name: 'Best available', roomTypes: ['DBL', 'TWN'] }],
    channels: [
      { code: 'pms', type: 'pms', endpoint: 'http://127.0.0.1:4999/pms', hotelCode: code === 'FRA01' ? '123' : `123-${code}`, roomTypes: { DBL: 'DOUBLE', TWN: 'TWIN' } },
    ],
  };
}

/** fixtures/xml/alpinebits-free-rooms-rq-2027.xml by hand: a CompleteSet over 08-01…08-30; TWN, not named, is 0 there. */
const COMPLETE_SET: Batch = {
  updates: [
    { roomType: 'DBL', from: '2027-08-01', to: '2027-08-10', available: 3 },
    { roomType: 'DBL', from: '2027-08-11', to: '2027-08-20', available: 0 },
    { roomType: 'DBL', from: '2027-08-21', to: '2027-08-30', available: 1 },
    { roomType: 'TWN', from: '2027-08-01', to: '2027-08-30', available: 0 },
  ],
};
/** …-delta-2027.xml: only the nights named change; an Inventory without InvCounts is 0. */
const DELTA: Batch = {
  updates: [
    { roomType: 'DBL', from: '2027-08-11', to: '2027-08-20', available: 1 },
    { roomType: 'DBL', from: '2027-08-21', to: '2027-08-30', available: 0 },
  ],
};
/** …-closing-seasons-2027.xml: the CompleteSet plus the hotel closed 08-31…09-30, so the set covers 08-01…09-30. */
const CLOSING_SEASONS: Batch = {
  updates: [
    { roomType: 'DBL', from: '2027-08-01', to: '2027-08-10', available: 3 },
    { roomType: 'DBL', from: '2027-08-11', to: '2027-08-20', available: 0 },
    { roomType: 'DBL', from: '2027-08-21', to: '2027-08-30', available: 1 },
    { roomType: 'DBL', from: '2027-08-31', to: '2027-09-30', available: 0 },
    { roomType: 'TWN', from: '2027-08-01', to: '2027-09-30', available: 0 },
  ],
};

function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

/** A FreeRooms request with the given Inventory elements. */
function freeRooms(inventories: string, { hotel = '123', completeSet = false } = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<OTA_HotelInvCountNotifRQ xmlns="${NS}" Version="4">${completeSet ? '<UniqueID Type="16" ID="1" Instance="CompleteSet"/>' : ''}
  <Inventories HotelCode="${hotel}">${inventories}</Inventories>
</OTA_HotelInvCountNotifRQ>`;
}
const inventory = (sac: string, count?: number) =>
  `<Inventory><StatusApplicationControl ${sac}/>${count === undefined ? '' : `<InvCounts><InvCount CountType="2" Count="${count}"/></InvCounts>`}</Inventory>`;

/** A 2024-10 client that speaks every action and capability, plus an older version. */
const CLIENT_HANDSHAKE = {
  versions: [
    {
      version: '2024-10',
      actions: [
        { action: 'action_OTA_Ping' },
        { action: 'action_OTA_HotelInvCountNotif', supports: ['OTA_HotelInvCountNotif_accept_rooms', 'OTA_HotelInvCountNotif_accept_categories', 'OTA_HotelInvCountNotif_accept_deltas', 'OTA_HotelInvCountNotif_accept_complete_set', 'OTA_HotelInvCountNotif_accept_closing_seasons', 'OTA_HotelInvCountNotif_accept_out_of_market'] },
        { action: 'action_OTA_HotelRatePlanNotif_RatePlans', supports: ['OTA_HotelRatePlanNotif_accept_overlay'] },
        { action: 'action_OTA_Read' },
        { action: 'action_OTA_HotelResNotif_GuestRequests' },
      ],
    },
    { version: '2022-10', actions: [{ action: 'action_OTA_Ping' }, { action: 'action_OTA_HotelInvCountNotif' }] },
  ],
};
const pingRequest = (echo: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<OTA_PingRQ xmlns="${NS}" Version="8.000"><EchoData>${echo}</EchoData></OTA_PingRQ>`;

describe('POST /alpinebits (AlpineBits HotelData 2024-10 server)', () => {
  let t: TestDatabase;
  let app: Express;
  const keys = new Map<string, string>();
  let channelKey: string;
  /** Every RS the endpoint emitted, validated against the AlpineBits XSD at the end. */
  const emitted: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDatabase();
    app = testApp(t.db);
    for (const code of ['FRA01', 'FRA02']) {
      await seedProperty(t.db, frangart(code));
      keys.set(code, await keyFor(t.db, code, 'pms'));
    }
    channelKey = await keyFor(t.db, 'FRA01', 'channel');
  });
  afterAll(() => t.drop());

  const key = () => keys.get('FRA01') as string;
  const basic = (k: string) => `Basic ${Buffer.from(`frangart-pms:${k}`).toString('base64')}`;

  interface Send {
    action?: string;
    xml?: string;
    fields?: Record<string, string>;
    authorization?: string | null;
    version?: string | null;
    body?: { bytes: Buffer | string; contentType: string };
    headers?: Record<string, string>;
  }

  async function post(send: Send): Promise<request.Response> {
    const fields = send.fields ?? { ...(send.action !== undefined ? { action: send.action } : {}), ...(send.xml !== undefined ? { request: send.xml } : {}) };
    const body = send.body ?? (() => {
      const form = encodeMultipart(fields);
      return { bytes: form.body, contentType: form.contentType };
    })();
    let req = request(app).post('/alpinebits').set('Content-Type', body.contentType).set('X-AlpineBits-ClientID', 'test-pms/1.0');
    const version = send.version === undefined ? '2024-10' : send.version;
    if (version !== null) req = req.set('X-AlpineBits-ClientProtocolVersion', version);
    const authorization = send.authorization === undefined ? basic(key()) : send.authorization;
    if (authorization !== null) req = req.set('Authorization', authorization);
    for (const [name, value] of Object.entries(send.headers ?? {})) req = req.set(name, value);
    return req.send(body.bytes);
  }

  /** A FreeRooms push that must be answered 200 with an OTA_HotelInvCountNotifRS. */
  async function push(xml: string, authorization?: string): Promise<OtaResponse> {
    const res = await post({ action: FREE_ROOMS, xml, ...(authorization ? { authorization } : {}) });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/xml; charset=utf-8/);
    emitted[`rs-${Object.keys(emitted).length}.xml`] = res.text;
    const answer = readAlpineBitsAnswer(res.text);
    if (answer.kind !== 'rs') throw new Error(`expected an RS, got ${res.text}`);
    expect(answer.response.root).toBe('OTA_HotelInvCountNotifRS');
    return answer.response;
  }

  async function postJson(propertyCode: string, batch: Batch): Promise<void> {
    const res = await request(app).post(`/v1/properties/${propertyCode}/ari`).set('Authorization', `Bearer ${keys.get(propertyCode) ?? ''}`).send(batch);
    expect(res.status).toBe(200);
  }

  async function view(propertyCode: string, from = '2027-07-30', to = '2027-10-01'): Promise<unknown> {
    const res = await request(app).get(`/v1/properties/${propertyCode}/ari?from=${from}&to=${to}`).set('Authorization', `Bearer ${keys.get(propertyCode) ?? ''}`);
    expect(res.status).toBe(200);
    // Property code and versions differ between the twins by construction.
    return JSON.parse(JSON.stringify(res.body, (k, v: unknown) => (k === 'version' || k === 'property' ? undefined : v)));
  }

  describe('handshake (OTA_Ping:Handshaking)', () => {
    it('answers the intersection for 2024-10: FreeRooms and RatePlans with the shared capabilities, GuestRequests push and pull, no OTA_Ping', async () => {
      const echo = JSON.stringify(CLIENT_HANDSHAKE);
      const res = await post({ action: HANDSHAKE, xml: pingRequest(echo) });
      expect(res.status).toBe(200);
      emitted['ping-rs.xml'] = res.text;
      const ping = readPingResponse(res.text);
      expect(ping.status).toBe('warnings');
      expect(ping.handshake).toEqual({
        versions: [
          {
            version: '2024-10',
            actions: [
              {
                action: 'action_OTA_HotelInvCountNotif',
                supports: ['OTA_HotelInvCountNotif_accept_categories', 'OTA_HotelInvCountNotif_accept_deltas', 'OTA_HotelInvCountNotif_accept_complete_set', 'OTA_HotelInvCountNotif_accept_closing_seasons'],
              },
              { action: 'action_OTA_HotelRatePlanNotif_RatePlans', supports: ['OTA_HotelRatePlanNotif_accept_overlay'] },
              { action: 'action_OTA_HotelResNotif_GuestRequests' },
              { action: 'action_OTA_Read' },
            ],
          },
        ],
      });
      // The client's EchoData comes back exactly as sent.
      expect(childElement(parseXml(res.text), 'EchoData')?.text).toBe(echo);
    });

    it('answers the official example (a 2018-10 client) with an empty intersection, whatever the header says', async () => {
      const xml = example('Handshake-OTA_PingRQ.xml');
      const res = await post({ action: HANDSHAKE, xml, version: '2018-10' });
      expect(res.status).toBe(200);
      emitted['ping-rs-2018.xml'] = res.text;
      expect(readPingResponse(res.text).handshake).toEqual({ versions: [] });
    });

    it('keeps a shared version even when no other action is shared', async () => {
      const res = await post({ action: HANDSHAKE, xml: pingRequest('{"versions":[{"version":"2024-10"}]}') });
      expect(parseHandshakeJson(JSON.stringify(readPingResponse(res.text).handshake))).toEqual({ versions: [{ version: '2024-10', actions: [] }] });
    });

    it('refuses handshake data that is not the handshake JSON with ERROR:', async () => {
      const res = await post({ action: HANDSHAKE, xml: pingRequest('[1]') });
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/^ERROR:.*handshake data/);
    });
  });

  describe('pre-2018 handshake (getVersion / getCapabilities), answered OK: in plain text', () => {
    const CAPABILITIES = [
      'action_getVersion',
      'action_getCapabilities',
      'action_OTA_Ping',
      'action_OTA_HotelInvCountNotif',
      'OTA_HotelInvCountNotif_accept_categories',
      'OTA_HotelInvCountNotif_accept_deltas',
      'OTA_HotelInvCountNotif_accept_complete_set',
      'OTA_HotelInvCountNotif_accept_closing_seasons',
      'action_OTA_HotelRatePlanNotif_RatePlans',
      'OTA_HotelRatePlanNotif_accept_overlay',
      'OTA_HotelRatePlanNotif_accept_RatePlan_BookingRule',
      'OTA_HotelRatePlanNotif_accept_RatePlan_RoomType_BookingRule',
      'OTA_HotelRatePlanNotif_accept_RatePlan_mixed_BookingRule',
      'OTA_HotelRatePlanNotif_accept_ArrivalDOW',
      'OTA_HotelRatePlanNotif_accept_DepartureDOW',
      'action_OTA_HotelDescriptiveContentNotif_Inventory',
      'action_OTA_HotelResNotif_GuestRequests',
      'action_OTA_Read',
    ];

    it.each([
      ['a 2017-10 client', { fields: { action: 'getVersion' }, version: '2017-10' }],
      ['a client without the version header (older than 2013-04)', { fields: { action: 'getVersion' }, version: null }],
      ['a form-urlencoded body with a request field, which is ignored', { body: { bytes: 'action=getVersion&request=', contentType: 'application/x-www-form-urlencoded' }, version: '2015-07' }],
      ['the handshake spelling action_getVersion', { fields: { action: 'action_getVersion' }, version: '2017-10' }],
    ] as Array<[string, Send]>)('getVersion from %s → OK:2024-10', async (_name, send) => {
      const res = await post(send);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; charset=utf-8/);
      expect(res.text).toBe('OK:2024-10');
      expect(readAlpineBitsAnswer(res.text)).toEqual({ kind: 'ok', text: '2024-10' });
    });

    it('getCapabilities lists the legacy actions, then every announced action with its capabilities', async () => {
      const res = await post({ fields: { action: 'getCapabilities' }, version: '2017-10' });
      expect(res.status).toBe(200);
      expect(res.text).toBe(`OK:${CAPABILITIES.join(',')}`);
      // A channel key may ask too: it is how any client finds what it may send.
      expect((await post({ fields: { action: 'getCapabilities' }, version: '2017-10', authorization: basic(channelKey) })).text).toBe(`OK:${CAPABILITIES.join(',')}`);
    });

    it('still wants credentials', async () => {
      const res = await post({ fields: { action: 'getVersion' }, version: '2017-10', authorization: null });
      expect(res.status).toBe(401);
      expect(res.text).toMatch(/^ERROR:authentication failed/);
    });

    it('understands handshake action names as the action field (action_OTA_HotelInvCountNotif is FreeRooms)', async () => {
      const rs = await post({ action: 'action_OTA_HotelInvCountNotif', xml: freeRooms(inventory('Start="2027-10-10" End="2027-10-10" InvTypeCode="DOUBLE"', 1)) });
      expect(rs.status).toBe(200);
      emitted['alias-rs.xml'] = rs.text;
      expect(readAlpineBitsAnswer(rs.text)).toMatchObject({ kind: 'rs', response: { root: 'OTA_HotelInvCountNotifRS', status: 'success' } });
    });
  });

  describe('FreeRooms: the official examples change the ledger as the equivalent JSON batches do', () => {
    it.each([
      ['CompleteSet', 'alpinebits-free-rooms-rq-2027.xml', COMPLETE_SET],
      ['delta after it', 'alpinebits-free-rooms-rq-delta-2027.xml', DELTA],
      ['CompleteSet with a closing season', 'alpinebits-free-rooms-rq-closing-seasons-2027.xml', CLOSING_SEASONS],
      ['delta again', 'alpinebits-free-rooms-rq-delta-2027.xml', DELTA],
      // The same CompleteSet as the first step, after other messages: applied again, not skipped.
      ['the first CompleteSet again', 'alpinebits-free-rooms-rq-2027.xml', COMPLETE_SET],
    ])('%s', async (_name, file, batch) => {
      const rs = await push(fixture(file));
      expect(rs.errors).toEqual([]);
      expect(rs.status).toBe('success');
      await postJson('FRA02', batch);
      expect(await view('FRA01')).toEqual(await view('FRA02'));
    });

    it('really changed the ledger (the comparison above is not vacuous)', async () => {
      const res = await request(app).get('/v1/properties/FRA01/ari?from=2027-08-01&to=2027-08-01').set('Authorization', `Bearer ${key()}`);
      expect(res.body.days[0].roomTypes).toEqual([expect.objectContaining({ roomType: 'DBL', available: 3 }), expect.objectContaining({ roomType: 'TWN', available: 0 })]);
      const sep = await request(app).get('/v1/properties/FRA01/ari?from=2027-09-15&to=2027-09-15').set('Authorization', `Bearer ${key()}`);
      // Closed by the closing season, then not covered by the last CompleteSet (08-01…08-30): still closed.
      expect(sep.body.days[0].roomTypes).toEqual([expect.objectContaining({ roomType: 'DBL', available: 0 }), expect.objectContaining({ roomType: 'TWN', available: 0 })]);
    });

    it('changes nothing when the identical message comes again', async () => {
      const before = await ledgerFingerprint(t.db);
      const rs = await push(fixture('alpinebits-free-rooms-rq-2027.xml'));
      expect(rs.status).toBe('success');
      expect(await ledgerFingerprint(t.db)).toEqual(before);
    });

    it('accepts the property code as HotelCode with Tidewater room codes, and application/x-www-form-urlencoded', async () => {
      const xml = freeRooms(inventory('Start="2027-10-01" End="2027-10-02" InvTypeCode="TWN"', 4), { hotel: 'FRA01' });
      const res = await post({ body: { bytes: new URLSearchParams({ action: FREE_ROOMS, request: xml }).toString(), contentType: 'application/x-www-form-urlencoded' } });
      expect(res.status).toBe(200);
      expect(readAlpineBitsAnswer(res.text)).toMatchObject({ kind: 'rs', response: { status: 'success' } });
      const day = await request(app).get('/v1/properties/FRA01/ari?from=2027-10-02&to=2027-10-02').set('Authorization', `Bearer ${key()}`);
      expect(day.body.days[0].roomTypes[1]).toMatchObject({ roomType: 'TWN', available: 4 });
    });

    it('takes the request as a file part, as the README curl example sends it', async () => {
      const xml = freeRooms(inventory('Start="2027-10-05" End="2027-10-05" InvTypeCode="DOUBLE"', 6));
      const res = await request(app)
        .post('/alpinebits')
        .set('Authorization', basic(key()))
        .set('X-AlpineBits-ClientProtocolVersion', '2024-10')
        .field('action', FREE_ROOMS)
        .attach('request', Buffer.from(xml), { filename: 'free-rooms.xml', contentType: 'application/xml' });
      expect(res.status).toBe(200);
      expect(readAlpineBitsAnswer(res.text)).toMatchObject({ kind: 'rs', response: { status: 'success' } });
      const res2 = await request(app).get('/v1/properties/FRA01/ari?from=2027-10-05&to=2027-10-05').set('Authorization', `Bearer ${key()}`);
      expect(res2.body.days[0].roomTypes[0]).toMatchObject({ roomType: 'DBL', available: 6 });
    });

    it('reads a message without the OpenTravel namespace, with a Warning', async () => {
      const rs = await push(freeRooms(inventory('Start="2027-10-06" End="2027-10-06" InvTypeCode="DOUBLE"', 2)).replace(` xmlns="${NS}"`, ''));
      expect(rs.status).toBe('warnings');
      expect(rs.warnings[0]?.text).toMatch(/not in the OpenTravel namespace/);
    });
  });

  describe('bad input: ERROR: or an RS with Errors, ledger and outbox unchanged', () => {
    const good = () => freeRooms(inventory('Start="2027-11-01" End="2027-11-03" InvTypeCode="DOUBLE"', 2));
    const bomb =
      '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n' +
      good().replace(/^<\?xml[^>]*\?>\n/, '').replace('Version="4"', 'Version="&lol2;"');

    const transport: Array<[name: string, send: () => Send, status: number, text: RegExp]> = [
      ['missing protocol version header', () => ({ action: FREE_ROOMS, xml: good(), version: null }), 400, /^ERROR:missing X-AlpineBits-ClientProtocolVersion/],
      ['unsupported protocol version', () => ({ action: FREE_ROOMS, xml: good(), version: '2022-10' }), 400, /^ERROR:unsupported protocol version 2022-10/],
      ['unknown action', () => ({ action: 'OTA_HotelAvailNotif:Whatever', xml: good() }), 400, /^ERROR:unknown or missing action/],
      ['an action of an AlpineBits part this server does not offer', () => ({ action: 'OTA_HotelRatePlan:BaseRates', xml: example('BaseRates-OTA_HotelRatePlanRQ.xml') }), 400, /^ERROR:unknown or missing action: OTA_HotelRatePlan:BaseRates is not supported/],
      ['GuestRequests pull with a FreeRooms document', () => ({ action: 'OTA_Read:GuestRequests', xml: good() }), 400, /^ERROR:the request must be an OTA_ReadRQ document/],
      ['missing action', () => ({ xml: good() }), 400, /^ERROR:unknown or missing action: no action parameter/],
      ['not multipart (the XML as the body)', () => ({ body: { bytes: good(), contentType: 'text/xml' } }), 400, /^ERROR:expected multipart\/form-data/],
      ['a multipart body without its boundary', () => ({ body: { bytes: 'garbage', contentType: 'multipart/form-data; boundary=abc' } }), 400, /^ERROR:multipart body does not contain its boundary/],
      ['missing request', () => ({ action: FREE_ROOMS }), 400, /^ERROR:missing request parameter/],
      ['malformed XML', () => ({ action: FREE_ROOMS, xml: good().slice(0, 150) }), 400, /^ERROR:.*not well-formed/],
      ['not XML at all', () => ({ action: FREE_ROOMS, xml: 'availability: 3 rooms' }), 400, /^ERROR:.*not an XML document/],
      ['DOCTYPE with entity declarations', () => ({ action: FREE_ROOMS, xml: bomb }), 400, /^ERROR:.*DOCTYPE declarations are not accepted/],
      ['the wrong document for the action', () => ({ action: FREE_ROOMS, xml: pingRequest('{"versions":[]}') }), 400, /^ERROR:the request must be an OTA_HotelInvCountNotifRQ document for this action; got OTA_PingRQ/],
      ['gzip, which this server does not announce', () => ({ action: FREE_ROOMS, xml: good(), headers: { 'Content-Encoding': 'gzip' } }), 400, /^ERROR:Content-Encoding gzip/],
      ['no credentials', () => ({ action: FREE_ROOMS, xml: good(), authorization: null }), 401, /^ERROR:authentication failed/],
      ['wrong credentials', () => ({ action: FREE_ROOMS, xml: good(), authorization: basic('tw_pms_not-a-key') }), 401, /^ERROR:authentication failed/],
      ['a channel key (role not allowed to push)', () => ({ action: FREE_ROOMS, xml: good(), authorization: basic(channelKey) }), 401, /^ERROR:authentication failed: role channel/],
      ['more than 5 MB', () => ({ action: FREE_ROOMS, xml: good().replace('<Inventories', `<!-- ${'x'.repeat(5 * 1024 * 1024)} --><Inventories`) }), 413, /^ERROR:the request is larger than 5mb/],
    ];

    it.each(transport)('%s → ERROR:', async (_name, send, status, text) => {
      const before = await ledgerFingerprint(t.db);
      const res = await post(send());
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(/^text\/plain; charset=utf-8/);
      expect(res.text).toMatch(text);
      expect(readAlpineBitsAnswer(res.text).kind).toBe('error');
      if (status === 401) expect(res.headers['www-authenticate']).toMatch(/^Basic /);
      expect(await ledgerFingerprint(t.db)).toEqual(before);
    });

    const content: Array<[name: string, xml: () => string, code: string, text: RegExp]> = [
      ['unknown HotelCode', () => freeRooms(inventory('Start="2027-11-01" End="2027-11-01" InvTypeCode="DOUBLE"', 1), { hotel: '999' }), '392', /HotelCode 999/],
      ["another property's HotelCode (answered like an unknown one)", () => freeRooms(inventory('Start="2027-11-01" End="2027-11-01" InvTypeCode="DBL"', 1), { hotel: 'FRA02' }), '392', /HotelCode FRA02 is not the property of these credentials/],
      ['unknown room category', () => freeRooms(inventory('Start="2027-11-01" End="2027-11-01" InvTypeCode="DOUBLE"', 1) + inventory('Start="2027-11-01" End="2027-11-01" InvTypeCode="SUITE"', 1)), '402', /InvTypeCode SUITE is not a room type of FRA01 nor mapped by channel pms/],
      ['Start after End', () => freeRooms(inventory('Start="2027-11-09" End="2027-11-01" InvTypeCode="DOUBLE"', 1)), '404', /Start \(2027-11-09\) is after End \(2027-11-01\)/],
      ['a date more than a day in the past', () => freeRooms(inventory('Start="2020-01-01" End="2027-11-01" InvTypeCode="DOUBLE"', 1)), '15', /in the past/],
      ['a negative count', () => freeRooms(inventory('Start="2027-11-01" End="2027-11-01" InvTypeCode="DOUBLE"', -1)), '320', /Count/],
      ['availability per room (InvCode), which Tidewater does not keep', () => freeRooms('<Inventory><StatusApplicationControl Start="2027-11-01" End="2027-11-01" InvTypeCode="DOUBLE" InvCode="101"/><InvCounts><InvCount CountType="2" Count="1"/></InvCounts></Inventory>'), '320', /per room/],
      ['the official empty CompleteSet (no nights to close)', () => example('FreeRooms-OTA_HotelInvCountNotifRQ-empty.xml'), '321', /empty CompleteSet/],
      ['a delta without any Inventory', () => freeRooms(''), '321', /contains no availability/],
    ];

    it.each(content)('%s → RS with Errors', async (_name, xml, code, text) => {
      const before = await ledgerFingerprint(t.db);
      const rs = await push(xml());
      expect(rs.status).toBe('errors');
      expect(rs.errors.map((e) => e.type)).toEqual(rs.errors.map(() => '13'));
      expect(rs.errors.map((e) => e.code)).toContain(code);
      expect(rs.errors.map((e) => e.text).join('\n')).toMatch(text);
      expect(await ledgerFingerprint(t.db)).toEqual(before);
    });
  });

  it('emits only RS documents that validate against the AlpineBits 2024-10 schema', async () => {
    expect(Object.keys(emitted).length).toBeGreaterThan(15);
    const errors = await alpineBitsSchemaErrors(emitted);
    expect(Object.fromEntries(Object.entries(errors).filter(([, list]) => list.length > 0))).toEqual({});
  });
});
