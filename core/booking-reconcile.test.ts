import fc from 'fast-check';
import { findBookingDrift, sameTotal, type ReconciledBooking } from './booking-reconcile';

const RANGE = { from: '2027-04-01', to: '2027-04-30' };

function booking(id: string, over: Partial<ReconciledBooking> = {}): ReconciledBooking {
  return {
    channelBookingId: id,
    status: 'confirmed',
    stays: [{ roomType: 'DBL', ratePlan: 'BAR', checkIn: '2027-04-10', checkOut: '2027-04-12', rooms: 1 }],
    total: { amount: '258.00', currency: 'EUR' },
    ...over,
  };
}

describe('findBookingDrift', () => {
  it('finds nothing when both sides agree (amounts compared as amounts)', () => {
    const ours = [booking('A', { bookingId: 'uuid-a', total: { amount: '258.0000', currency: 'EUR' } }), booking('B', { status: 'cancelled' })];
    const theirs = [booking('A'), booking('B', { status: 'cancelled', stays: [] })];
    expect(findBookingDrift(ours, theirs, RANGE)).toEqual([]);
  });

  it('names a booking only the channel has, and one only Tidewater has', () => {
    const findings = findBookingDrift([booking('T', { bookingId: 'uuid-t', revision: '3' })], [booking('C', { revision: '2027-01-01T00:00:00.000Z' })], RANGE);
    expect(findings).toEqual([
      {
        issue: 'missing-in-tidewater',
        channelBookingId: 'C',
        bookingId: null,
        field: 'booking',
        tidewater: null,
        channel: 'confirmed DBL×1 2027-04-10→2027-04-12, 258.00 EUR',
        checkIn: '2027-04-10',
        roomType: 'DBL',
        channelRevision: '2027-01-01T00:00:00.000Z',
      },
      {
        issue: 'missing-on-channel',
        channelBookingId: 'T',
        bookingId: 'uuid-t',
        field: 'booking',
        tidewater: 'confirmed DBL×1 2027-04-10→2027-04-12, 258.00 EUR',
        channel: null,
        checkIn: '2027-04-10',
        roomType: 'DBL',
        tidewaterRevision: '3',
      },
    ]);
  });

  it('ignores one-sided bookings outside the range and cancelled ones (no room, no money)', () => {
    const outside = { stays: [{ roomType: 'DBL', checkIn: '2027-03-29', checkOut: '2027-04-01', rooms: 1 }] };
    const touching = { stays: [{ roomType: 'DBL', checkIn: '2027-03-31', checkOut: '2027-04-02', rooms: 1 }] };
    const lastNight = { stays: [{ roomType: 'DBL', checkIn: '2027-04-30', checkOut: '2027-05-03', rooms: 1 }] };
    const findings = findBookingDrift(
      [booking('OUT', outside), booking('X', { status: 'cancelled' })],
      [booking('IN', touching), booking('LAST', lastNight), booking('Y', { status: 'cancelled' })],
      RANGE,
    );
    expect(findings.map((f) => [f.issue, f.channelBookingId])).toEqual([
      ['missing-in-tidewater', 'IN'],
      ['missing-in-tidewater', 'LAST'],
    ]);
  });

  it('compares each field once, with both values', () => {
    const ours = booking('A', { bookingId: 'uuid-a' });
    const cases: Array<[Partial<ReconciledBooking>, string, string, string]> = [
      [{ stays: [{ roomType: 'DBL', checkIn: '2027-04-09', checkOut: '2027-04-12', rooms: 1 }] }, 'checkIn', '2027-04-10', '2027-04-09'],
      [{ stays: [{ roomType: 'DBL', checkIn: '2027-04-10', checkOut: '2027-04-13', rooms: 1 }] }, 'checkOut', '2027-04-12', '2027-04-13'],
      [{ stays: [{ roomType: 'unmapped:9999', checkIn: '2027-04-10', checkOut: '2027-04-12', rooms: 1 }] }, 'roomType', 'DBL', 'unmapped:9999'],
      [{ stays: [{ roomType: 'DBL', checkIn: '2027-04-10', checkOut: '2027-04-12', rooms: 2 }] }, 'rooms', '1', '2'],
      [{ total: { amount: '300', currency: 'EUR' } }, 'total', '258.00 EUR', '300.00 EUR'],
      [{ total: { amount: '258.00', currency: 'USD' } }, 'total', '258.00 EUR', '258.00 USD'],
      [{ status: 'cancelled' }, 'status', 'confirmed', 'cancelled'],
    ];
    for (const [change, field, tidewater, channel] of cases) {
      expect(findBookingDrift([ours], [booking('A', change)], RANGE)).toEqual([
        expect.objectContaining({ issue: 'differs', channelBookingId: 'A', bookingId: 'uuid-a', field, tidewater, channel, checkIn: '2027-04-10', roomType: 'DBL' }),
      ]);
    }
  });

  it('a missing total on one side is a difference', () => {
    expect(findBookingDrift([booking('A')], [booking('A', { total: null })], RANGE)).toEqual([expect.objectContaining({ field: 'total', tidewater: '258.00 EUR', channel: null })]);
  });

  it('multi-room bookings compare stay by stay, in the order sent', () => {
    const two = (rooms: number) => ({
      stays: [
        { roomType: 'DBL', checkIn: '2027-04-10', checkOut: '2027-04-12', rooms: 1 },
        { roomType: 'TWN', checkIn: '2027-04-10', checkOut: '2027-04-12', rooms },
      ],
    });
    expect(findBookingDrift([booking('M', two(1))], [booking('M', two(1))], RANGE)).toEqual([]);
    expect(findBookingDrift([booking('M', two(1))], [booking('M', two(3))], RANGE)).toEqual([expect.objectContaining({ field: 'rooms', tidewater: '1 + 1', channel: '1 + 3' })]);
  });

  it('finds exactly the changed bookings among many (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 60 }), (changes) => {
        const ours = changes.map((_, i) => booking(`B${i}`, { stays: [{ roomType: 'DBL', checkIn: '2027-04-05', checkOut: '2027-04-07', rooms: 1 }] }));
        const theirs = changes.flatMap((change, i) => {
          const b = ours[i] as ReconciledBooking;
          if (change === 1) return [];
          if (change === 2) return [{ ...b, status: 'cancelled' as const }];
          if (change === 3) return [{ ...b, total: { amount: '1.00', currency: 'EUR' } }];
          return [b];
        });
        const found = findBookingDrift(ours, theirs, RANGE).map((f) => f.channelBookingId);
        expect(found.sort()).toEqual(changes.flatMap((c, i) => (c === 0 ? [] : [`B${i}`])).sort());
      }),
    );
  });
});

describe('sameTotal', () => {
  it.each([
    [{ amount: '10', currency: 'EUR' }, { amount: '10.00', currency: 'EUR' }, true],
    [{ amount: '10.01', currency: 'EUR' }, { amount: '10.00', currency: 'EUR' }, false],
    [null, null, true],
    [null, { amount: '0', currency: 'EUR' }, false],
  ] as const)('%j = %j: %s', (a, b, expected) => expect(sameTotal(a, b)).toBe(expected));
});
