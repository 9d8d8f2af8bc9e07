/**
 * `POST /alpinebits` with OTA_HotelDescriptiveContentNotif:Inventory: the PMS sends its room
 * categories; Tidewater checks their codes against the property's room types (through the PMS
 * channel's mapping: DZ is DBL, EZ is SGL), answers Success with Warnings for what does not match,
 * and stores nothing. The official Inventory examples are read from ../shared/xml.
 */
import request from 'supertest';
import type { Express } from 'express';
import type { PropertyDocument } from '../../core/property-document';
import { encodeMultipart, readAlpineBitsAnswer } from '../../mappers/alpinebits/handshake';
import { alpineBitsSchemaErrors, example } from '../../mappers/alpinebits/testing';
import type { OtaResponse } from '../../mappers/opentravel/response';
import { keyFor, ledgerFingerprint, seedProperty, testApp } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const NS = 'http://www.opentravel.org/OTA/2003/05';
const INVENTORY = 'OTA_HotelDescriptiveContentNotif:Inventory';

const INV01: PropertyDocument = {
  code: 'INV01',
  name: 'Frangart Inn',
  timezone: 'Europe/Rome',
  currency: 'EUR',
  roomTypes: [
    { code: 'DBL', name: 'Double', rooms: 5, maxOccupancy: 2 },
    { code: 'SGL', name: 'Single', rooms: 3, maxOccupancy: 1 },
    { code: 'STE', name: 'Suite', rooms: 2, maxOccupancy: 4 },
  ],
  ratePlans: [{ code: 'BAR', name: 'Best available', roomTypes: ['DBL', 'SGL', 'STE'] }],
  channels: [{ code: 'pms', type: 'pms', endpoint: 'http://127.0.0.1:4999/pms', hotelCode: '123', roomTypes: { DBL: 'DZ', SGL: 'EZ' } }],
};

const guestRoom = (code: string, max: number, rooms: string[] = []) =>
  `<GuestRoom Code="${code}" MinOccupancy="1" MaxOccupancy="${max}"><TypeRoom StandardOccupancy="${Math.min(2, max)}" RoomClassificationCode="42"/></GuestRoom>` +
  rooms.map((id) => `<GuestRoom Code="${code}"><TypeRoom RoomID="${id}"/></GuestRoom>`).join('');
