import fc from 'fast-check';
import { baseGuests, chargedParty, ledgerPricesByGuests, occupancyOf } from './occupancy';
import { formatScaled, toScaled } from './money';
import type { OccupancyPricing } from './property';
import { parsePropertyDocument } from './property-document';

const FAMILY: OccupancyPricing = {
  base: 2,
  offsets: { '1': { amount: '-20.00' }, '3': { amount: '25.00' }, '4': { percent: '30' } },
};

describe('ledgerPricesByGuests', () => {
  it('derives every count from the base-occupancy rate by its offset', () => {
    expect(ledgerPricesByGuests({ amount: '129.00', occupancy: FAMILY, maxOccupancy: 4, decimals: 2 })).toEqual({
      1: '109.00',
      2: '129.00',
      3: '154.00',
      4: '167.70',
    });
  });

  it('adds extraAdult per guest above the base where no offset says otherwise; fewer guests pay the rate', () => {
    const occupancy: OccupancyPricing = { base: 2, offsets: { '4': { amount: '50' } }, extraAdult: '30.00' };
    expect(ledgerPricesByGuests({ amount: '100.00', occupancy, maxOccupancy: 5, decimals: 2 })).toEqual({
      1: '100.00',
      2: '100.00',
      3: '130.00',
      4: '150.00',
      5: '190.00',
    });
  });

  it('takes the prices the PMS pushed and derives only the others', () => {
    expect(ledgerPricesByGuests({ amount: '129.00', pushed: { '1': '99', '3': '149.00' }, occupancy: FAMILY, maxOccupancy: 4, decimals: 2 })).toEqual({
      1: '99.00',
      2: '129.00',
      3: '149.00',
      4: '167.70',
    });
  });

  it('without occupancy settings every count pays the rate, up to the room type maximum', () => {
    expect(ledgerPricesByGuests({ amount: '12900', occupancy: undefined, maxOccupancy: 3, decimals: 0 })).toEqual({ 1: '12900', 2: '12900', 3: '12900' });
  });

  it('returns a negative derived price as it is, for the caller to refuse', () => {
    expect(ledgerPricesByGuests({ amount: '15.00', occupancy: FAMILY, maxOccupancy: 2, decimals: 2 })[1]).toBe('-5.00');
  });

  it('the base occupancy price is always the rate, and every amount has the currency decimals', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.dictionary(fc.constantFrom('1', '2', '3', '4', '5', '6'), fc.oneof(fc.integer({ min: -5000, max: 5000 }).map((c) => ({ amount: formatScaled(BigInt(c) * 1_000_000n, 2) })), fc.integer({ min: -99, max: 200 }).map((p) => ({ percent: String(p) })))),
        fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined }),
        fc.constantFrom(0, 2, 3),
        (minor, base, max, offsets, extra, decimals) => {
          const amount = formatScaled(BigInt(minor) * 10n ** BigInt(8 - decimals), decimals);
          const { [String(base)]: _skip, ...others } = offsets;
          const occupancy: OccupancyPricing = { base, offsets: others, ...(extra !== undefined ? { extraAdult: String(extra) } : {}) };
          const maxOccupancy = Math.max(base, max);
          const prices = ledgerPricesByGuests({ amount, occupancy, maxOccupancy, decimals });
          expect(Object.keys(prices).map(Number)).toEqual(Array.from({ length: maxOccupancy }, (_, i) => i + 1));
          expect(prices[baseGuests(occupancy, maxOccupancy)]).toBe(amount);
          for (const price of Object.values(prices)) {
            const frac = price.split('.')[1] ?? '';
            expect(frac.length).toBe(decimals);
            expect(formatScaled(toScaled(price), decimals)).toBe(price);
          }
        },
      ),
    );
  });
});

describe('chargedParty', () => {
  const withChild: OccupancyPricing = { base: 2, offsets: {}, extraChild: '15.00' };
  it.each([
    ['3 adults: the 3-guest price', 3, 0, withChild, { guests: 3, extraChildren: 0 }],
    ['2 adults + 1 child: the double price and one child supplement', 2, 1, withChild, { guests: 2, extraChildren: 1 }],
    ['1 adult + 1 child fill the double', 1, 1, withChild, { guests: 2, extraChildren: 0 }],
    ['1 adult + 3 children: one child fills the base, two pay the supplement', 1, 3, withChild, { guests: 2, extraChildren: 2 }],
    ['3 adults + 1 child: the 3-guest price and one supplement', 3, 1, withChild, { guests: 3, extraChildren: 1 }],
    ['no child amount: children are guests', 2, 2, { base: 2, offsets: {} }, { guests: 4, extraChildren: 0 }],
    ['no occupancy settings: children are guests', 2, 1, undefined, { guests: 3, extraChildren: 0 }],
  ])('%s', (_name, adults, children, occupancy, expected) => {
    expect(chargedParty(adults, children, occupancy, 4)).toEqual(expected);
  });
});

