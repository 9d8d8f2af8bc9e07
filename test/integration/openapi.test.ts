/**
 * The OpenAPI document against the running server (issue #8, acceptance 2).
 *
 * The document must be a valid OpenAPI 3.1 document, and every (path, method) it lists is called on
 * the real app over a real database: successes and at least one refusal each. Every answer's status
 * must be documented for that operation, its content type too, and a JSON body must validate against
 * the documented schema. Objects the document does not declare open are checked closed here, so a
 * field the server sends but the document lacks fails as well. Scenarios are keyed by the
 * document's own paths: a path added to the document without a scenario here fails the test.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../api/app';
import { buildOpenApiDocument } from '../../api/openapi';
import { silentLogger } from '../../config/logger';
import { feedToken } from '../../connectors/ical/ical-feed';
import { addDays, todayIn } from '../../core/dates';
import type { PropertyDocument } from '../../core/property-document';
import { SandboxPaymentProvider } from '../../fixtures/payments/sandbox-provider';
import { encodeMultipart } from '../../mappers/alpinebits/handshake';
import { applyAriBatch } from '../../services/ari-service';
import { createDirectBooking, ingestChannelBooking } from '../../services/booking-service';
import { reconcileProperty } from '../../services/reconcile-service';
import { canalHouse, FIXTURES_DIR } from '../helpers/fixtures';
import { keyFor, seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const ROOT = path.resolve(__dirname, '..', '..');
const doc = buildOpenApiDocument();
const DOC_ID = 'https://tidewater.dev/openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;
type Method = (typeof METHODS)[number];

/** The parts of an operation object this test reads. */
interface DocumentedMediaType {
  schema?: unknown;
}
interface DocumentedOperation {
  requestBody?: { content?: Record<string, DocumentedMediaType> };
  responses?: Record<string, { content?: Record<string, DocumentedMediaType> }>;
}

const operations: Array<{ key: string; path: string; method: Method; operation: DocumentedOperation }> = Object.entries(doc.paths ?? {}).flatMap(([p, item]) =>
  METHODS.filter((m) => (item as Record<string, unknown>)[m] !== undefined).map((method) => ({
    key: `${method.toUpperCase()} ${p}`,
    path: p,
    method,
    operation: (item as Record<string, unknown>)[method] as DocumentedOperation,
  })),
);

const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');
const pointer = (...parts: string[]) => '#/' + parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/**
 * Closes every object schema that declares its properties and says nothing about others, except
 * members of an allOf (which see only their own properties and would refuse their siblings').
 */
function closeObjects(schema: unknown, inAllOf = false): unknown {
  if (Array.isArray(schema)) return schema.map((item) => closeObjects(item, inAllOf));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'allOf' && Array.isArray(v) ? v.map((m) => closeObjects(m, true)) : closeObjects(v);
  if (!inAllOf && out.properties !== undefined && out.additionalProperties === undefined && out.unevaluatedProperties === undefined) out.additionalProperties = false;
  return out;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// The whole document under one id, so a compiled `$ref` into it resolves to its components (and
// the components' own `#/components/…` refs resolve against the same document).
ajv.addSchema({ $id: DOC_ID, ...(closeObjects({ components: doc.components, paths: doc.paths }) as object) });
const validators = new Map<string, ValidateFunction>();
function validatorAt(ref: string): ValidateFunction {
  let validate = validators.get(ref);
  if (!validate) {
    validate = ajv.compile({ $ref: DOC_ID + ref });
    validators.set(ref, validate);
  }
  return validate;
}

/** ajv's own text leaves out which property was extra; that is the one thing a reader needs then. */
const describeErrors = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? `: ${String((e.params as { additionalProperty?: string }).additionalProperty)}` : ''}`).join('; ');
const clip = (text: string | undefined) => (text === undefined ? '(no body)' : text.length > 400 ? `${text.slice(0, 400)}…` : text);

/** The parts of express's router stack that name routes (express keeps them on `app.router`). */
interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: RouterLayer[] };
}

/** `METHOD /path/{param}` of every route registered on the app, in the document's path syntax. */
function routesOf(app: Express): string[] {
  const found: string[] = [];
  const visit = (stack: readonly RouterLayer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) found.push(`${method.toUpperCase()} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
      } else if (layer.handle?.stack) {
        visit(layer.handle.stack);
      }
    }
  };
  visit((app as unknown as { router: { stack: RouterLayer[] } }).router.stack);
  return found;
}

