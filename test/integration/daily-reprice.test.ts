import { silentLogger } from '../../config/logger';
import { addDays, todayIn } from '../../core/dates';
import { nightsRepricedBetween } from '../../core/pricing';
import type { PropertyDocument } from '../../core/property-document';
import { propertiesWithBookingWindows, repriceBookingWindows } from '../../queues/daily-reprice';
import { startReconcileSchedule } from '../../queues/reconcile-schedule';
import { waitFor } from '../helpers/convergence';
import { canalHouse } from '../helpers/fixtures';
import { seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

type Rules = NonNullable<NonNullable<PropertyDocument['pricing']>['rules']>;
const WINDOWS: Rules = [
  { name: 'Last minute', kind: 'booking-window', when: { maxDays: 2 }, factor: '0.85' },
  { name: 'Early bird', kind: 'booking-window', when: { minDays: 30 }, factor: '0.9' },
];

/** Booking-window prices move with the calendar: the daily job marks exactly the nights that crossed a bound. */
describe('daily re-mark of booking-window prices', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 5 });
    const base = canalHouse();
    await seedProperty(t.db, {
      ...base,
      code: 'RPR1',
      pricing: { rules: WINDOWS },
      channels: [
        ...(base.channels ?? []),
        { code: 'web', type: 'direct', endpoint: 'http://127.0.0.1:9/web', credentials: { secret: 's' }, roomTypes: { DBL: 'dbl' }, ratePlans: { BAR: 'flex' } },
        // A PMS is sent bookings, not rates: nothing to re-price there.
        { code: 'pms', type: 'pms', endpoint: 'http://127.0.0.1:9/pms', credentials: { token: 't' }, roomTypes: { DBL: 'DZ' }, ratePlans: { BAR: 'STD' } },
      ],
    });
    await seedProperty(t.db, { ...base, code: 'RPR2', pricing: { rules: [{ name: 'Weekend', kind: 'weekday', when: { days: ['fri', 'sat'] }, factor: '1.1' }] } });
    await t.db('channel_dirty_ranges').delete(); // the imports' own marks
  });
  afterAll(() => t.drop());

  const dirty = async () =>
    (
      await t.db.raw<{ rows: Array<{ property: string; channel: string; roomType: string; from: string; to: string }> }>(
        `SELECT p.code AS property, c.code AS channel, rt.code AS "roomType", d.from_date::text AS from, d.to_date::text AS to
         FROM channel_dirty_ranges d JOIN channels c ON c.id = d.channel_id JOIN properties p ON p.id = c.property_id JOIN room_types rt ON rt.id = d.room_type_id
         ORDER BY p.code, c.code, d.from_date`,
      )
    ).rows;

  it('marks, on every channel that carries rates, exactly the nights whose days before arrival crossed a bound overnight', async () => {
    // 00:05 in Amsterdam on 2027-03-10: 03-12 is now 2 days out (last minute), 04-08 now 29 (no longer early).
    const result = await repriceBookingWindows({ db: t.db, logger: silentLogger }, 'RPR1', new Date('2027-03-09T23:05:00Z'));
    expect(result).toEqual({
      property: 'RPR1',
      yesterday: '2027-03-09',
      today: '2027-03-10',
      ranges: [
        { from: '2027-03-12', to: '2027-03-12' },
        { from: '2027-04-08', to: '2027-04-08' },
      ],
      channels: 2,
    });
    expect(await dirty()).toEqual([
      { property: 'RPR1', channel: 'otax', roomType: 'DBL', from: '2027-03-12', to: '2027-03-12' },
      { property: 'RPR1', channel: 'otax', roomType: 'DBL', from: '2027-04-08', to: '2027-04-08' },
      { property: 'RPR1', channel: 'web', roomType: 'DBL', from: '2027-03-12', to: '2027-03-12' },
      { property: 'RPR1', channel: 'web', roomType: 'DBL', from: '2027-04-08', to: '2027-04-08' },
    ]);

    // A property without booking-window rules has nothing to re-mark and is not scheduled.
    expect((await repriceBookingWindows({ db: t.db, logger: silentLogger }, 'RPR2', new Date('2027-03-09T23:05:00Z'))).ranges).toEqual([]);
    expect(await propertiesWithBookingWindows(t.db)).toEqual([{ code: 'RPR1', timezone: 'Europe/Amsterdam' }]);
  });

  it('runs on its cron in the property’s time zone from the worker’s schedule, a timer without Redis, also with the reconciliation off', async () => {
    await t.db('channel_dirty_ranges').delete();
    const today = todayIn('Europe/Amsterdam');
    // Six fields: every second, so the test need not wait for midnight.
    const schedule = startReconcileSchedule({ db: t.db, logger: silentLogger }, { cron: 'off', reprice: { cron: '* * * * * *' }, tickMs: 100 });
    try {
      const rows = await waitFor(dirty, (r) => r.length >= 4, 15_000, 100);
      const expected = nightsRepricedBetween(WINDOWS as Parameters<typeof nightsRepricedBetween>[0], addDays(today, -1), today);
      expect(new Set(rows.map((r) => `${r.property}|${r.from}|${r.to}`))).toEqual(new Set(expected.map((r) => `RPR1|${r.from}|${r.to}`)));
    } finally {
      await schedule.stop();
    }
  });
});
