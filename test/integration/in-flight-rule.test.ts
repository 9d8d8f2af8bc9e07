import { SoldOutError } from '../../core/errors';
import { readLedgerView } from '../../db/ledger-view-repo';
import { applyAriBatch } from '../../services/ari-service';
import { acknowledgeByPms, releaseStay, reserveStay } from '../../services/reservation-service';
import { seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';
import type { StoredProperty } from '../../db/properties-repo';

/**
 * The contract's in-flight rule: a PMS pushing `available` counts only the bookings it has
 * acknowledged, so the hub subtracts the ones still in flight. A booking must never be sold twice
 * (PMS push arrives before it learned of the booking) and never lost (PMS learned, then pushed).
 */
describe('in-flight bookings and PMS `available` pushes', () => {
  let t: TestDatabase;
  let stored: StoredProperty;
  const night = '2027-04-10';
  const push = (available: number) => applyAriBatch(t.db, 'INFL', { updates: [{ roomType: 'DBL', from: night, to: night, available }] });
  const book = (ref: string) =>
    reserveStay(t.db, 'INFL', { source: 'otax', externalRef: ref, stays: [{ roomType: 'DBL', checkIn: night, checkOut: '2027-04-11', rooms: 1 }] });
  const cell = async () => {
    const [day] = await readLedgerView(t.db, stored, { from: night, to: night, roomType: 'DBL' });
    return day?.roomTypes[0] as { available: number; sold: number; inFlight: number; pmsAvailable: number | null };
  };

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 30 });
    stored = await seedProperty(t.db, {
      code: 'INFL',
      name: 'In flight',
      timezone: 'Europe/Amsterdam',
      currency: 'EUR',
      roomTypes: [{ code: 'DBL', rooms: 20 }],
      ratePlans: [{ code: 'BAR' }],
    });
  });
  afterAll(() => t.drop());

  it('follows a booking from hub to PMS acknowledgement without double-selling or losing it', async () => {
    await push(5);
    expect(await cell()).toMatchObject({ available: 5, sold: 0, inFlight: 0 });

    const booking = await book('A');
    expect(await cell()).toMatchObject({ available: 4, sold: 1, inFlight: 1 });

    // The PMS pushes again before it has seen booking A: its 5 does not include A.
    await push(5);
    expect(await cell()).toMatchObject({ available: 4, inFlight: 1, pmsAvailable: 5 });

    // The PMS records A. Its last push still excludes A, so nothing changes until it pushes again.
    await acknowledgeByPms(t.db, 'INFL', booking.id);
    expect(await cell()).toMatchObject({ available: 4, inFlight: 1 });

    // Its next push includes A: 4 means 4, and A is no longer in flight.
    await push(4);
    expect(await cell()).toMatchObject({ available: 4, sold: 1, inFlight: 0, pmsAvailable: 4 });

    // A cancellation of a booking the PMS already counted frees the room only when the PMS says so.
    await releaseStay(t.db, 'INFL', booking.id);
    expect(await cell()).toMatchObject({ available: 4, sold: 0, inFlight: 0 });
    await push(5);
    expect(await cell()).toMatchObject({ available: 5 });
  });

  it('cancelling a booking still in flight gives its room straight back', async () => {
    await push(3);
    const booking = await book('B');
    expect(await cell()).toMatchObject({ available: 2, inFlight: 1 });
    await releaseStay(t.db, 'INFL', booking.id);
    expect(await cell()).toMatchObject({ available: 3, inFlight: 0, sold: 0 });
  });

  it('races 60 bookings against 30 stale PMS pushes: never more sold than the PMS had, none lost', async () => {
    await push(8);
    const before = await cell();
    const pushes = Array.from({ length: 30 }, () => push(8));
    const bookings = Array.from({ length: 60 }, (_, i) => book(`race-${i}`));
    const settled = await Promise.allSettled([...pushes, ...bookings]);
    const unexpected = settled
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => r.reason as Error)
      .filter((e) => !(e instanceof SoldOutError));
    expect(unexpected).toEqual([]);
    const confirmed = settled.slice(30).filter((r) => r.status === 'fulfilled').length;
    // The PMS never learned of these bookings, so it kept saying 8: exactly 8 can be sold.
    expect(confirmed).toBe(8);
    const after = await cell();
    expect(after).toMatchObject({ available: 0, inFlight: 8, sold: before.sold + 8 });

    // The PMS acknowledges all of them and pushes its own count (8 − 8 = 0): nothing is lost or freed.
    const ids = await t.db('reservations').where('external_ref', 'like', 'race-%').pluck<string[]>('id');
    await Promise.all(ids.map((id) => acknowledgeByPms(t.db, 'INFL', id)));
    await push(0);
    expect(await cell()).toMatchObject({ available: 0, inFlight: 0, sold: before.sold + 8 });
  });
});