const inventoryRQ = (rooms: string, hotel = '123') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<OTA_HotelDescriptiveContentNotifRQ xmlns="${NS}" Version="8.000"><HotelDescriptiveContents><HotelDescriptiveContent HotelCode="${hotel}"><FacilityInfo><GuestRooms>${rooms}</GuestRooms></FacilityInfo></HotelDescriptiveContent></HotelDescriptiveContents></OTA_HotelDescriptiveContentNotifRQ>`;

describe('POST /alpinebits OTA_HotelDescriptiveContentNotif:Inventory', () => {
  let t: TestDatabase;
  let app: Express;
  let pmsKey: string;
  let channelKey: string;
  let document: unknown;
  const emitted: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDatabase();
    app = testApp(t.db);
    await seedProperty(t.db, INV01);
    await seedProperty(t.db, { ...INV01, code: 'INV02', channels: [] });
    pmsKey = await keyFor(t.db, 'INV01', 'pms');
    channelKey = await keyFor(t.db, 'INV01', 'channel');
    document = (await request(app).get('/v1/properties/INV01').set('Authorization', `Bearer ${pmsKey}`)).body;
  });
  afterAll(() => t.drop());

  async function post(xml: string, key = pmsKey): Promise<request.Response> {
    const form = encodeMultipart({ action: INVENTORY, request: xml });
    return request(app)
      .post('/alpinebits')
      .set('Content-Type', form.contentType)
      .set('X-AlpineBits-ClientProtocolVersion', '2024-10')
      .set('X-AlpineBits-ClientID', 'hotel-pms/7.1')
      .set('Authorization', `Basic ${Buffer.from(`pms:${key}`).toString('base64')}`)
      .send(form.body);
  }

  /** Answered 200 with an OTA_HotelDescriptiveContentNotifRS, and nothing stored. */
  async function push(xml: string): Promise<OtaResponse> {
    const before = await ledgerFingerprint(t.db);
    const res = await post(xml);
    expect(res.status).toBe(200);
    emitted[`rs-${Object.keys(emitted).length}.xml`] = res.text;
    const answer = readAlpineBitsAnswer(res.text);
    if (answer.kind !== 'rs') throw new Error(`expected an RS, got ${res.text}`);
    expect(answer.response.root).toBe('OTA_HotelDescriptiveContentNotifRS');
    expect(await ledgerFingerprint(t.db)).toEqual(before);
    expect((await request(app).get('/v1/properties/INV01').set('Authorization', `Bearer ${pmsKey}`)).body).toEqual(document);
    return answer.response;
  }

  const texts = (rs: OtaResponse) => rs.warnings.map((w) => `${w.type}|${w.recordId ?? ''}|${w.text ?? ''}`);

  it('answers Success without Warnings when the categories are exactly Tidewater\'s', async () => {
    const rs = await push(inventoryRQ(guestRoom('DZ', 2, ['101', '102', '103', '104', '105']) + guestRoom('EZ', 1) + guestRoom('STE', 4, ['201', '202'])));
    expect(rs).toMatchObject({ status: 'success', warnings: [], errors: [] });
  });

  it('reads the official basic example: DZ is DBL with its 5 rooms; the categories it leaves out and its texts are warned about', async () => {
    const rs = await push(example('Inventory-Push-OTA_HotelDescriptiveContentNotifRQ-basic.xml'));
    expect(rs.status).toBe('warnings');
    expect(texts(rs)).toEqual([
      '3||room type SGL (EZ) is not in the message; Tidewater keeps selling it until the property document says otherwise',
      '3||room type STE is not in the message; Tidewater keeps selling it until the property document says otherwise',
      '11||descriptive content (names, texts, pictures, amenities, hotel information) is not kept by Tidewater',
    ]);
  });

  it('warns about an unknown category (RecordID its code) and occupancies or room counts that differ, still Success', async () => {
    const rs = await push(inventoryRQ(guestRoom('DZ', 3, ['101', '102']) + guestRoom('EZ', 1) + guestRoom('STE', 4) + guestRoom('PENT', 6)));
    expect(rs.status).toBe('warnings');
    expect(texts(rs)).toEqual([
      "11|DZ|DZ (DBL): MaxOccupancy 3 differs from Tidewater's maxOccupancy 2, which stays as configured",
      '11|DZ|DZ (DBL): 2 rooms listed, Tidewater counts 5 by default until FreeRooms says otherwise',
      '3|PENT|room category PENT is not a room type of INV01 nor mapped by channel pms; FreeRooms and RatePlans for it are refused until the property document maps it',
    ]);
  });

  it('reads the official example with a camping pitch category and the one that deletes everything (as the key\'s hotel)', async () => {
    const pitch = await push(example('Inventory-Push-OTA_HotelDescriptiveContentNotifRQ-hotelInfo-with-roomtype.xml'));
    expect(pitch.status).toBe('warnings');
    expect(texts(pitch).filter((w) => w.startsWith('3|'))).toHaveLength(2);
    const deleteAll = await push(example('Inventory-Push-OTA_HotelDescriptiveContentNotifRQ-delete-all.xml').replace('HotelCode="9996"', 'HotelCode="123"'));
    expect(texts(deleteAll)).toHaveLength(3);
    expect(texts(deleteAll).every((w) => /is not in the message; Tidewater keeps selling it/.test(w))).toBe(true);
  });

  it.each([
    ['an unknown HotelCode (the official delete-all example as sent)', () => example('Inventory-Push-OTA_HotelDescriptiveContentNotifRQ-delete-all.xml'), '392', /HotelCode 9996/],
    ["another property's code", () => inventoryRQ(guestRoom('DBL', 2), 'INV02'), '392', /HotelCode INV02 is not the property of these credentials/],
    ['a GuestRoom without Code', () => inventoryRQ('<GuestRoom MaxOccupancy="2"/>'), '321', /Code/],
  ])('%s → RS with Errors', async (_name, xml, code, text) => {
    const rs = await push(xml());
    expect(rs.status).toBe('errors');
    expect(rs.errors.map((e) => e.code ?? '321')).toContain(code);
    expect(rs.errors.map((e) => e.text).join('\n')).toMatch(text);
  });

  it.each([
    ['the wrong document', () => post(example('RatePlans-OTA_HotelRatePlanNotifRQ.xml')), 400, /^ERROR:the request must be an OTA_HotelDescriptiveContentNotifRQ document/],
    ['a channel key', () => post(inventoryRQ(guestRoom('DZ', 2)), channelKey), 401, /^ERROR:authentication failed: role channel/],
  ])('%s → ERROR:', async (_name, send, status, text) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.text).toMatch(text);
  });

  it('emits only RS documents that validate against the AlpineBits 2024-10 schema', async () => {
    expect(Object.keys(emitted).length).toBeGreaterThan(6);
    const errors = await alpineBitsSchemaErrors(emitted);
    expect(Object.fromEntries(Object.entries(errors).filter(([, list]) => list.length > 0))).toEqual({});
  });
});