/** One operation's calls; `check` sends a request and records what does not match the document. */
type Scenario = (check: Check) => Promise<void>;
type Check = (label: string, expectedStatus: number, call: request.Test, sentJson?: unknown) => Promise<request.Response>;

describe('OpenAPI document', () => {
  let t: TestDatabase;
  let app: Express;
  const keys: Record<string, string> = {};
  const today = todayIn('Europe/Amsterdam');
  const night = (n: number) => addDays(today, n);
  let directBookingId = '';
  let channelBookingId = '';

  /** Canal House as the contract has it, plus an iCal channel so the feed endpoint has something to serve. */
  const canal: PropertyDocument = {
    ...canalHouse(),
    channels: [...(canalHouse().channels ?? []), { code: 'airbnb', type: 'ical', credentials: { feedSecret: 'openapi-feed-secret' }, roomTypes: { DBL: 'dbl-1' } }],
  };
  /** The AlpineBits examples' hotel (HotelCode 123, DOUBLE/TWIN), as in alpinebits-endpoint.test.ts. */
  const frangart: PropertyDocument = {
    code: 'FRA01',
    name: 'Frangart Inn',
    timezone: 'Europe/Rome',
    currency: 'EUR',
    roomTypes: [
      { code: 'DBL', name: 'Double', rooms: 10, maxOccupancy: 2 },
      { code: 'TWN', name: 'Twin', rooms: 5, maxOccupancy: 2 },
    ],
    ratePlans: [{ code: 'BAR', name: 'Best available', roomTypes: ['DBL', 'TWN'] }],
    channels: [{ code: 'pms', type: 'pms', endpoint: 'http://127.0.0.1:4999/pms', hotelCode: '123', roomTypes: { DBL: 'DOUBLE', TWN: 'TWIN' } }],
  };
  const booking = (token: string, checkIn = night(30), checkOut = night(32)) => ({
    roomStays: [{ roomType: 'DBL', ratePlan: 'BAR', checkIn, checkOut, rooms: 1, adults: 2 }],
    guest: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' },
    payment: { provider: 'sandbox', token },
  });
  const SOLD_OUT_NIGHT = 40;
  const BOOKED_NIGHT = 50;

  beforeAll(async () => {
    t = await createTestDatabase();
    // A small body limit makes the 413 case cheap; every realistic request here is far below it.
    app = createApp({ db: t.db, logger: silentLogger, maxBody: '64kb', paymentTimeoutMs: 300 });
    await seedProperty(t.db, canal);
    await seedProperty(t.db, frangart);
    for (const [name, code, role] of [
      ['pms', 'AMS01', 'pms'],
      ['admin', 'AMS01', 'admin'],
      ['channel', 'AMS01', 'channel'],
      ['fra', 'FRA01', 'pms'],
      ['new', 'NEW01', 'admin'],
      ['nowhere', 'NOPE01', 'admin'],
    ] as const) {
      keys[name] = await keyFor(t.db, code, role);
    }
    await applyAriBatch(t.db, 'AMS01', {
      updates: [
        { roomType: 'DBL', ratePlan: 'BAR', from: night(0), to: night(90), rate: '129.00' },
        { roomType: 'DBL', from: night(SOLD_OUT_NIGHT), to: night(SOLD_OUT_NIGHT), available: 0 },
      ],
    });
    const deps = { db: t.db, logger: silentLogger };
    const direct = await createDirectBooking(deps, 'AMS01', booking('approve', night(BOOKED_NIGHT), night(BOOKED_NIGHT + 1)), {
      idempotencyKey: 'openapi-setup',
      payments: new Map([['sandbox', new SandboxPaymentProvider()]]),
    });
    directBookingId = String((direct.body as { id: string }).id);
    channelBookingId = (
      await ingestChannelBooking(deps, 'AMS01', { channelCode: 'otax', channelBookingId: 'OTA-1', revision: '1', status: 'new', roomStays: [{ roomType: 'DBL', checkIn: night(60), checkOut: night(62), rooms: 1 }] })
    ).bookingId;
    await reconcileProperty(t.db, 'AMS01', { from: night(0), to: night(10), channel: 'otax' });
  });
  afterAll(() => t.drop());

  const bearer = (name: string) => ({ Authorization: `Bearer ${keys[name] ?? ''}` });
  const basic = (name: string) => ({ Authorization: `Basic ${Buffer.from(`partner:${keys[name] ?? ''}`).toString('base64')}` });
  const xmlFixture = (name: string) => readFileSync(path.join(FIXTURES_DIR, 'xml', name), 'utf8');
  const alpineBits = (fields: Record<string, string>) => encodeMultipart(fields);

  const scenarios: Record<string, Scenario> = {
    'GET /healthz': async (check) => {
      await check('Postgres answers', 200, request(app).get('/healthz'));
    },
    'GET /readyz': async (check) => {
      await check('migrated database, not draining', 200, request(app).get('/readyz'));
    },
    'GET /metrics': async (check) => {
      await check('Prometheus text', 200, request(app).get('/metrics'));
    },
    'GET /openapi.json': async (check) => {
      const res = await check('no key needed', 200, request(app).get('/openapi.json'));
      expect(res.body).toEqual(JSON.parse(JSON.stringify(doc)));
    },
    'PUT /v1/properties/{code}': async (check) => {
      const unchanged = await check('same document again', 200, request(app).put('/v1/properties/AMS01').set(bearer('pms')).send(canal), canal);
      expect(unchanged.body).toEqual({ code: 'AMS01', created: false, changes: [] });
      const created = canalHouse({ code: 'NEW01', name: 'New House', channels: [] });
      await check('a new property', 201, request(app).put('/v1/properties/NEW01').set(bearer('new')).send(created), created);
      await check('malformed JSON', 400, request(app).put('/v1/properties/AMS01').set(bearer('pms')).set('Content-Type', 'application/json').send('{"code": '));
      await check('no key', 401, request(app).put('/v1/properties/AMS01').send(canal));
      await check("another property's key", 403, request(app).put('/v1/properties/AMS01').set(bearer('fra')).send(canal));
      await check('body over the limit', 413, request(app).put('/v1/properties/AMS01').set(bearer('pms')).send({ ...canal, name: 'x'.repeat(70_000) }));
      const invalid = await check('negative rooms', 422, request(app).put('/v1/properties/AMS01').set(bearer('pms')).send({ ...canal, roomTypes: [{ code: 'DBL', rooms: -1 }] }));
      expect(invalid.body.errors).toContainEqual({ pointer: '/roomTypes/0/rooms', detail: expect.any(String) });
    },
    'GET /v1/properties/{code}': async (check) => {
      await check('pms key', 200, request(app).get('/v1/properties/AMS01').set(bearer('pms')));
      await check('channel key', 200, request(app).get('/v1/properties/AMS01').set(bearer('channel')));
      await check('unknown key', 401, request(app).get('/v1/properties/AMS01').set('Authorization', 'Bearer not-a-key'));
      await check("another property's key", 403, request(app).get('/v1/properties/AMS01').set(bearer('fra')));
      await check('no such property', 404, request(app).get('/v1/properties/NOPE01').set(bearer('nowhere')));
    },
    'POST /v1/properties/{code}/ari': async (check) => {
      const batch = {
        updates: [
          { roomType: 'DBL', from: night(1), to: night(28), days: ['fri', 'sat'], available: 7 },
          { roomType: 'DBL', ratePlan: 'BAR', from: night(1), to: night(28), rate: '139.00', minStay: 1, maxStay: 14, closedToArrival: false, closedToDeparture: false, stopSell: false },
        ],
      };
      await check('contract-shaped batch', 200, request(app).post('/v1/properties/AMS01/ari').set(bearer('pms')).send(batch), batch);
      const once = { updates: [{ roomType: 'DBL', from: night(2), to: night(3), total: 18 }] };
      const first = await check('with Idempotency-Key', 200, request(app).post('/v1/properties/AMS01/ari').set(bearer('pms')).set('Idempotency-Key', 'oa-1').send(once), once);
      const replay = await check('same key again: replayed', 200, request(app).post('/v1/properties/AMS01/ari').set(bearer('pms')).set('Idempotency-Key', 'oa-1').send(once), once);
      expect(replay.body).toEqual(first.body);
      await check('malformed JSON', 400, request(app).post('/v1/properties/AMS01/ari').set(bearer('pms')).set('Content-Type', 'application/json').send('{"updates": ['));
      await check('no key', 401, request(app).post('/v1/properties/AMS01/ari').send(batch));
      await check('channel keys may not push', 403, request(app).post('/v1/properties/AMS01/ari').set(bearer('channel')).send(batch));
      await check('no such property', 404, request(app).post('/v1/properties/NOPE01/ari').set(bearer('nowhere')).send(batch));
      await check('total below rooms sold', 409, request(app).post('/v1/properties/AMS01/ari').set(bearer('pms')).send({ updates: [{ roomType: 'DBL', from: night(BOOKED_NIGHT), to: night(BOOKED_NIGHT), total: 0 }] }));
      await check('body over the limit', 413, request(app).post('/v1/properties/AMS01/ari').set(bearer('pms')).send({ updates: Array.from({ length: 1000 }, () => batch.updates[0]) }));
      const invalid = await check('unknown room type', 422, request(app).post('/v1/properties/AMS01/ari').set(bearer('pms')).send({ updates: [{ roomType: 'SUITE', from: night(1), to: night(2), available: 1 }] }));
      expect(invalid.body.errors).toEqual([{ pointer: '/updates/0/roomType', detail: expect.stringContaining('SUITE') }]);
      await check('key reused for another body', 422, request(app).post('/v1/properties/AMS01/ari').set(bearer('pms')).set('Idempotency-Key', 'oa-1').send(batch));
    },
    'GET /v1/properties/{code}/ari': async (check) => {
      const view = await check('two nights', 200, request(app).get(`/v1/properties/AMS01/ari?from=${night(1)}&to=${night(2)}`).set(bearer('channel')));
      expect(view.body.days).toHaveLength(2);
      await check('filtered', 200, request(app).get(`/v1/properties/AMS01/ari?from=${night(1)}&to=${night(1)}&roomType=DBL&ratePlan=NRF`).set(bearer('pms')));
      await check('no key', 401, request(app).get(`/v1/properties/AMS01/ari?from=${night(1)}&to=${night(2)}`));
      await check("another property's key", 403, request(app).get(`/v1/properties/AMS01/ari?from=${night(1)}&to=${night(2)}`).set(bearer('fra')));
      await check('no such property', 404, request(app).get(`/v1/properties/NOPE01/ari?from=${night(1)}&to=${night(2)}`).set(bearer('nowhere')));
      const invalid = await check('to before from', 422, request(app).get(`/v1/properties/AMS01/ari?from=${night(2)}&to=${night(1)}`).set(bearer('pms')));
      expect(invalid.body.errors).toEqual([{ pointer: '/query/to', detail: expect.any(String) }]);
    },
    'GET /v1/properties/{code}/rates/explain': async (check) => {
      const url = (code: string, query: string) => `/v1/properties/${code}/rates/explain?${query}`;
      const explained = await check('derived plan as a channel gets it', 200, request(app).get(url('AMS01', `roomType=DBL&ratePlan=NRF&date=${night(30)}&channel=otax`)).set(bearer('pms')));
      expect(explained.body).toMatchObject({ base: '116.10', channel: { code: 'otax', roomType: '1001', ratePlan: '5002' } });
      await check('no rate loaded', 200, request(app).get(url('AMS01', `roomType=DBL&ratePlan=BAR&date=${night(200)}`)).set(bearer('admin')));
      await check('no key', 401, request(app).get(url('AMS01', `roomType=DBL&ratePlan=NRF&date=${night(30)}`)));
      await check('channel keys may not ask', 403, request(app).get(url('AMS01', `roomType=DBL&ratePlan=NRF&date=${night(30)}`)).set(bearer('channel')));
      await check('no such property', 404, request(app).get(url('NOPE01', `roomType=DBL&ratePlan=NRF&date=${night(30)}`)).set(bearer('nowhere')));
      const invalid = await check('unknown rate plan', 422, request(app).get(url('AMS01', `roomType=DBL&ratePlan=PKG&date=${night(30)}`)).set(bearer('pms')));
      expect(invalid.body.errors).toEqual([{ pointer: '/query/ratePlan', detail: expect.any(String) }]);
    },
    'POST /v1/properties/{code}/bookings': async (check) => {
      const post = (key: string, body: string | object, idempotencyKey?: string) => {
        const req = request(app).post('/v1/properties/AMS01/bookings').set(bearer(key));
        return (idempotencyKey !== undefined ? req.set('Idempotency-Key', idempotencyKey) : req).send(body);
      };
      const approve = booking('approve');
      const confirmed = await check('approved payment', 201, post('pms', approve, 'oa-b1'), approve);
      expect(confirmed.body).toMatchObject({ status: 'confirmed', total: '258.00', currency: 'EUR' });
      const again = await check('same key again: the first answer', 201, post('pms', approve, 'oa-b1'), approve);
      expect(again.body).toEqual(confirmed.body);
      const hang = booking('hang');
      await check('payment never answers', 202, post('pms', hang, 'oa-b2'), hang);
      await check('malformed JSON', 400, request(app).post('/v1/properties/AMS01/bookings').set(bearer('pms')).set('Idempotency-Key', 'oa-b3').set('Content-Type', 'application/json').send('{"roomStays":'));
      await check('no key', 401, request(app).post('/v1/properties/AMS01/bookings').set('Idempotency-Key', 'oa-b4').send(approve));
      const declined = await check('declined payment', 402, post('pms', booking('decline'), 'oa-b5'));
      expect(declined.body.bookingId).toEqual(expect.any(String));
      await check("another property's key", 403, post('fra', approve, 'oa-b6'));
      await check('no such property', 404, request(app).post('/v1/properties/NOPE01/bookings').set(bearer('nowhere')).set('Idempotency-Key', 'oa-b7').send(approve));
      const soldOut = await check('sold out', 409, post('pms', booking('approve', night(SOLD_OUT_NIGHT), night(SOLD_OUT_NIGHT + 1)), 'oa-b8'));
      expect(soldOut.body.type).toMatch(/\/sold-out$/);
      await check('body over the limit', 413, post('pms', { ...approve, guest: { ...approve.guest, lastName: 'x'.repeat(70_000) } }, 'oa-b9'));
      const noKey = await check('no Idempotency-Key', 422, post('pms', approve));
      expect(noKey.body.errors).toEqual([{ pointer: '/headers/idempotency-key', detail: expect.any(String) }]);
      await check('no guest email', 422, post('pms', { ...approve, guest: { firstName: 'Ada', lastName: 'Lovelace' } }, 'oa-b10'));
    },
    'GET /v1/properties/{code}/bookings/{id}': async (check) => {
      const direct = await check('direct booking, pms key', 200, request(app).get(`/v1/properties/AMS01/bookings/${directBookingId}`).set(bearer('pms')));
      expect(direct.body.guest).toMatchObject({ firstName: 'Ada' });
      const channel = await check('channel booking, channel key', 200, request(app).get(`/v1/properties/AMS01/bookings/${channelBookingId}`).set(bearer('channel')));
      expect(channel.body).toMatchObject({ channel: 'otax', channelBookingId: 'OTA-1' });
      expect(channel.body.guest).toBeUndefined();
      await check('no key', 401, request(app).get(`/v1/properties/AMS01/bookings/${directBookingId}`));
      await check("another property's key", 403, request(app).get(`/v1/properties/AMS01/bookings/${directBookingId}`).set(bearer('fra')));
      await check('no such booking', 404, request(app).get('/v1/properties/AMS01/bookings/00000000-0000-4000-8000-000000000000').set(bearer('pms')));
    },
    'GET /v1/properties/{code}/report': async (check) => {
      await check('with the invariant check', 200, request(app).get('/v1/properties/AMS01/report?check=true').set(bearer('admin')));
      await check('without', 200, request(app).get('/v1/properties/FRA01/report').set(bearer('fra')));
      await check('no key', 401, request(app).get('/v1/properties/AMS01/report'));
      await check('channel keys may not read it', 403, request(app).get('/v1/properties/AMS01/report').set(bearer('channel')));
      await check('no such property', 404, request(app).get('/v1/properties/NOPE01/report').set(bearer('nowhere')));
    },
    'GET /v1/properties/{code}/reconciliation': async (check) => {
      const latest = await check('after a run', 200, request(app).get('/v1/properties/AMS01/reconciliation').set(bearer('pms')));
      expect(latest.body.run).not.toBeNull();
      // Findings rows are checked against the document too, not just an empty list.
      expect(latest.body.findings.length).toBeGreaterThan(0);
      const none = await check('before any run', 200, request(app).get('/v1/properties/FRA01/reconciliation').set(bearer('fra')));
      expect(none.body.run).toBeNull();
      await check('no key', 401, request(app).get('/v1/properties/AMS01/reconciliation'));
      await check("another property's key", 403, request(app).get('/v1/properties/AMS01/reconciliation').set(bearer('fra')));
      await check('no such property', 404, request(app).get('/v1/properties/NOPE01/reconciliation').set(bearer('nowhere')));
    },
    'POST /v1/properties/{code}/reconciliation': async (check) => {
      const run = await check('every channel, ten nights', 201, request(app).post(`/v1/properties/AMS01/reconciliation?from=${night(0)}&to=${night(9)}`).set(bearer('pms')));
      expect(run.body.channels.map((c: { channel: string }) => c.channel).sort()).toEqual(['airbnb', 'otax']);
      await check('no key', 401, request(app).post('/v1/properties/AMS01/reconciliation'));
      await check("another property's key", 403, request(app).post('/v1/properties/AMS01/reconciliation').set(bearer('fra')));
      await check('no such property', 404, request(app).post('/v1/properties/NOPE01/reconciliation').set(bearer('nowhere')));
      const invalid = await check('not a date', 422, request(app).post('/v1/properties/AMS01/reconciliation?from=someday').set(bearer('pms')));
      expect(invalid.body.errors).toEqual([{ pointer: '/query/from', detail: expect.any(String) }]);
      await check('unknown channel', 422, request(app).post('/v1/properties/AMS01/reconciliation?channel=nope').set(bearer('pms')));
    },
    'POST /ota/v1': async (check) => {
      const xml = xmlFixture('ota-hotel-avail-notif-rq.xml');
      const res = await check('OTA_HotelAvailNotifRQ as text/xml', 200, request(app).post('/ota/v1').set(basic('pms')).set('Content-Type', 'text/xml').send(xml));
      expect(res.text).toContain('OTA_HotelAvailNotifRS');
      await check('OTA_ReadRQ as application/xml', 200, request(app).post('/ota/v1').set(bearer('pms')).set('Content-Type', 'application/xml').send(xmlFixture('ota-read-rq.xml')));
      const refused = await check('no key: Errors in an RS, still 200', 200, request(app).post('/ota/v1').set('Content-Type', 'text/xml').send(xml));
      expect(refused.text).toContain('<Errors>');
    },
    'POST /alpinebits': async (check) => {
      const freeRooms = alpineBits({ action: 'OTA_HotelInvCountNotif:FreeRooms', request: xmlFixture('alpinebits-free-rooms-rq-2027.xml') });
      const send = (form: { body: Buffer; contentType: string }) => request(app).post('/alpinebits').set('Content-Type', form.contentType).set('X-AlpineBits-ClientID', 'openapi-test');
      const res = await check('FreeRooms', 200, send(freeRooms).set('X-AlpineBits-ClientProtocolVersion', '2024-10').set(basic('fra')).send(freeRooms.body));
      expect(res.text).toContain('OTA_HotelInvCountNotifRS');
      await check('no protocol version', 400, send(freeRooms).set(basic('fra')).send(freeRooms.body));
      await check('no key', 401, send(freeRooms).set('X-AlpineBits-ClientProtocolVersion', '2024-10').send(freeRooms.body));
    },
    'GET /ical/{propertyCode}/{channelCode}/{file}': async (check) => {
      const token = feedToken('openapi-feed-secret', 'AMS01', 'airbnb', 'dbl-1');
      const res = await check('the feed', 200, request(app).get(`/ical/AMS01/airbnb/dbl-1.ics?token=${token}`));
      expect(res.text).toContain('BEGIN:VCALENDAR');
      await check('wrong token', 404, request(app).get(`/ical/AMS01/airbnb/dbl-1.ics?token=${token.slice(0, -2)}xx`));
    },
  };

  it('is a valid OpenAPI 3.1 document', () => {
    // The validator ships as an ES module only, which jest's CommonJS runtime cannot load: run it in a plain node.
    const script = `import { Validator } from '@seriousme/openapi-schema-validator';
      let input = ''; for await (const chunk of process.stdin) input += chunk;
      process.stdout.write(JSON.stringify(await new Validator().validate(JSON.parse(input))));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, input: JSON.stringify(doc), encoding: 'utf8' });
    const result = JSON.parse(output) as { valid: boolean; errors?: unknown };
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc).toMatchObject({ openapi: '3.1.0', info: { title: 'Tidewater', version: (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version } });
  });

  it('has schemas that compile as JSON Schema 2020-12, and documents client errors as application/problem+json', () => {
    const problems: string[] = [];
    for (const { key, path: p, method, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        for (const [mediaType, media] of Object.entries(response.content ?? {})) {
          if (media.schema === undefined) continue;
          try {
            validatorAt(pointer('paths', p, method, 'responses', status, 'content', mediaType, 'schema'));
          } catch (error) {
            problems.push(`${key} ${status} ${mediaType}: ${(error as Error).message}`);
          }
          // 503 from the probes is their own JSON body, by design; client errors are always problems.
          if (status.startsWith('4') && isJson(mediaType) && mediaType !== 'application/problem+json') problems.push(`${key} ${status}: JSON errors must be application/problem+json, not ${mediaType}`);
        }
      }
      for (const [mediaType, media] of Object.entries(operation.requestBody?.content ?? {})) {
        if (media.schema !== undefined) validatorAt(pointer('paths', p, method, 'requestBody', 'content', mediaType, 'schema'));
      }
    }
    expect(problems).toEqual([]);
  });

  it('has a scenario here for every documented operation, and documents every operation a scenario calls', () => {
    expect(operations.map((o) => o.key).sort()).toEqual(Object.keys(scenarios).sort());
  });

  it('documents every route the app serves', () => {
    expect(routesOf(app).sort()).toEqual(operations.map((o) => o.key).sort());
  });

  it.each(operations.map((o) => [o.key, o] as const))('%s answers as documented', async (key, { path: p, method, operation }) => {
    const scenario = scenarios[key];
    if (!scenario) throw new Error(`${key} is documented but has no scenario in this test`);
    const problems: string[] = [];
    const check: Check = async (label, expectedStatus, call, sentJson) => {
      const res = await call;
      const where = `${key} [${label}] → ${res.status}`;
      if (res.status !== expectedStatus) problems.push(`${where}: expected ${expectedStatus}; body ${clip(res.text)}`);
      const documented = operation.responses?.[String(res.status)];
      if (!documented) {
        problems.push(`${where}: status not documented (documented: ${Object.keys(operation.responses ?? {}).join(', ')})`);
        return res;
      }
      const mediaType = String(res.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const content = documented.content ?? {};
      if (!(mediaType in content)) {
        problems.push(`${where}: content type "${mediaType}" not documented (documented: ${Object.keys(content).join(', ') || 'no body'})`);
        return res;
      }
      if (isJson(mediaType)) {
        const validate = validatorAt(pointer('paths', p, method, 'responses', String(res.status), 'content', mediaType, 'schema'));
        if (!validate(JSON.parse(res.text))) problems.push(`${where} ${mediaType}: body does not match the documented schema: ${describeErrors(validate.errors)}; body ${clip(res.text)}`);
      } else if (!res.text) {
        problems.push(`${where} ${mediaType}: empty body`);
      }
      // What a realistic client sent must be what the document says it may send.
      const requestSchema = operation.requestBody?.content?.['application/json'];
      if (sentJson !== undefined && requestSchema !== undefined) {
        const validate = validatorAt(pointer('paths', p, method, 'requestBody', 'content', 'application/json', 'schema'));
        if (!validate(sentJson)) problems.push(`${where}: the request body sent does not match the documented request schema: ${describeErrors(validate.errors)}`);
      }
      return res;
    };
    await scenario(check);
    expect(problems).toEqual([]);
  });
});