describe('occupancy settings in the property document', () => {
  const doc = (ratePlans: unknown[], roomTypes: unknown[] = [{ code: 'DBL', rooms: 10, maxOccupancy: 2 }, { code: 'FAM', rooms: 4, maxOccupancy: 4 }]) => ({
    code: 'OCC1',
    name: 'Occupancy Inn',
    timezone: 'Europe/Amsterdam',
    currency: 'EUR',
    roomTypes,
    ratePlans,
  });
  const pointers = (input: unknown): Array<[string, string]> => {
    try {
      parsePropertyDocument(input);
      return [];
    } catch (error) {
      return (error as { errors: Array<{ pointer: string; detail: string }> }).errors.map((e) => [e.pointer, e.detail]);
    }
  };

  it('parses offsets, extras and inheritance by derived plans', () => {
    const property = parsePropertyDocument(
      doc([
        { code: 'BAR', occupancy: { base: 2, offsets: { '1': { amount: '-20.00' }, '3': { percent: 15 } }, extraAdult: '30.00', extraChild: 15 } },
        { code: 'NRF', derivedFrom: 'BAR', adjust: { percent: -10 } },
        { code: 'RO', occupancy: { base: 1 }, roomTypes: ['DBL'] },
      ]),
    );
    expect(property.ratePlans[0]?.occupancy).toEqual({ base: 2, offsets: { '1': { amount: '-20.00' }, '3': { percent: '15' } }, extraAdult: '30.00', extraChild: '15' });
    expect(property.ratePlans[1]?.occupancy).toBeUndefined();
    expect(occupancyOf(property, 'NRF')).toBe(property.ratePlans[0]?.occupancy);
    expect(occupancyOf(property, 'RO')).toEqual({ base: 1, offsets: {} });
  });

  it('refuses what cannot be priced, with a pointer to each field', () => {
    expect(
      pointers(
        doc([
          { code: 'BAR', occupancy: { base: 3, offsets: { '0': { amount: '1' }, '5': { amount: '1' }, '3': { amount: '1' }, x: { amount: '1' }, '2': { percent: '-100' }, '4': { amount: '1.005' } }, extraAdult: '-1', extraChild: '1.001' } },
          { code: 'NRF', derivedFrom: 'BAR', adjust: { percent: -10 }, occupancy: { base: 1 }, roomTypes: ['FAM'] },
        ]),
      ),
    ).toEqual([
      ['/ratePlans/0/occupancy/base', 'room type DBL of this plan sleeps at most 2'],
      ['/ratePlans/0/occupancy/offsets/0', 'must be a number of guests from 1 to 4, the most any room type of this plan sleeps'],
      ['/ratePlans/0/occupancy/offsets/2/percent', 'must be above -100: the price for a number of guests is never zero or below'],
      ['/ratePlans/0/occupancy/offsets/3', '3 is the base occupancy, whose price is the rate itself'],
      ['/ratePlans/0/occupancy/offsets/4/amount', 'EUR has 2 decimals'],
      ['/ratePlans/0/occupancy/offsets/5', 'must be a number of guests from 1 to 4, the most any room type of this plan sleeps'],
      ['/ratePlans/0/occupancy/offsets/x', 'must be a number of guests from 1 to 4, the most any room type of this plan sleeps'],
      ['/ratePlans/0/occupancy/extraAdult', 'must not be negative'],
      ['/ratePlans/0/occupancy/extraChild', 'EUR has 2 decimals'],
      ['/ratePlans/1/occupancy/base', "must be 3, as for BAR: a derived plan's rate is its parent's adjusted, so the price for the same number of guests"],
    ]);
  });

  it('a derived plan selling smaller rooms than its inherited base is refused at its room types', () => {
    expect(
      pointers(
        doc([
          { code: 'BAR', roomTypes: ['FAM'], occupancy: { base: 3 } },
          { code: 'NRF', derivedFrom: 'BAR', adjust: { percent: -10 }, roomTypes: ['DBL'] },
        ]),
      ),
    ).toEqual([['/ratePlans/1/roomTypes', 'inherits occupancy base 3 from BAR, but room type DBL sleeps at most 2']]);
  });
});
