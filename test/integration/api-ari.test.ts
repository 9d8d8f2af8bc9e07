import request from 'supertest';
import type { Express } from 'express';
import { canalHouse, loadJsonFixture } from '../helpers/fixtures';
import { keyFor, ledgerFingerprint, seedProperty, testApp } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const PROBLEM = 'application/problem+json';

describe('PMS JSON API', () => {
  let t: TestDatabase;
  let app: Express;
  let pmsKey: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    app = testApp(t.db);
    pmsKey = await keyFor(t.db, 'AMS01', 'pms');
  });
  afterAll(() => t.drop());

  const auth = () => ({ Authorization: `Bearer ${pmsKey}` });

  it('creates the contract property with PUT, returns it with GET, and reports changes on update', async () => {
    const created = await request(app).put('/v1/properties/AMS01').set(auth()).send(canalHouse());
    expect(created.status).toBe(201);
    expect(created.body.changes).toContain('added room type DBL');

    const got = await request(app).get('/v1/properties/AMS01').set(auth());
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ code: 'AMS01', timezone: 'Europe/Amsterdam', currency: 'EUR' });
    expect(got.body.ratePlans).toContainEqual(expect.objectContaining({ code: 'NRF', derivedFrom: 'BAR', roomTypes: ['DBL'] }));

    const doc = canalHouse();
    const updated = await request(app)
      .put('/v1/properties/AMS01')
      .set(auth())
      .send({ ...doc, roomTypes: [{ code: 'DBL', name: 'Double', rooms: 22, maxOccupancy: 2 }] });
    expect(updated.status).toBe(200);
    expect(updated.body.changes).toEqual(['changed room type DBL: rooms 20 → 22']);
    await request(app).put('/v1/properties/AMS01').set(auth()).send(doc).expect(200);
  });

  it('applies the contract ARI example and shows it in the ledger view', async () => {
    const res = await request(app).post('/v1/properties/AMS01/ari').set(auth()).send(loadJsonFixture('ari/canal-house-march.json'));
    expect(res.status).toBe(200);
    // 8 Fri/Sat inventory cells + 31 BAR and 31 derived NRF rate cells.
    expect(res.body).toEqual({ version: expect.any(Number), cells: 8 + 31 + 31 });

    const view = await request(app).get('/v1/properties/AMS01/ari?from=2027-03-04&to=2027-03-05').set(auth());
    expect(view.status).toBe(200);
    const [thu, fri] = view.body.days;
    expect(thu.roomTypes[0]).toMatchObject({ roomType: 'DBL', available: 20, sold: 0, total: 20 });
    expect(fri.roomTypes[0]).toMatchObject({ roomType: 'DBL', available: 7, sold: 0, version: 2 });
    expect(fri.roomTypes[0].ratePlans).toEqual([
      { ratePlan: 'BAR', rate: '129.00', rateByGuests: null, minStay: 2, maxStay: 14, closedToArrival: false, closedToDeparture: false, stopSell: false, version: 1 },
      { ratePlan: 'NRF', rate: '116.10', rateByGuests: null, minStay: 2, maxStay: 14, closedToArrival: false, closedToDeparture: false, stopSell: false, version: 1 },
    ]);

    const filtered = await request(app).get('/v1/properties/AMS01/ari?from=2027-03-05&to=2027-03-05&ratePlan=NRF').set(auth());
    expect(filtered.body.days[0].roomTypes[0].ratePlans.map((p: { ratePlan: string }) => p.ratePlan)).toEqual(['NRF']);
  });

  it('writes one outbox row per changing batch, in the same transaction, and none for a no-op', async () => {
    const before = await t.db('outbox').count<{ c: number }[]>({ c: '*' });
    const batch = { updates: [{ roomType: 'DBL', ratePlan: 'BAR', from: '2027-03-10', to: '2027-03-12', rate: '150.00' }] };
    await request(app).post('/v1/properties/AMS01/ari').set(auth()).send(batch).expect(200);
    await request(app).post('/v1/properties/AMS01/ari').set(auth()).send(batch).expect(200);
    const after = await t.db('outbox').orderBy('id', 'desc').select('payload');
    expect(after.length - Number(before[0]?.c)).toBe(1);
    expect(after[0].payload.ranges).toEqual(
      expect.arrayContaining([
        { roomType: 'DBL', ratePlan: 'BAR', from: '2027-03-10', to: '2027-03-12' },
        { roomType: 'DBL', ratePlan: 'NRF', from: '2027-03-10', to: '2027-03-12' },
      ]),
    );
  });

  it('keeps per-guest prices pushed with the rate (derived plans too), shows them in the ledger view, and drops them when a rate comes alone', async () => {
    const view = async () => (await request(app).get('/v1/properties/AMS01/ari?from=2027-05-03&to=2027-05-03').set(auth())).body.days[0].roomTypes[0].ratePlans;
    const push = (update: object) => request(app).post('/v1/properties/AMS01/ari').set(auth()).send({ updates: [{ roomType: 'DBL', ratePlan: 'BAR', from: '2027-05-03', to: '2027-05-03', ...update }] });
    await push({ rate: '129.00', rateByGuests: { '1': '99', '2': '129.00' } }).expect(200);
    expect((await view()).map((p: { ratePlan: string; rate: string; rateByGuests: unknown }) => [p.ratePlan, p.rate, p.rateByGuests])).toEqual([
      ['BAR', '129.00', { '1': '99.00', '2': '129.00' }],
      ['NRF', '116.10', { '1': '89.10', '2': '116.10' }],
    ]);
    // A per-guest price alone is a change: one more outbox row, one more cell version.
    const outbox = async () => Number((await t.db('outbox').count<{ c: number }[]>({ c: '*' }))[0]?.c);
    const before = await outbox();
    await push({ rate: '129.00', rateByGuests: { '1': '95.00' } }).expect(200);
    expect(await outbox()).toBe(before + 1);
    expect((await view())[0]).toMatchObject({ rate: '129.00', rateByGuests: { '1': '95.00' }, version: 2 });
    // Restrictions keep them; a rate alone drops them.
    await push({ minStay: 2 }).expect(200);
    expect((await view())[0]).toMatchObject({ rateByGuests: { '1': '95.00' }, minStay: 2 });
    await push({ rate: '135.00' }).expect(200);
    expect((await view()).map((p: { rateByGuests: unknown }) => p.rateByGuests)).toEqual([null, null]);

    const bad = await push({ rate: '129.00', rateByGuests: { '2': '130.00', '3': '150.00' } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([
      { pointer: '/updates/0/rateByGuests/3', detail: 'must be a number of guests from 1 to 2, the most DBL sleeps' },
      { pointer: '/updates/0/rateByGuests/2', detail: 'must equal rate (129.00): rate is the price for 2 guests, the base occupancy of BAR on DBL' },
    ]);
  });

  it('replays a repeated Idempotency-Key without writing again, and refuses the key for another payload', async () => {
    const batch = { updates: [{ roomType: 'DBL', from: '2027-04-01', to: '2027-04-02', available: 3 }] };
    const first = await request(app).post('/v1/properties/AMS01/ari').set(auth()).set('Idempotency-Key', 'pms-42').send(batch);
    const fingerprint = await ledgerFingerprint(t.db);
    const again = await request(app).post('/v1/properties/AMS01/ari').set(auth()).set('Idempotency-Key', 'pms-42').send(batch);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await ledgerFingerprint(t.db)).toEqual(fingerprint);
    const other = await request(app)
      .post('/v1/properties/AMS01/ari')
      .set(auth())
      .set('Idempotency-Key', 'pms-42')
      .send({ updates: [{ roomType: 'DBL', from: '2027-04-01', to: '2027-04-02', available: 4 }] });
    expect(other.status).toBe(422);
    expect(other.body.type).toMatch(/\/idempotency-key-reused$/);
    expect(await ledgerFingerprint(t.db)).toEqual(fingerprint);
  });

  describe('bad input: 4xx problem+json naming the field, ledger and outbox unchanged', () => {
    const ari = (updates: unknown[]) => ({ updates });
    const cases: Array<[string, () => request.Test, number, string | undefined]> = [
      ['unknown property', () => request(app).post('/v1/properties/NOPE/ari').set(otherAuth()).send(ari([{ roomType: 'DBL', from: '2027-03-01', to: '2027-03-02', available: 1 }])), 404, undefined],
      ['unknown room type', () => post(ari([{ roomType: 'QUAD', from: '2027-03-01', to: '2027-03-02', available: 1 }])), 422, '/updates/0/roomType'],
      ['unknown rate plan', () => post(ari([{ roomType: 'DBL', ratePlan: 'CORP', from: '2027-03-01', to: '2027-03-02', rate: '99.00' }])), 422, '/updates/0/ratePlan'],
      ['from after to', () => post(ari([{ roomType: 'DBL', from: '2027-03-09', to: '2027-03-02', available: 1 }])), 422, '/updates/0/to'],
      ['range over 3 years', () => post(ari([{ roomType: 'DBL', from: '2027-03-01', to: '2030-03-02', available: 1 }])), 422, '/updates/0/to'],
      ['date not ISO', () => post(ari([{ roomType: 'DBL', from: '03/01/2027', to: '2027-03-02', available: 1 }])), 422, '/updates/0/from'],
      ['date more than a day in the past', () => post(ari([{ roomType: 'DBL', from: '2020-01-01', to: '2027-03-02', available: 1 }])), 422, '/updates/0/from'],
      ['negative count', () => post(ari([{ roomType: 'DBL', from: '2027-03-01', to: '2027-03-02', available: -2 }])), 422, '/updates/0/available'],
      ['non-integer count', () => post(ari([{ roomType: 'DBL', from: '2027-03-01', to: '2027-03-02', total: 2.5 }])), 422, '/updates/0/total'],
      ['too many decimals for EUR', () => post(ari([{ roomType: 'DBL', ratePlan: 'BAR', from: '2027-03-01', to: '2027-03-02', rate: '129.999' }])), 422, '/updates/0/rate'],
      ['rate as a float-ish string', () => post(ari([{ roomType: 'DBL', ratePlan: 'BAR', from: '2027-03-01', to: '2027-03-02', rate: '1e3' }])), 422, '/updates/0/rate'],
      ['a bad update among good ones', () => post(ari([{ roomType: 'DBL', from: '2027-03-01', to: '2027-03-02', available: 1 }, { roomType: 'DBL', from: '2027-03-01', to: '2027-03-02', available: -1 }])), 422, '/updates/1/available'],
      ['empty batch', () => post(ari([])), 422, '/updates'],
      ['malformed JSON', () => request(app).post('/v1/properties/AMS01/ari').set(auth()).set('content-type', 'application/json').send('{"updates": ['), 400, undefined],
      ['missing key', () => request(app).post('/v1/properties/AMS01/ari').send(ari([{ roomType: 'DBL', from: '2027-03-01', to: '2027-03-02', available: 1 }])), 401, undefined],
      ['unknown key', () => request(app).post('/v1/properties/AMS01/ari').set('Authorization', 'Bearer tw_pms_nope').send(ari([])), 401, undefined],
      ['key of another property', () => request(app).post('/v1/properties/AMS01/ari').set(otherAuth()).send(ari([{ roomType: 'DBL', from: '2027-03-01', to: '2027-03-02', available: 1 }])), 403, undefined],
      ['channel key pushing ARI', () => request(app).post('/v1/properties/AMS01/ari').set(channelAuth()).send(ari([{ roomType: 'DBL', from: '2027-03-01', to: '2027-03-02', available: 1 }])), 403, undefined],
      ['total below rooms already sold', () => post(ari([{ roomType: 'DBL', from: '2027-05-01', to: '2027-05-01', total: 0 }])), 409, '/updates'],
      ['10 MB body', () => request(app).post('/v1/properties/AMS01/ari').set(auth()).set('content-type', 'application/json').send(`{"updates":[],"pad":"${'x'.repeat(10 * 1024 * 1024)}"}`), 413, undefined],
    ];
    let otherKey: string;
    let channelKey: string;
    const otherAuth = () => ({ Authorization: `Bearer ${otherKey}` });
    const channelAuth = () => ({ Authorization: `Bearer ${channelKey}` });
    const post = (body: unknown) => request(app).post('/v1/properties/AMS01/ari').set(auth()).send(body as object);

    beforeAll(async () => {
      otherKey = await keyFor(t.db, 'NOPE', 'pms');
      channelKey = await keyFor(t.db, 'AMS01', 'channel');
      // One sold room on 1 May, so that pushing total 0 there must be refused.
      await t.db.transaction(async (trx) => {
        const { requireProperty } = await import('../../services/property-service');
        const { reserveRooms } = await import('../../db/ledger-repo');
        const stored = await requireProperty(t.db, 'AMS01');
        await reserveRooms(trx, stored, { source: 'test', nights: [{ roomType: 'DBL', date: '2027-05-01', rooms: 1 }] });
      });
    });

    it.each(cases)('%s', async (_name, send, status, pointer) => {
      const before = await ledgerFingerprint(t.db);
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toContain(PROBLEM);
      expect(res.body).toMatchObject({ type: expect.stringMatching(/^https:\/\/tidewater\.dev\/problems\//), title: expect.any(String), status });
      expect(typeof res.body.detail).toBe('string');
      if (pointer) expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
      expect(await ledgerFingerprint(t.db)).toEqual(before);
    });

    it('shows a channel key the mappings but no channel credentials; the hotel\'s own keys see them', async () => {
      const asChannel = await request(app).get('/v1/properties/AMS01').set(channelAuth());
      expect(asChannel.status).toBe(200);
      expect(asChannel.body.channels.length).toBeGreaterThan(0);
      for (const channel of asChannel.body.channels) expect(channel).not.toHaveProperty('credentials');
      expect(asChannel.body.channels[0].roomTypes).toBeDefined();
      const asPms = await request(app).get('/v1/properties/AMS01').set(auth());
      expect(asPms.body.channels.some((c: { credentials?: unknown }) => c.credentials !== undefined)).toBe(true);
    });

    it('refuses a property document with a derivation cycle, naming the field', async () => {
      const doc = canalHouse({
        ratePlans: [
          { code: 'BAR', derivedFrom: 'NRF', adjust: { percent: 5 } },
          { code: 'NRF', derivedFrom: 'BAR', adjust: { percent: -10 } },
        ],
      });
      const res = await request(app).put('/v1/properties/AMS01').set(auth()).send(doc);
      expect(res.status).toBe(422);
      expect(res.body.errors[0]).toEqual({ pointer: '/ratePlans/0/derivedFrom', detail: expect.stringContaining('derivation cycle') });
    });

    it('refuses a ledger view query with bad dates', async () => {
      const res = await request(app).get('/v1/properties/AMS01/ari?from=2027-03-10&to=2027-03-01').set(auth());
      expect(res.status).toBe(422);
      expect(res.body.errors).toContainEqual({ pointer: '/query/to', detail: 'must not be before from' });
    });
  });

  it('answers health and metrics', async () => {
    const health = await request(app).get('/healthz');
    expect(health.status).toBe(200);
    expect(health.body.checks).toEqual({ postgres: 'ok' });
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toContain('tidewater_http_requests_total{method="POST",route="/v1/properties/:code/ari",status="200"}');
    expect(metrics.text).toContain('tidewater_http_request_duration_seconds_bucket');
  });
});
