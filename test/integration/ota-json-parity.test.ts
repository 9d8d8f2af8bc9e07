/**
 * Issue 3, acceptance 2: posting an OpenTravel fixture to /ota/v1 changes the ledger exactly as the
 * JSON API does for the same update. The JSON batches below are written by hand from the fixtures
 * (not produced by the mappers), so a mapping mistake shows up as a difference.
 *
 * Each property has a twin with another code: the XML goes to one, the JSON to the other, and the
 * GET …/ari views must be equal cell by cell apart from the property code and versions. All four
 * properties list the same channel hotel code 998877, so this also proves that HotelCode resolves to
 * the API key's own property.
 */
import request from 'supertest';
import type { Express } from 'express';
import type { AriUpdate } from '../../core/ari';
import { readOtaResponse } from '../../mappers/opentravel/response';
import { readFixture } from '../../mappers/opentravel/testing';
import { canalHouse, loadJsonFixture } from '../helpers/fixtures';
import type { PropertyDocument } from '../../core/property-document';
import { keyFor, seedProperty, testApp } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

type Batch = { updates: Array<Partial<AriUpdate> & { roomType: string; from: string; to: string }> };

/** fixtures/xml/ota-hotel-avail-notif-rq.xml, by hand. */
const CANAL_AVAIL: Batch = {
  updates: [
    { roomType: 'DBL', from: '2027-03-01', to: '2027-03-31', days: ['fri', 'sat'], available: 7 },
    { roomType: 'DBL', ratePlan: 'BAR', from: '2027-03-01', to: '2027-03-31', minStay: 2, maxStay: 14, stopSell: false },
    { roomType: 'DBL', ratePlan: 'BAR', from: '2027-03-01', to: '2027-03-31', closedToArrival: false },
    { roomType: 'DBL', ratePlan: 'BAR', from: '2027-03-01', to: '2027-03-31', closedToDeparture: false },
    { roomType: 'DBL', ratePlan: 'BAR', from: '2027-03-01', to: '2027-03-31', days: ['sat'], closedToArrival: true },
    { roomType: 'DBL', ratePlan: 'NRF', from: '2027-03-14', to: '2027-03-14', stopSell: true },
    { roomType: 'DBL', ratePlan: 'BAR', from: '2027-04-01', to: '2027-04-30', minStay: null },
  ],
};
/** fixtures/xml/ota-hotel-rate-amount-notif-rq.xml: the 2-guest amount is the base; net amounts kept as sent. */
const CANAL_RATES: Batch = {
  updates: [
    { roomType: 'DBL', ratePlan: 'BAR', from: '2027-03-01', to: '2027-03-31', rate: '129.00' },
    { roomType: 'DBL', ratePlan: 'BAR', from: '2027-03-01', to: '2027-03-31', days: ['fri', 'sat'], rate: '149.00' },
    { roomType: 'DBL', ratePlan: 'BAR', from: '2027-04-01', to: '2027-04-15', rate: '109.50' },
    { roomType: 'DBL', ratePlan: 'BAR', from: '2027-04-16', to: '2027-04-30', rate: '119.00' },
  ],
};
/** fixtures/xml/ota-hotel-inv-count-notif-rq.xml: CountType 1 total, 2 available, 6 out of order. */
const CANAL_COUNTS: Batch = {
  updates: [
    { roomType: 'DBL', from: '2027-03-01', to: '2027-03-31', total: 20, outOfOrder: 1 },
    { roomType: 'DBL', from: '2027-03-01', to: '2027-03-31', days: ['fri', 'sat'], available: 7 },
    { roomType: 'DBL', from: '2027-03-14', to: '2027-03-14', available: 0 },
  ],
};
/** fixtures/xml/ota-hotel-avail-notif-rq-harbour-view-2027.xml. */
const HARBOUR_AVAIL: Batch = {
  updates: [
    { roomType: 'DBL', from: '2027-05-01', to: '2027-05-31', available: 12 },
    { roomType: 'TWN', from: '2027-05-01', to: '2027-05-31', days: ['sat', 'sun'], available: 0 },
    { roomType: 'STE', from: '2027-05-10', to: '2027-05-12', available: 2 },
    { roomType: 'DBL', ratePlan: 'BAR', from: '2027-05-01', to: '2027-05-31', minStay: 2, maxStay: 10, stopSell: false },
    { roomType: 'TWN', from: '2027-05-15', to: '2027-05-16', stopSell: true },
    { roomType: 'STE', ratePlan: 'NRF', from: '2027-05-01', to: '2027-05-31', days: ['fri'], closedToArrival: true },
    { roomType: 'DBL', ratePlan: 'BAR', from: '2027-05-20', to: '2027-05-20', maxStay: null },
  ],
};
/** fixtures/xml/ota-hotel-rate-amount-notif-rq-harbour-view-2027.xml. */
const HARBOUR_RATES: Batch = {
  updates: [
    { roomType: 'DBL', ratePlan: 'BAR', from: '2027-05-01', to: '2027-05-31', rate: '145.00' },
    { roomType: 'TWN', ratePlan: 'BAR', from: '2027-05-01', to: '2027-05-31', days: ['fri', 'sat'], rate: '139.50' },
    { roomType: 'STE', ratePlan: 'BAR', from: '2027-05-01', to: '2027-05-15', rate: '310.00' },
    { roomType: 'STE', ratePlan: 'BAR', from: '2027-05-16', to: '2027-05-31', rate: '325.00' },
  ],
};

