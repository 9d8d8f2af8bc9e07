import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { silentLogger } from '../../config/logger';
import type { PropertyDocument } from '../../core/property-document';
import { applyAriBatch } from '../../services/ari-service';
import { ingestChannelBooking } from '../../services/booking-service';
import { childEnv, runCli } from '../helpers/cli';
import { FIXTURES_DIR, loadJsonFixture } from '../helpers/fixtures';
import { keyFor, seedProperty, testApp } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

/**
 * issue 7, acceptance 3: `rate explain` for the contract's sample property (with a pricing section
 * and a channel markup added in fixtures/properties/canal-house-pricing.json) matches the
 * hand-computed fixtures/rates/explain-canal-house.{txt,json}:
 *
 *   BAR 129.00 → NRF −10% = 116.10 → Spring × 1.10 = 127.71 → Weekend × 1.05 = 134.0955 → 134.10
 *   → Busy (16 of 20 sold = 80 % ≥ 75 %) × 1.15 = 154.215 → 154.22 → nearest .99 = 153.99
 *   (floor 70 % of 116.10 = 81.27, ceiling 250 % = 290.25) → otax +12 % = 172.4688 → 172.47.
 *   2027-02-01 is 32 days before 2027-03-05, so "Last minute" (≤ 3 days) does not apply; the TEFAF
 *   fair (BAR and the plans derived from it) is on other dates.
 */
describe('tidewater rate explain and GET /v1/properties/{code}/rates/explain', () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let app: Express;
  const args = ['rate', 'explain', '--property', 'AMS01', '--room', 'DBL', '--plan', 'NRF', '--date', '2027-03-05', '--channel', 'otax', '--as-of', '2027-02-01'];
  const expectedTable = readFileSync(path.join(FIXTURES_DIR, 'rates/explain-canal-house.txt'), 'utf8');
  const expectedJson = loadJsonFixture('rates/explain-canal-house.json');

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 2 });
    env = childEnv({ DATABASE_URL: t.url, REDIS_URL: undefined });
    app = testApp(t.db);
    await seedProperty(t.db, loadJsonFixture<PropertyDocument>('properties/canal-house-pricing.json'));
    await applyAriBatch(t.db, 'AMS01', { updates: [{ roomType: 'DBL', ratePlan: 'BAR', from: '2027-03-01', to: '2027-03-31', rate: '129.00' }] });
    await ingestChannelBooking({ db: t.db, logger: silentLogger }, 'AMS01', {
      channelCode: 'otax',
      channelBookingId: 'GROUP-1',
      revision: '1',
      status: 'new',
      roomStays: [{ roomType: 'DBL', checkIn: '2027-03-05', checkOut: '2027-03-06', rooms: 16 }],
      guest: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.org' },
    });
  });
  afterAll(() => t.drop());

  it('prints the hand-computed chain as a table and as JSON', async () => {
    const table = await runCli(args, env);
    expect(table.stderr).toBe('');
    expect(table).toMatchObject({ code: 0, stdout: expectedTable });
    expect(table.stdout.split('\n').every((l) => l.length <= 100)).toBe(true);

    const json = await runCli([...args, '--format', 'json'], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(expectedJson);
  });

  it('answers the same JSON over HTTP, for admin and pms keys only', async () => {
    const url = '/v1/properties/AMS01/rates/explain?roomType=DBL&ratePlan=NRF&date=2027-03-05&channel=otax&asOf=2027-02-01';
    const pms = await keyFor(t.db, 'AMS01', 'pms');
    const res = await request(app).get(url).set({ Authorization: `Bearer ${pms}` });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expectedJson);

    const channel = await keyFor(t.db, 'AMS01', 'channel');
    expect((await request(app).get(url).set({ Authorization: `Bearer ${channel}` })).status).toBe(403);
    expect((await request(app).get(url)).status).toBe(401);
  });

  it('names the bad field: query parameters over HTTP, options on the command line', async () => {
    const admin = await keyFor(t.db, 'AMS01', 'admin');
    const bad = await request(app)
      .get('/v1/properties/AMS01/rates/explain?roomType=DBL&ratePlan=PKG&date=2027-03-05')
      .set({ Authorization: `Bearer ${admin}` });
    expect(bad.status).toBe(422);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.errors).toEqual([{ pointer: '/query/ratePlan', detail: 'unknown rate plan PKG for property AMS01' }]);
    const badDate = await request(app).get('/v1/properties/AMS01/rates/explain?roomType=DBL&ratePlan=BAR&date=2027-02-30').set({ Authorization: `Bearer ${admin}` });
    expect(badDate.body.errors).toEqual([{ pointer: '/query/date', detail: 'must be a date in YYYY-MM-DD form' }]);

    const cli = await runCli(['rate', 'explain', '--property', 'AMS01', '--room', 'DBL', '--plan', 'NRF', '--date', '2027-03-05', '--channel', 'gds'], env);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toBe('');
    expect(cli.stderr).toContain('--channel: unknown channel gds for property AMS01');
    const unknown = await runCli(['rate', 'explain', '--property', 'XXX', '--room', 'DBL', '--plan', 'NRF', '--date', '2027-03-05'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('property XXX does not exist');
  });

  it('says when there is no rate to explain', async () => {
    const admin = await keyFor(t.db, 'AMS01', 'admin');
    const res = await request(app).get('/v1/properties/AMS01/rates/explain?roomType=DBL&ratePlan=NRF&date=2027-04-01').set({ Authorization: `Bearer ${admin}` });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ base: null, final: null, steps: [], note: 'no rate loaded for BAR on DBL 2027-04-01' });
  });
});
