/**
 * `POST /alpinebits` with OTA_HotelRatePlanNotif:RatePlans: rates and restrictions from the hotel's
 * PMS change the ledger exactly as the equivalent JSON batch does.
 *
 * RPL01 takes the XML (the official RatePlans example with its years moved to 2027, read from
 * ../shared/xml; then fixtures/xml/alpinebits/rate-plans-overlay-2027.xml; then a Remove), its twin
 * RPL02 the JSON batches written by hand below, and the GET …/ari views must be equal cell by cell.
 * Every refusal leaves the ledger and outbox as they were; every RS validates against the XSD.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import type { AriUpdate } from '../../core/ari';
import { addDays, todayIn } from '../../core/dates';
import type { PropertyDocument } from '../../core/property-document';
import { encodeMultipart, readAlpineBitsAnswer } from '../../mappers/alpinebits/handshake';
import { alpineBitsSchemaErrors, example } from '../../mappers/alpinebits/testing';
import { FIXTURES } from '../../mappers/opentravel/testing';
import type { OtaResponse } from '../../mappers/opentravel/response';
import { keyFor, ledgerFingerprint, seedProperty, testApp } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const NS = 'http://www.opentravel.org/OTA/2003/05';
const RATE_PLANS = 'OTA_HotelRatePlanNotif:RatePlans';
type Batch = { updates: Array<Partial<AriUpdate> & { roomType: string; from: string; to: string }> };

/** The official example, moved to 2027 (its supplement dates to 2026) so that it is in the future. */
const OFFICIAL = example('RatePlans-OTA_HotelRatePlanNotifRQ.xml').replace(/2023-/g, '2027-').replace(/2022-/g, '2026-');
const OVERLAY = readFileSync(path.join(FIXTURES, 'alpinebits', 'rate-plans-overlay-2027.xml'), 'utf8');

/** HotelCode 123 is RPL01's PMS channel, which maps the example's codes to Tidewater's. */
function property(code: string): PropertyDocument {
  return {
    code,
    name: 'Frangart Inn',
    timezone: 'Europe/Rome',
    currency: 'EUR',
    roomTypes: [
      { code: 'DBL', name: 'Double', rooms: 10, maxOccupancy: 2 },
      { code: 'STE', name: 'Suite', rooms: 3, maxOccupancy: 4 },
      { code: 'SGL', name: 'Single', rooms: 5, maxOccupancy: 1 },
    ],
    ratePlans: [
      { code: 'HB', name: 'Half board', roomTypes: ['DBL', 'STE', 'SGL'] },
      { code: 'BAR', name: 'Best available', roomTypes: ['DBL', 'STE'] },
      { code: 'NRF', name: 'Non-refundable', derivedFrom: 'BAR', adjust: { percent: '-10' } },
    ],
    channels: [
      {
        code: 'pms',
        type: 'pms',
        endpoint: 'http://127.0.0.1:4999/pms',
        hotelCode: code === 'RPL01' ? '123' : `123-${code}`,
        roomTypes: { DBL: 'double', STE: 'suite', SGL: 'single' },
        ratePlans: { HB: 'Rate1-4-HB' },
      },
    ],
  };
}

const ALL = ['DBL', 'STE', 'SGL'] as const;
/** The first night the ledger takes: Full and Remove reach back to it. */
const EARLIEST = addDays(todayIn('Europe/Rome'), -1);
const cleared = { minStay: null, maxStay: null, closedToArrival: false, closedToDeparture: false, stopSell: false };

/**
 * The official example: RatePlanNotifType New (= Full) of Rate1-4-HB, amounts per person (static
 * Rate Type 7), one generic rule (LOS exactly 5, every weekday open) and a rate for the double room
 * (96 per person for 2 guests = 192 for the room). Full replaces the plan: from EARLIEST to the last
 * night sent, restrictions are cleared, and nights without a rate are closed.
 */
