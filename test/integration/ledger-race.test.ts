import { addDays } from '../../core/dates';
import { SoldOutError } from '../../core/errors';
import { applyAriBatch } from '../../services/ari-service';
import { reserveStay } from '../../services/reservation-service';
import { seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

/** Races many clients against real Postgres: the ledger must never oversell, deadlock or lose a write. */
describe('ledger under concurrency', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 40 });
    await seedProperty(t.db, {
      code: 'RACE',
      name: 'Race Hotel',
      timezone: 'Europe/Amsterdam',
      currency: 'EUR',
      roomTypes: [
        { code: 'DBL', rooms: 30 },
        { code: 'TWN', rooms: 30 },
        { code: 'STE', rooms: 30 },
      ],
      ratePlans: [
        { code: 'BAR', roomTypes: ['DBL', 'TWN', 'STE'] },
        { code: 'NRF', derivedFrom: 'BAR', adjust: { percent: -10 } },
      ],
    });
  });
  afterAll(() => t.drop());

  it('200 concurrent 3-night reservations for 10 rooms: exactly 10 succeed, no deadlock', async () => {
    await applyAriBatch(t.db, 'RACE', { updates: [{ roomType: 'DBL', from: '2027-05-01', to: '2027-05-03', available: 10 }] });
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        reserveStay(t.db, 'RACE', {
          source: 'race',
          externalRef: `R${i}`,
          stays: [{ roomType: 'DBL', checkIn: '2027-05-01', checkOut: '2027-05-04', rooms: 1 }],
        }),
      ),
    );
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
    expect(failures.filter((e) => !(e instanceof SoldOutError))).toEqual([]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    const cells = await t.db('inventory_cells').whereBetween('stay_date', ['2027-05-01', '2027-05-03']).orderBy('stay_date');
    expect(cells.map((c: { sold: number; available: number }) => [c.sold, c.available])).toEqual([
      [10, 0],
      [10, 0],
      [10, 0],
    ]);
    const nights = await t.db('reservation_nights').sum<{ sum: string }[]>('rooms as sum');
    expect(Number(nights[0]?.sum)).toBe(30);
  });

  it('multi-room-type stays requested in opposite orders queue instead of deadlocking', async () => {
    const from = '2027-06-01';
    await applyAriBatch(t.db, 'RACE', {
      updates: ['DBL', 'TWN', 'STE'].map((roomType) => ({ roomType, from, to: addDays(from, 6), available: 12 })),
    });
    const orders = [
      ['DBL', 'TWN', 'STE'],
      ['STE', 'TWN', 'DBL'],
      ['TWN', 'STE', 'DBL'],
    ];
    const results = await Promise.allSettled(
      Array.from({ length: 90 }, (_, i) => {
        const order = orders[i % 3] as string[];
        const offset = i % 4;
        return reserveStay(t.db, 'RACE', {
          source: 'race',
          externalRef: `M${i}`,
          stays: order.map((roomType) => ({ roomType, checkIn: addDays(from, offset), checkOut: addDays(from, offset + 3), rooms: 1 })),
        });
      }),
    );
    const unexpected = results
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => r.reason as Error)
      .filter((e) => !(e instanceof SoldOutError));
    expect(unexpected).toEqual([]);
    // Invariant: every night's sold equals the rooms of the reservations holding it, and never exceeds 12.
    const { rows } = await t.db.raw<{ rows: { sold: number; booked: number }[] }>(`
      SELECT c.sold, COALESCE(SUM(n.rooms), 0)::int AS booked
      FROM inventory_cells c
      LEFT JOIN reservation_nights n ON n.room_type_id = c.room_type_id AND n.stay_date = c.stay_date
      WHERE c.stay_date BETWEEN '2027-06-01' AND '2027-06-07'
      GROUP BY c.property_id, c.room_type_id, c.stay_date, c.sold`);
    expect(rows.length).toBe(21);
    for (const row of rows) {
      expect(row.sold).toBe(row.booked);
      expect(row.sold).toBeLessThanOrEqual(12);
    }
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThan(0);
  });

  it('bookings and ARI pushes creating the same new nights in opposite orders never deadlock', async () => {
    // Nights nobody has written yet: the rows are created by the racing transactions themselves.
    const from = '2028-01-01';
    const roomTypes = ['DBL', 'TWN', 'STE'];
    const work = Array.from({ length: 48 }, (_, i) => {
      const order = i % 2 === 0 ? roomTypes : [...roomTypes].reverse();
      if (i % 8 === 7) {
        return applyAriBatch(t.db, 'RACE', {
          updates: order.map((roomType) => ({ roomType, from, to: addDays(from, 40), total: 30 })).reverse(),
        });
      }
      return reserveStay(t.db, 'RACE', {
        source: 'race',
        externalRef: `fresh-${i}`,
        stays: order.map((roomType) => ({ roomType, checkIn: addDays(from, i % 5), checkOut: addDays(from, 30 + (i % 5)), rooms: 1 })),
      });
    });
    const failures = (await Promise.allSettled(work))
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((f) => f.reason as Error)
      .filter((e) => !(e instanceof SoldOutError));
    expect(failures.map((e) => e.message.slice(0, 200))).toEqual([]);
  });

  it('50 concurrent overlapping ARI batches: last committed wins per cell, versions only go up', async () => {
    const from = '2027-08-01';
    const batches = Array.from({ length: 50 }, (_, i) => {
      const start = addDays(from, (i * 7) % 20);
      const end = addDays(start, 5 + (i % 9));
      return {
        i,
        start,
        end,
        body: {
          updates: [
            { roomType: 'TWN', from: start, to: end, available: i % 25 },
            { roomType: 'TWN', ratePlan: 'BAR', from: start, to: end, rate: `${100 + i}.00`, minStay: 1 + (i % 3) },
          ],
        },
      };
    });

    // A reader samples one cell's version throughout the race: it must never see it go down.
    let racing = true;
    const samples: number[] = [];
    const sampler = (async () => {
      while (racing) {
        const row = await t.db('rate_cells as r')
          .join('rate_plans as p', 'p.id', 'r.rate_plan_id')
          .join('room_types as rt', 'rt.id', 'r.room_type_id')
          .where({ 'p.code': 'BAR', 'rt.code': 'TWN', 'r.stay_date': addDays(from, 12) })
          .first<{ version: number } | undefined>('r.version');
        if (row) samples.push(row.version);
      }
    })();
    const results = await Promise.all(batches.map((b) => applyAriBatch(t.db, 'RACE', b.body)));
    racing = false;
    await sampler;

    const versions = results.map((r) => r.version);
    expect(new Set(versions).size).toBe(50);
    for (let k = 1; k < samples.length; k++) expect(samples[k]).toBeGreaterThanOrEqual(samples[k - 1] as number);

    // Batches of one property commit in the order of their version: the highest version covering a cell wins.
    const byVersion = batches.map((b, k) => ({ ...b, version: versions[k] as number })).sort((a, b) => a.version - b.version);
    const expected = new Map<string, { available: number; rate: string; minStay: number; writes: number }>();
    for (const b of byVersion) {
      for (let d = b.start; d <= b.end; d = addDays(d, 1)) {
        const prev = expected.get(d);
        expected.set(d, { available: b.i % 25, rate: `${100 + b.i}.0000`, minStay: 1 + (b.i % 3), writes: (prev?.writes ?? 0) + 1 });
      }
    }
    const inventory = await t.db('inventory_cells as c')
      .join('room_types as rt', 'rt.id', 'c.room_type_id')
      .where('rt.code', 'TWN')
      .whereBetween('c.stay_date', [from, addDays(from, 40)])
      .select<{ stay_date: string; pms_available: number; version: number }[]>('c.stay_date', 'c.pms_available', 'c.version');
    const rates = await t.db('rate_cells as r')
      .join('rate_plans as p', 'p.id', 'r.rate_plan_id')
      .join('room_types as rt', 'rt.id', 'r.room_type_id')
      .where({ 'p.code': 'BAR', 'rt.code': 'TWN' })
      .whereBetween('r.stay_date', [from, addDays(from, 40)])
      .select<{ stay_date: string; amount: string; min_stay: number }[]>('r.stay_date', 'r.amount', 'r.min_stay');
    expect(inventory.length).toBe(expected.size);
    for (const cell of inventory) {
      const e = expected.get(cell.stay_date);
      expect({ date: cell.stay_date, available: cell.pms_available }).toEqual({ date: cell.stay_date, available: e?.available });
      // Created at version 1, then one increment per batch that wrote it: no write was lost.
      expect(cell.version).toBe(1 + (e?.writes ?? 0));
    }
    for (const cell of rates) {
      const e = expected.get(cell.stay_date);
      expect([cell.stay_date, cell.amount, cell.min_stay]).toEqual([cell.stay_date, e?.rate, e?.minStay]);
    }
    // Derived plan moved with its parent in the same transactions.
    const nrf = await t.db('rate_cells as r')
      .join('rate_plans as p', 'p.id', 'r.rate_plan_id')
      .where({ 'p.code': 'NRF' })
      .whereBetween('r.stay_date', [from, addDays(from, 40)])
      .select<{ stay_date: string; amount: string }[]>('r.stay_date', 'r.amount');
    for (const cell of nrf) {
      const parent = Number(expected.get(cell.stay_date)?.rate);
      expect(Number(cell.amount)).toBeCloseTo(Math.round(parent * 90) / 100, 2);
    }
  });
});
