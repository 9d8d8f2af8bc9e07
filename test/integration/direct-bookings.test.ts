import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../api/app';
import { silentLogger } from '../../config/logger';
import { SandboxPaymentProvider } from '../../fixtures/payments/sandbox-provider';
import { checkSoldInvariant } from '../../db/invariants-repo';
import { releaseExpiredHolds } from '../../services/booking-service';
import { applyAriBatch } from '../../services/ari-service';
import { canalHouse } from '../helpers/fixtures';
import { keyFor, seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const CONTRACT_BOOKING = {
  roomStays: [{ roomType: 'DBL', ratePlan: 'BAR', checkIn: '2027-06-01', checkOut: '2027-06-03', rooms: 1, adults: 2 }],
  guest: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' },
  payment: { provider: 'sandbox', token: 'approve' },
};

describe('direct bookings (the booking saga)', () => {
  let t: TestDatabase;
  let app: Express;
  let key: string;
  let logged = '';
  const sandbox = new SandboxPaymentProvider();

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 30 });
    await seedProperty(t.db, canalHouse());
    await applyAriBatch(t.db, 'AMS01', {
      updates: [
        { roomType: 'DBL', ratePlan: 'BAR', from: '2027-06-01', to: '2027-06-30', rate: '129.00' },
        { roomType: 'DBL', from: '2027-06-20', to: '2027-06-20', total: 1 },
      ],
    });
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logged += chunk.toString();
        done();
      },
    });
    app = createApp({ db: t.db, logger: pino({ level: 'debug' }, sink), payments: new Map([['sandbox', sandbox]]), paymentTimeoutMs: 300 });
    key = await keyFor(t.db, 'AMS01', 'channel');
  });
  afterAll(() => t.drop());

  const book = (body: unknown, idempotencyKey: string) =>
    request(app).post('/v1/properties/AMS01/bookings').set('Authorization', `Bearer ${key}`).set('Idempotency-Key', idempotencyKey).send(body as object);
  const sold = async (date: string) => (await t.db('inventory_cells').where({ stay_date: date }).first<{ sold: number }>('sold'))?.sold ?? 0;

  it('confirms the contract example: 201 with the total in the property currency', async () => {
    const res = await book(CONTRACT_BOOKING, 'k-1');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(String), status: 'confirmed', total: '258.00', currency: 'EUR' });
    expect(await sold('2027-06-01')).toBe(1);
    const got = await request(app).get(`/v1/properties/AMS01/bookings/${res.body.id}`).set('Authorization', `Bearer ${key}`);
    expect(got.body).toMatchObject({ id: res.body.id, status: 'confirmed', total: '258.00', paymentStatus: 'authorized' });
    expect(got.body.guest).toBeUndefined();
  });

  it('a repeated Idempotency-Key returns the first answer and takes no second room', async () => {
    const first = await book(CONTRACT_BOOKING, 'k-2');
    const again = await book(CONTRACT_BOOKING, 'k-2');
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(await sold('2027-06-01')).toBe(2);
  });

  it('a declined payment answers 402 and releases the rooms', async () => {
    const before = await sold('2027-06-01');
    const res = await book({ ...CONTRACT_BOOKING, payment: { provider: 'sandbox', token: 'decline' } }, 'k-3');
    expect(res.status).toBe(402);
    expect(res.body.type).toMatch(/\/payment-declined$/);
    expect(await sold('2027-06-01')).toBe(before);
  });

  it('a payment that never answers leaves the booking in manual recovery with its rooms held', async () => {
    const before = await sold('2027-06-01');
    const res = await book({ ...CONTRACT_BOOKING, payment: { provider: 'sandbox', token: 'hang' } }, 'k-4');
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'manual-recovery' });
    expect(await sold('2027-06-01')).toBe(before + 1);
  });

  it('refuses what cannot be sold: bad codes, past dates, sold-out, no rate', async () => {
    const bad = await book({ ...CONTRACT_BOOKING, roomStays: [{ ...CONTRACT_BOOKING.roomStays[0], roomType: 'QUAD' }] }, 'k-5');
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].pointer).toBe('/roomStays/0/roomType');
    const noRate = await book({ ...CONTRACT_BOOKING, roomStays: [{ ...CONTRACT_BOOKING.roomStays[0], checkIn: '2027-07-01', checkOut: '2027-07-02' }] }, 'k-6');
    expect(noRate.status).toBe(422);
    expect(noRate.body.type).toMatch(/\/not-bookable$/);
    const noKey = await request(app).post('/v1/properties/AMS01/bookings').set('Authorization', `Bearer ${key}`).send(CONTRACT_BOOKING);
    expect(noKey.status).toBe(422);
    expect(noKey.body.errors[0].pointer).toBe('/headers/idempotency-key');
  });

  it('500 concurrent bookings for the last room: exactly 1 confirmed, 499 clean sold-out answers', async () => {
    const stay = { ...CONTRACT_BOOKING, roomStays: [{ ...CONTRACT_BOOKING.roomStays[0], checkIn: '2027-06-20', checkOut: '2027-06-21' }] };
    const answers = await Promise.all(Array.from({ length: 500 }, (_, i) => book(stay, `race-${i}`)));
    const byStatus = new Map<number, number>();
    for (const a of answers) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
    expect(Object.fromEntries(byStatus)).toEqual({ 201: 1, 409: 499 });
    expect(answers.filter((a) => a.status === 409).every((a) => /\/sold-out$/.test(a.body.type as string))).toBe(true);
    const cell = await t.db('inventory_cells').where({ stay_date: '2027-06-20' }).first<{ sold: number; total: number }>();
    expect(cell?.sold).toBe(cell?.total);
    expect(await checkSoldInvariant(t.db)).toEqual([]);
  });

  it('an unpaid hold is released when it expires', async () => {
    await t.db('reservations').where({ status: 'manual-recovery' }).update({ status: 'held', hold_expires_at: t.db.raw(`now() - interval '1 minute'`) });
    const before = await sold('2027-06-01');
    expect(await releaseExpiredHolds(t.db, silentLogger)).toBe(1);
    expect(await sold('2027-06-01')).toBe(before - 1);
    expect(await checkSoldInvariant(t.db)).toEqual([]);
  });

  it('never writes guest personal data to the logs', () => {
    expect(logged.length).toBeGreaterThan(0);
    expect(logged).not.toContain('ada@example.org');
    expect(logged).not.toContain('Lovelace');
  });
});
