import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../api/app';
import { silentLogger } from '../../config/logger';
import { channelViewOf, priceNight } from '../../core/channel-view';
import { addDays, todayIn } from '../../core/dates';
import { toScaled, formatScaled } from '../../core/money';
import type { PropertyDocument } from '../../core/property-document';
import { readLedgerSpans, readLedgerView } from '../../db/ledger-view-repo';
import { SandboxPaymentProvider } from '../../fixtures/payments/sandbox-provider';
import { applyAriBatch } from '../../services/ari-service';
import { requireProperty } from '../../services/property-service';
import { explainRateOf } from '../../services/rate-explain-service';
import { canalHouse } from '../helpers/fixtures';
import { keyFor, seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const GUEST = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' };
const PAYMENT = { provider: 'sandbox', token: 'approve' };
// Friday → Monday: two weekend nights and a Sunday.
const WEEKEND_STAY = { roomType: 'DBL', ratePlan: 'BAR', checkIn: '2027-06-04', checkOut: '2027-06-07', rooms: 1, adults: 2 };
const WEEKEND_RULE: NonNullable<NonNullable<PropertyDocument['pricing']>['rules']>[number] = { name: 'Weekend', kind: 'weekday', when: { days: ['fri', 'sat'] }, factor: '1.2' };

const OTA = canalHouse().channels?.[0] as NonNullable<PropertyDocument['channels']>[number];
const directChannel = (code: string, percent?: string) => ({
  code,
  type: 'direct' as const,
  endpoint: `http://127.0.0.1:9/${code}`,
  credentials: { secret: 'hook-secret' },
  roomTypes: { DBL: 'dbl' },
  ratePlans: { BAR: 'flex', NRF: 'saver' },
  ...(percent !== undefined ? { markup: { percent } } : {}),
});

/** A guest is charged what the booking engine showed: the pricing rules and the direct channel's markup. */
describe('direct bookings are priced like the booking engine shows them', () => {
  let t: TestDatabase;
  let app: Express;
  let n = 0;

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 10 });
    app = createApp({ db: t.db, logger: silentLogger, payments: new Map([['sandbox', new SandboxPaymentProvider()]]), paymentTimeoutMs: 1000 });
  });
  afterAll(() => t.drop());

  const property = async (code: string, overrides: Partial<PropertyDocument>) => {
    await seedProperty(t.db, canalHouse({ code, ...overrides }));
    await applyAriBatch(t.db, code, { updates: [{ roomType: 'DBL', ratePlan: 'BAR', from: '2027-06-01', to: '2027-06-30', rate: '129.00' }] });
    return keyFor(t.db, code, 'channel');
  };
  const book = async (code: string, key: string, stay: Record<string, unknown>) => {
    const res = await request(app)
      .post(`/v1/properties/${code}/bookings`)
      .set('Authorization', `Bearer ${key}`)
      .set('Idempotency-Key', `k-${++n}`)
      .send({ roomStays: [stay], guest: GUEST, payment: PAYMENT });
    expect(res.status).toBe(201);
    return res.body as { id: string; total: string; currency: string };
  };
  const sum = (amounts: Array<string | null>) => formatScaled(amounts.reduce((acc, a) => acc + toScaled(a as string), 0n), 2);

  it('with a weekday rule (×1.2 on Friday and Saturday) the total is the sum of the priced nights', async () => {
    const key = await property('PRC1', { pricing: { rules: [WEEKEND_RULE] } });
    const stored = await requireProperty(t.db, 'PRC1');
    const today = todayIn(stored.property.timezone);
    const days = await readLedgerView(t.db, stored, { from: WEEKEND_STAY.checkIn, to: addDays(WEEKEND_STAY.checkOut, -1), roomType: 'DBL', ratePlan: 'BAR' });
    const nights = days.map((d) =>
      priceNight(stored.property, undefined, { roomType: 'DBL', ratePlan: 'BAR', date: d.date, amount: d.roomTypes[0]?.ratePlans[0]?.rate as string }, { occupancy: { sold: 0, total: 20 }, today }),
    );
    expect(nights).toEqual(['154.80', '154.80', '129.00']);

    const booked = await book('PRC1', key, WEEKEND_STAY);
    expect(booked).toMatchObject({ status: 'confirmed', total: sum(nights), currency: 'EUR' });
    expect(booked.total).toBe('438.60');
    const stored2 = await t.db('reservations').where({ id: booked.id }).first<{ total_amount: string }>('total_amount');
    expect(formatScaled(toScaled(stored2?.total_amount ?? '0'), 2)).toBe('438.60');
    // Two rooms pay each night twice.
    expect((await book('PRC1', key, { ...WEEKEND_STAY, rooms: 2 })).total).toBe('877.20');
  });

  it('the property’s one direct channel adds its markup, exactly as that channel is sent the nights; another channel’s markup does not count', async () => {
    const key = await property('PRC2', { pricing: { rules: [WEEKEND_RULE] }, channels: [{ ...OTA, markup: { percent: '20' } }, directChannel('web', '10')] });
    const stored = await requireProperty(t.db, 'PRC2');
    const web = stored.property.channels.find((c) => c.code === 'web') as (typeof stored.property.channels)[number];
    const slice = await readLedgerSpans(t.db, stored, [{ roomTypeId: stored.roomTypeIds.get('DBL') as number, from: WEEKEND_STAY.checkIn, to: addDays(WEEKEND_STAY.checkOut, -1) }]);
    const shown = channelViewOf(stored.property, web, slice, 0, todayIn(stored.property.timezone)).rates.filter((c) => c.ratePlan === 'BAR').map((c) => c.amount);
    // 154.80 × 1.10 = 170.28 on the weekend nights, 129.00 × 1.10 = 141.90 on Sunday.
    expect(shown).toEqual(['170.28', '170.28', '141.90']);

    const booked = await book('PRC2', key, WEEKEND_STAY);
    expect(booked.total).toBe(sum(shown));
  });

  it('with two direct channels nothing says which one the guest used: no markup, the rules’ price', async () => {
    const key = await property('PRC3', { pricing: { rules: [WEEKEND_RULE] }, channels: [OTA, directChannel('web', '10'), directChannel('web2', '-5')] });
    expect((await book('PRC3', key, WEEKEND_STAY)).total).toBe('438.60');
  });

  it('prices each night at its occupancy before the booking: the booking’s own rooms do not raise its price', async () => {
    // 20 rooms: 2 of them make 10 %, the rule's threshold.
    const key = await property('PRC4', { pricing: { rules: [{ name: 'Filling up', kind: 'occupancy', when: { atLeastPercent: '10' }, factor: '2' }] } });
    const tuesday = { ...WEEKEND_STAY, checkIn: '2027-06-01', checkOut: '2027-06-02' };
    expect((await book('PRC4', key, { ...tuesday, rooms: 2 })).total).toBe('258.00');
    // The next guest sees 2/20 sold, and pays the doubled price the booking engine now shows.
    expect((await book('PRC4', key, tuesday)).total).toBe('258.00');
    expect((await book('PRC4', key, { ...tuesday, checkIn: '2027-06-02', checkOut: '2027-06-03' })).total).toBe('129.00');
  });

  it('counts the rooms a PMS pushing `available` has sold itself, for the booking and for rate explain alike', async () => {
    const key = await property('PRC5', { pricing: { rules: [{ name: 'Half full', kind: 'occupancy', when: { atLeastPercent: '50' }, factor: '1.5' }] } });
    // The PMS can sell 8 of 20: 12 taken by bookings the hub never saw.
    await applyAriBatch(t.db, 'PRC5', { updates: [{ roomType: 'DBL', from: '2027-06-01', to: '2027-06-01', available: 8 }] });
    const explained = await explainRateOf(t.db, 'PRC5', { roomType: 'DBL', ratePlan: 'BAR', date: '2027-06-01' });
    expect(explained).toMatchObject({ final: '193.50', occupancy: { sold: 12, total: 20, percent: '60' } });
    expect(explained.steps.find((s) => s.kind === 'rule')?.label).toBe("Half full (occupancy 12/20 = 60% ≥ 50%; taken by the PMS's count: 20 − (8 available − 0 in flight) = 12)");
    expect((await book('PRC5', key, { ...WEEKEND_STAY, checkIn: '2027-06-01', checkOut: '2027-06-02' })).total).toBe('193.50');
  });
});
