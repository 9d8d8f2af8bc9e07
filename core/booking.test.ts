import { directBookingPricer, priceStay, roomStaySchema, type StayRateCell } from './booking';
import { addDays } from './dates';
import { parsePropertyDocument } from './property-document';

const TODAY = '2027-05-01';

const property = (occupancy?: unknown, markup?: string) =>
  parsePropertyDocument({
    code: 'OCC1',
    name: 'Occupancy Inn',
    timezone: 'Europe/Amsterdam',
    currency: 'EUR',
    roomTypes: [{ code: 'FAM', rooms: 4, maxOccupancy: 4 }],
    ratePlans: [{ code: 'BAR', ...(occupancy !== undefined ? { occupancy } : {}) }],
    channels: [{ code: 'web', type: 'direct', roomTypes: { FAM: 'fam' }, ratePlans: { BAR: 'bar' }, ...(markup ? { markup: { percent: markup } } : {}) }],
  });

const cells = (from: string, nights: number, rate: string, rateByGuests: Record<string, string> | null = null): Map<string, StayRateCell> =>
  new Map(
    Array.from({ length: nights + 1 }, (_, i) => addDays(from, i)).map((date) => [
      date,
      { date, rate, rateByGuests, minStay: null, maxStay: null, closedToArrival: false, closedToDeparture: false, stopSell: false, occupancy: { sold: 0, total: 4 } },
    ]),
  );

const stay = (adults: number, children = 0, rooms = 1) => roomStaySchema.parse({ roomType: 'FAM', ratePlan: 'BAR', checkIn: '2027-06-01', checkOut: '2027-06-03', rooms, adults, children });

const FAMILY = { base: 2, offsets: { '1': { amount: '-20.00' }, '3': { amount: '25.00' } }, extraAdult: '30.00', extraChild: '15.00' };

describe('priceStay with occupancy prices', () => {
  it.each([
    ['1 adult: the 1-guest price', 1, 0, '218.00'],
    ['2 adults: the rate', 2, 0, '258.00'],
    ['3 adults: the 3-guest price', 3, 0, '308.00'],
    ['4 adults: the rate + 2 × extraAdult (no offset for 4)', 4, 0, '378.00'],
    ['2 adults + 1 child: the rate + the child amount', 2, 1, '288.00'],
    ['1 adult + 1 child fill the double: the rate', 1, 1, '258.00'],
    ['3 adults + 1 child: the 3-guest price + the child amount', 3, 1, '338.00'],
  ])('%s', (_name, adults, children, total) => {
    const p = property(FAMILY);
    expect(priceStay(stay(adults, children), cells('2027-06-01', 2, '129.00'), 2, '/roomStays/0', directBookingPricer(p, TODAY))).toEqual({ total, errors: [] });
  });

  it('charges per-guest prices the PMS pushed, times the rooms, with the direct channel markup', () => {
    const p = property(undefined, '10');
    const priced = priceStay(stay(3, 0, 2), cells('2027-06-01', 2, '129.00', { '3': '149.00' }), 2, '/roomStays/0', directBookingPricer(p, TODAY));
    // 149.00 + 10 % = 163.90 a night, 2 nights, 2 rooms.
    expect(priced).toEqual({ total: '655.60', errors: [] });
  });

  it('a stay that does not say how many adults pays the rate (the base occupancy), not the 1-guest price', () => {
    const unsaid = roomStaySchema.parse({ roomType: 'FAM', ratePlan: 'BAR', checkIn: '2027-06-01', checkOut: '2027-06-03' });
    expect(unsaid.adults).toBeUndefined();
    expect(priceStay(unsaid, cells('2027-06-01', 2, '129.00'), 2, '/roomStays/0', directBookingPricer(property(FAMILY), TODAY))).toEqual({ total: '258.00', errors: [] });
  });

  it('without occupancy prices every party pays the room price, as before', () => {
    const priced = priceStay(stay(3, 1), cells('2027-06-01', 2, '129.00'), 2, '/roomStays/0', directBookingPricer(property(), TODAY));
    expect(priced).toEqual({ total: '258.00', errors: [] });
  });

  it('refuses a party whose price would be negative, naming the stay', () => {
    const priced = priceStay(stay(1), cells('2027-06-01', 2, '15.00'), 2, '/roomStays/0', directBookingPricer(property(FAMILY), TODAY));
    expect(priced.errors).toEqual([{ pointer: '/roomStays/0/adults', detail: 'BAR has no price for 1 guests on 2027-06-01' }]);
  });
});