const OFFICIAL_BATCH: Batch = {
  updates: [
    ...ALL.map((roomType) => ({ roomType, ratePlan: 'HB', from: EARLIEST, to: '2027-04-17', ...cleared })),
    ...ALL.map((roomType) => ({ roomType, ratePlan: 'HB', from: '2027-03-03', to: '2027-04-17', ...cleared, minStay: 5, maxStay: 5 })),
    { roomType: 'DBL', ratePlan: 'HB', from: '2027-03-03', to: '2027-03-08', rate: '192.00' },
    { roomType: 'DBL', ratePlan: 'HB', from: EARLIEST, to: '2027-03-02', stopSell: true },
    { roomType: 'DBL', ratePlan: 'HB', from: '2027-03-09', to: '2027-04-17', stopSell: true },
    { roomType: 'STE', ratePlan: 'HB', from: EARLIEST, to: '2027-04-17', stopSell: true },
    { roomType: 'SGL', ratePlan: 'HB', from: EARLIEST, to: '2027-04-17', stopSell: true },
  ],
};

/** fixtures/xml/alpinebits/rate-plans-overlay-2027.xml: per person, remembered from the Full. */
const OVERLAY_BATCH: Batch = {
  updates: [
    ...ALL.map((roomType) => ({ roomType, ratePlan: 'HB', from: '2027-03-09', to: '2027-03-20', ...cleared, minStay: 3 })),
    { roomType: 'STE', ratePlan: 'HB', from: '2027-03-13', to: '2027-03-14', ...cleared, stopSell: true },
    { roomType: 'STE', ratePlan: 'HB', from: '2027-03-13', to: '2027-03-14', days: ['sat'], closedToArrival: true },
    { roomType: 'STE', ratePlan: 'HB', from: '2027-03-13', to: '2027-03-14', days: ['sun'], closedToDeparture: true },
    { roomType: 'DBL', ratePlan: 'HB', from: '2027-03-09', to: '2027-03-20', rate: '171.00' },
    { roomType: 'STE', ratePlan: 'HB', from: '2027-03-09', to: '2027-03-20', rate: '240.00' },
    { roomType: 'SGL', ratePlan: 'HB', from: '2027-03-09', to: '2027-03-20', rate: '99.00' },
  ],
};

/** Remove: the plan stops selling on every night held from EARLIEST on (the Full held up to 04-17). */
const REMOVE_BATCH: Batch = { updates: ALL.map((roomType) => ({ roomType, ratePlan: 'HB', from: EARLIEST, to: '2027-04-17', stopSell: true })) };

const ratePlansRQ = (plans: string, hotel = '123') => `<?xml version="1.0" encoding="UTF-8"?>\n<OTA_HotelRatePlanNotifRQ xmlns="${NS}" Version="1.000"><RatePlans HotelCode="${hotel}">${plans}</RatePlans></OTA_HotelRatePlanNotifRQ>`;
const STATIC_PER_ROOM = '<Rate RateTimeUnit="Day" UnitMultiplier="1"><BaseByGuestAmts><BaseByGuestAmt Type="25"/></BaseByGuestAmts><MealsIncluded MealPlanIndicator="true" MealPlanCodes="14"/></Rate>';
const rate = (room: string, from: string, to: string, amount: string, guests = 2) =>
  `<Rate InvTypeCode="${room}" Start="${from}" End="${to}"><BaseByGuestAmts><BaseByGuestAmt NumberOfGuests="${guests}" AgeQualifyingCode="10" AmountAfterTax="${amount}"/></BaseByGuestAmts></Rate>`;
const plan = (type: string, code: string, inner: string, currency = 'EUR') => `<RatePlan RatePlanNotifType="${type}" CurrencyCode="${currency}" RatePlanCode="${code}">${inner}</RatePlan>`;

