import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { silentLogger } from '../../config/logger';
import { ingestChannelBooking } from '../../services/booking-service';
import { reportDocumentSchema, reportJsonSchema } from '../../services/report-schema';
import { canalHouse } from '../helpers/fixtures';
import { keyFor, seedProperty, testApp } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

describe('report and reconciliation over HTTP', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await seedProperty(t.db, canalHouse());
    await ingestChannelBooking({ db: t.db, logger: silentLogger }, 'AMS01', { channelCode: 'otax', channelBookingId: 'X', revision: '1', status: 'new', roomStays: [{ roomType: 'DBL', checkIn: '2027-05-01', checkOut: '2027-05-02', rooms: 1 }] });
  });
  afterAll(() => t.drop());

  it('the shipped JSON schema is the one generated from the report schema', () => {
    const shipped = JSON.parse(readFileSync(path.resolve(__dirname, '../../schemas/report.schema.json'), 'utf8')) as unknown;
    expect(shipped).toEqual(reportJsonSchema());
  });

  it('GET …/report answers a document valid against the schema, with the invariant check on request', async () => {
    const app = testApp(t.db);
    const key = await keyFor(t.db, 'AMS01', 'admin');
    const res = await request(app).get('/v1/properties/AMS01/report?check=true').set('Authorization', `Bearer ${key}`);
    expect(res.status).toBe(200);
    expect(reportDocumentSchema.safeParse([res.body]).success).toBe(true);
    expect(res.body).toMatchObject({ property: 'AMS01', invariant: { ok: true }, channels: [{ channel: 'otax', pendingRanges: expect.any(Number) }] });
  });

  it('GET …/report takes the parity window and tolerance as `tidewater report` does, and refuses bad ones', async () => {
    const app = testApp(t.db);
    const key = await keyFor(t.db, 'AMS01', 'admin');
    const res = await request(app).get('/v1/properties/AMS01/report?parityDays=7&parityTolerance=1.5').set('Authorization', `Bearer ${key}`);
    expect(res.status).toBe(200);
    expect(res.body.rateParity).toMatchObject({ tolerancePercent: 1.5 });
    const { from, to } = res.body.rateParity.window as { from: string; to: string };
    expect((Date.parse(to) - Date.parse(from)) / 86_400_000).toBe(6);
    const bad = await request(app).get('/v1/properties/AMS01/report?parityDays=0&parityTolerance=lots').set('Authorization', `Bearer ${key}`);
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/query/parityDays', '/query/parityTolerance']);
  });

  it('POST …/reconciliation runs a check; GET returns the latest run', async () => {
    const app = testApp(t.db);
    const key = await keyFor(t.db, 'AMS01', 'pms');
    const run = await request(app).post('/v1/properties/AMS01/reconciliation?from=2027-05-01&to=2027-05-03').set('Authorization', `Bearer ${key}`);
    expect(run.status).toBe(201);
    // The OTA has acknowledged nothing yet: every cell with a value shows as drift from its acknowledged state.
    expect(run.body.channels[0]).toMatchObject({ channel: 'otax', source: 'acknowledged' });
    const latest = await request(app).get('/v1/properties/AMS01/reconciliation').set('Authorization', `Bearer ${key}`);
    expect(latest.body.run).toMatchObject({ id: run.body.runId, findings: run.body.findings });
    expect(latest.body.findings).toHaveLength(run.body.findings);
    const bad = await request(app).post('/v1/properties/AMS01/reconciliation?from=someday').set('Authorization', `Bearer ${key}`);
    expect(bad.status).toBe(422);
  });
});