/** The ledger view without what must differ between twins: the property code and the versions. */
function comparable(view: unknown): unknown {
  return JSON.parse(JSON.stringify(view, (key, value: unknown) => (key === 'version' || key === 'property' ? undefined : value)));
}

describe('OpenTravel XML and the JSON API change the ledger alike', () => {
  let t: TestDatabase;
  let app: Express;
  const keys = new Map<string, string>();

  beforeAll(async () => {
    t = await createTestDatabase();
    app = testApp(t.db);
    const harbour = loadJsonFixture<PropertyDocument>('properties/harbour-view.json');
    for (const doc of [canalHouse(), canalHouse({ code: 'AMS02' }), harbour, { ...harbour, code: 'DEMO2' }]) {
      await seedProperty(t.db, doc);
      keys.set(doc.code, await keyFor(t.db, doc.code, 'pms'));
    }
  });
  afterAll(() => t.drop());

  async function postXml(propertyCode: string, fixture: string): Promise<void> {
    const basic = Buffer.from(`pms:${keys.get(propertyCode) ?? ''}`).toString('base64');
    const res = await request(app).post('/ota/v1').set('Authorization', `Basic ${basic}`).set('Content-Type', 'text/xml').send(readFixture(fixture));
    expect(res.status).toBe(200);
    const rs = readOtaResponse(res.text);
    expect(rs.errors).toEqual([]);
  }

  async function postJson(propertyCode: string, batch: Batch): Promise<void> {
    const res = await request(app).post(`/v1/properties/${propertyCode}/ari`).set('Authorization', `Bearer ${keys.get(propertyCode) ?? ''}`).send(batch);
    expect(res.status).toBe(200);
  }

  async function view(propertyCode: string, from: string, to: string): Promise<unknown> {
    const res = await request(app).get(`/v1/properties/${propertyCode}/ari?from=${from}&to=${to}`).set('Authorization', `Bearer ${keys.get(propertyCode) ?? ''}`);
    expect(res.status).toBe(200);
    return res.body;
  }

  it.each([
    [
      'Canal House: avail-notif, rate-amount, inv-count fixtures',
      'AMS01',
      'AMS02',
      [
        ['ota-hotel-avail-notif-rq.xml', CANAL_AVAIL],
        ['ota-hotel-rate-amount-notif-rq.xml', CANAL_RATES],
        ['ota-hotel-inv-count-notif-rq.xml', CANAL_COUNTS],
      ],
      ['2027-02-27', '2027-05-02'],
    ],
    [
      'Harbour View: three room types, derived plans, plan-less restrictions',
      'DEMO1',
      'DEMO2',
      [
        ['ota-hotel-avail-notif-rq-harbour-view-2027.xml', HARBOUR_AVAIL],
        ['ota-hotel-rate-amount-notif-rq-harbour-view-2027.xml', HARBOUR_RATES],
      ],
      ['2027-04-29', '2027-06-02'],
    ],
  ] as Array<[string, string, string, Array<[string, Batch]>, [string, string]]>)('%s', async (_name, xmlProperty, jsonProperty, steps, [from, to]) => {
    for (const [fixture, batch] of steps) {
      await postXml(xmlProperty, fixture);
      await postJson(jsonProperty, batch);
      // Compared after every step, so a difference names the message that caused it.
      expect({ after: fixture, view: comparable(await view(xmlProperty, from, to)) }).toEqual({ after: fixture, view: comparable(await view(jsonProperty, from, to)) });
    }
    // Not vacuous: the pushes did change the ledger.
    const changed = JSON.stringify(await view(xmlProperty, from, to));
    expect(changed).toMatch(/"rate":"\d+\.\d{2}"/);
  });
});