describe('POST /alpinebits OTA_HotelRatePlanNotif:RatePlans', () => {
  let t: TestDatabase;
  let app: Express;
  const keys = new Map<string, string>();
  let channelKey: string;
  const emitted: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDatabase();
    app = testApp(t.db);
    for (const code of ['RPL01', 'RPL02', 'RPL03']) {
      await seedProperty(t.db, property(code));
      keys.set(code, await keyFor(t.db, code, 'pms'));
    }
    channelKey = await keyFor(t.db, 'RPL01', 'channel');
  });
  afterAll(() => t.drop());

  const basic = (k: string) => `Basic ${Buffer.from(`pms:${k}`).toString('base64')}`;

  async function post(xml: string, key = keys.get('RPL01') as string, action = RATE_PLANS): Promise<request.Response> {
    const form = encodeMultipart({ action, request: xml });
    return request(app)
      .post('/alpinebits')
      .set('Content-Type', form.contentType)
      .set('X-AlpineBits-ClientProtocolVersion', '2024-10')
      .set('X-AlpineBits-ClientID', 'hotel-pms/7.1')
      .set('Authorization', basic(key))
      .send(form.body);
  }

  async function push(xml: string, key?: string): Promise<OtaResponse> {
    const res = await post(xml, key);
    expect(res.status).toBe(200);
    emitted[`rs-${Object.keys(emitted).length}.xml`] = res.text;
    const answer = readAlpineBitsAnswer(res.text);
    if (answer.kind !== 'rs') throw new Error(`expected an RS, got ${res.text}`);
    expect(answer.response.root).toBe('OTA_HotelRatePlanNotifRS');
    return answer.response;
  }

  async function postJson(batch: Batch): Promise<void> {
    const res = await request(app).post('/v1/properties/RPL02/ari').set('Authorization', `Bearer ${keys.get('RPL02') ?? ''}`).send(batch);
    expect(res.body).toMatchObject({ version: expect.any(Number) });
    expect(res.status).toBe(200);
  }

  async function view(code: string, from = EARLIEST, to = '2027-04-30'): Promise<{ days: Array<{ date: string; ratePlans: unknown[] }> }> {
    const res = await request(app).get(`/v1/properties/${code}/ari?from=${from}&to=${to}`).set('Authorization', `Bearer ${keys.get(code) ?? ''}`);
    expect(res.status).toBe(200);
    return JSON.parse(JSON.stringify(res.body, (k, v: unknown) => (k === 'version' || k === 'property' ? undefined : v))) as { days: Array<{ date: string; ratePlans: unknown[] }> };
  }

  describe('the official example and what follows it change the ledger as the JSON batches do', () => {
    it.each([
      ['the official example (New = Full, per person)', () => OFFICIAL, OFFICIAL_BATCH],
      ['an Overlay: generic and room-type rules, weekday closures, rates per person', () => OVERLAY, OVERLAY_BATCH],
    ])('%s', async (_name, xml, batch) => {
      const outbox = Number((await t.db('outbox').count<{ c: string }[]>({ c: '*' }))[0]?.c);
      const rs = await push(xml());
      expect(rs.errors).toEqual([]);
      await postJson(batch);
      expect(await view('RPL01')).toEqual(await view('RPL02'));
      // Both applied (an outbox row each), through the same path.
      expect(Number((await t.db('outbox').count<{ c: string }[]>({ c: '*' }))[0]?.c)).toBe(outbox + 2);
    });

    it('really changed the ledger (the comparisons above are not vacuous)', async () => {
      const day = (await view('RPL01', '2027-03-13', '2027-03-13')).days[0];
      expect(JSON.stringify(day)).toContain('"rate":"171.00"');
      expect(JSON.stringify(day)).toContain('"rate":"240.00"');
      const official = (await view('RPL01', '2027-03-05', '2027-03-05')).days[0];
      expect(JSON.stringify(official)).toContain('"rate":"192.00"');
      expect(JSON.stringify(official)).toMatch(/"minStay":5,"maxStay":5/);
    });

    it('says in Warnings what it did not keep (supplements, offers, additional guests) and that unpriced nights were closed', async () => {
      const rs = await push(OFFICIAL);
      expect(rs.status).toBe('warnings');
      const texts = rs.warnings.map((w) => w.text).join('\n');
      expect(texts).toMatch(/Supplements are not kept/);
      expect(texts).toMatch(/Offers are not kept/);
      expect(texts).toMatch(/AdditionalGuestAmounts/);
      expect(texts).toMatch(/nights without a Rate were closed/);
      // Re-applied: the Full again replaces what the Overlay set.
      await postJson(OFFICIAL_BATCH);
      expect(await view('RPL01')).toEqual(await view('RPL02'));
      await push(OVERLAY);
      await postJson(OVERLAY_BATCH);
      expect(await view('RPL01')).toEqual(await view('RPL02'));
    });

    it('changes nothing when the identical message comes again', async () => {
      const before = await ledgerFingerprint(t.db);
      const rs = await push(OVERLAY);
      expect(rs.errors).toEqual([]);
      expect(await ledgerFingerprint(t.db)).toEqual(before);
    });
  });

  describe('bad input: an RS with Errors naming the problem, ledger and outbox unchanged', () => {
    const content: Array<[name: string, xml: () => string, code: string, text: RegExp]> = [
      ['an unknown RatePlanCode', () => ratePlansRQ(plan('Overlay', 'Rate9-XX', `<Rates>${rate('double', '2027-05-01', '2027-05-02', '100')}</Rates>`)), '249', /RatePlanCode Rate9-XX is not a rate plan of RPL01 nor mapped by channel pms/],
      ['an unknown room category', () => ratePlansRQ(plan('Overlay', 'Rate1-4-HB', `<Rates>${rate('penthouse', '2027-05-01', '2027-05-02', '100')}</Rates>`)), '402', /InvTypeCode penthouse is not a room type of RPL01/],
      [
        'an unknown room category in a BookingRule, next to an unknown plan',
        () => ratePlansRQ(plan('Overlay', 'Rate1-4-HB', '<BookingRules><BookingRule Code="attic" CodeContext="ROOMTYPE" Start="2027-05-01" End="2027-05-02"/></BookingRules>') + plan('Remove', 'GONE', '')),
        '402',
        /InvTypeCode attic[\s\S]*RatePlanCode GONE/,
      ],
      ['another currency', () => ratePlansRQ(plan('Overlay', 'Rate1-4-HB', `<Rates>${rate('double', '2027-05-01', '2027-05-02', '100')}</Rates>`, 'CHF')), '61', /CurrencyCode CHF is not the currency of RPL01 \(EUR\)/],
      ['Overlay rates for a plan no Full has described', () => ratePlansRQ(plan('Overlay', 'BAR', `<Rates>${rate('DBL', '2027-05-01', '2027-05-02', '100')}</Rates>`)), '321', /per person or per room \(no Full has declared it yet\)/],
      ['a Full without its static Rate', () => ratePlansRQ(plan('Full', 'BAR', `<Rates>${rate('DBL', '2027-05-01', '2027-05-02', '100')}</Rates>`)), '321', /static Rate/],
      ['a rate for a derived plan', () => ratePlansRQ(plan('Full', 'NRF', `<Rates>${STATIC_PER_ROOM}${rate('DBL', '2027-05-01', '2027-05-02', '100')}</Rates>`)), '320', /^rate plan NRF, Rate DBL 2027-05-01…2027-05-02 \(DBL\): NRF is derived from BAR; push the rate of BAR$/],
      ['a room type the plan is not sold on', () => ratePlansRQ(plan('Full', 'BAR', `<Rates>${STATIC_PER_ROOM}${rate('SGL', '2027-05-01', '2027-05-02', '100', 1)}</Rates>`)), '249', /^rate plan BAR, Rate SGL 2027-05-01…2027-05-02 \(SGL\): rate plan BAR is not sold on room type SGL$/],
      [
        'a minimum stay above the maximum',
        () => ratePlansRQ(plan('Overlay', 'Rate1-4-HB', '<BookingRules><BookingRule Start="2027-05-01" End="2027-05-02"><LengthsOfStay><LengthOfStay Time="5" TimeUnit="Day" MinMaxMessageType="SetMinLOS"/><LengthOfStay Time="2" TimeUnit="Day" MinMaxMessageType="SetMaxLOS"/></LengthsOfStay></BookingRule></BookingRules>')),
        '320',
        /^rate plan Rate1-4-HB, BookingRule 2027-05-01…2027-05-02 \(DBL\): maxStay 2 is below minStay 5\nrate plan Rate1-4-HB, BookingRule 2027-05-01…2027-05-02 \(STE\)/,
      ],
      ['Start after End', () => ratePlansRQ(plan('Overlay', 'Rate1-4-HB', `<Rates>${rate('double', '2027-05-09', '2027-05-02', '100')}</Rates>`)), '404', /Start \(2027-05-09\) is after End/],
      ['an unknown HotelCode', () => ratePlansRQ(plan('Remove', 'Rate1-4-HB', ''), '999'), '392', /HotelCode 999/],
      ['an unknown RatePlanNotifType', () => ratePlansRQ(plan('Modify', 'Rate1-4-HB', '')), '320', /RatePlanNotifType must be New, Full, Overlay or Remove/],
    ];

    it.each(content)('%s', async (_name, xml, code, text) => {
      const before = await ledgerFingerprint(t.db);
      const bases = await t.db('alpinebits_rate_plans').select();
      const rs = await push(xml());
      expect(rs.status).toBe('errors');
      expect(rs.errors.map((e) => e.type)).toEqual(rs.errors.map(() => '13'));
      expect(rs.errors.map((e) => e.code ?? '321')).toContain(code);
      expect(rs.errors.map((e) => e.text).join('\n')).toMatch(text);
      // The ledger's JSON pointers name updates the PMS never saw: not in the answer.
      expect(rs.errors.map((e) => e.text).join('\n')).not.toContain('/updates/');
      expect(await ledgerFingerprint(t.db)).toEqual(before);
      expect(await t.db('alpinebits_rate_plans').select()).toEqual(bases);
    });

    it.each([
      ['the wrong document', () => post(example('FreeRooms-OTA_HotelInvCountNotifRQ.xml')), 400, /^ERROR:the request must be an OTA_HotelRatePlanNotifRQ document/],
      ['a channel key', () => post(OVERLAY, channelKey), 401, /^ERROR:authentication failed: role channel/],
    ])('%s → ERROR:', async (_name, send, status, text) => {
      const before = await ledgerFingerprint(t.db);
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.text).toMatch(text);
      expect(await ledgerFingerprint(t.db)).toEqual(before);
    });
  });

  it('reads the official example as sent (2023): nothing in the future, so nothing changes, said in Warnings', async () => {
    const before = await ledgerFingerprint(t.db);
    const rs = await push(example('RatePlans-OTA_HotelRatePlanNotifRQ.xml').replace('HotelCode="123"', 'HotelCode="123-RPL03"'), keys.get('RPL03'));
    expect(rs.status).toBe('warnings');
    expect(rs.warnings.map((w) => w.text).join('\n')).toMatch(/in the past and was not applied[\s\S]*nothing in the message changes the ledger/);
    expect(await ledgerFingerprint(t.db)).toEqual(before);
  });

  it('Remove stops selling the plan on every night it holds, as the JSON batch does', async () => {
    const rs = await push(ratePlansRQ(plan('Remove', 'Rate1-4-HB', '')));
    expect(rs.errors).toEqual([]);
    await postJson(REMOVE_BATCH);
    expect(await view('RPL01')).toEqual(await view('RPL02'));
    expect(JSON.stringify((await view('RPL01', '2027-03-10', '2027-03-10')).days[0])).toMatch(/"ratePlan":"HB"[^\]]*"stopSell":true/);
  });

  it('emits only RS documents that validate against the AlpineBits 2024-10 schema', async () => {
    expect(Object.keys(emitted).length).toBeGreaterThan(15);
    const errors = await alpineBitsSchemaErrors(emitted);
    expect(Object.fromEntries(Object.entries(errors).filter(([, list]) => list.length > 0))).toEqual({});
  });
});
