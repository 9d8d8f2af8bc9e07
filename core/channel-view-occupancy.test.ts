import fc from 'fast-check';
import { channelViewOf, diffChannelView, type LedgerRateCell, type LedgerSlice } from './channel-view';
import { fxRatesOf } from './fx';
import { applyMarkup, convertAmount, decimalPlaces, formatScaled, toScaled } from './money';
import { baseGuests, ledgerPricesByGuests, occupancyOf } from './occupancy';
import { priceCell, type PricingRule, type PricingRules } from './pricing';
import { explainRate } from './rate-explain';
import type { ChannelConfig, Property } from './property';
import type { Weekday } from './dates';
import { parsePropertyDocument } from './property-document';

const DATE = '2027-05-07'; // a Friday
const TODAY = '2027-05-01';

const doc = (extra: { occupancy?: unknown; markup?: string; currency?: string } = {}) => ({
  code: 'OCC1',
  name: 'Occupancy Inn',
  timezone: 'Europe/Amsterdam',
  currency: 'EUR',
  roomTypes: [
    { code: 'DBL', rooms: 10, maxOccupancy: 2 },
    { code: 'FAM', rooms: 4, maxOccupancy: 4 },
  ],
  ratePlans: [
    { code: 'BAR', ...(extra.occupancy !== undefined ? { occupancy: extra.occupancy } : {}) },
    { code: 'NRF', derivedFrom: 'BAR', adjust: { percent: -10 } },
    { code: 'RO', roomTypes: ['DBL'] },
  ],
  channels: [
    {
      code: 'ota',
      type: 'ota-xml',
      roomTypes: { DBL: '1', FAM: '2' },
      ratePlans: { BAR: 'B', NRF: 'N', RO: 'R' },
      ...(extra.markup !== undefined ? { markup: { percent: extra.markup } } : {}),
      ...(extra.currency !== undefined ? { currency: extra.currency } : {}),
    },
    { code: 'web', type: 'direct', roomTypes: { DBL: 'd', FAM: 'f' }, ratePlans: { BAR: 'b' } },
  ],
});

const FAMILY = { base: 2, offsets: { '1': { amount: '-20.00' }, '3': { amount: '25.00' }, '4': { percent: '30' } }, extraAdult: '30.00', extraChild: '15.00' };

const cell = (roomType: string, ratePlan: string, amount: string | null, amountsByGuests?: Record<string, string>): LedgerRateCell => ({
  roomType,
  ratePlan,
  date: DATE,
  amount,
  minStay: null,
  maxStay: null,
  closedToArrival: false,
  closedToDeparture: false,
  stopSell: false,
  ...(amountsByGuests ? { amountsByGuests } : {}),
});

const slice = (rates: LedgerRateCell[]): LedgerSlice => ({
  inventory: ['DBL', 'FAM'].map((roomType) => ({ roomType, date: DATE, available: 4, sold: 0, total: 4 })),
  rates,
});

const channel = (property: Property, code: string) => property.channels.find((c) => c.code === code) as ChannelConfig;

describe('channelViewOf: occupancy prices', () => {
  it('prices every number of guests up to the room type maximum for channels that take them, the booking engine included', () => {
    const property = parsePropertyDocument(doc({ occupancy: FAMILY }));
    const ledger = slice([cell('FAM', 'BAR', '129.00'), cell('DBL', 'BAR', '99.00'), cell('FAM', 'NRF', '116.10'), cell('DBL', 'RO', '80.00')]);
    const ota = channelViewOf(property, channel(property, 'ota'), ledger, 0, TODAY);
    expect(ota.rates).toEqual([
      { ...cell('FAM', 'BAR', '129.00'), byGuests: { 1: '109.00', 2: '129.00', 3: '154.00', 4: '167.70' }, extraAdult: '30.00', extraChild: '15.00' },
      { ...cell('DBL', 'BAR', '99.00'), byGuests: { 1: '79.00', 2: '99.00' }, extraAdult: '30.00', extraChild: '15.00' },
      // NRF inherits BAR's occupancy settings and applies them to its own (derived) rate.
      { ...cell('FAM', 'NRF', '116.10'), byGuests: { 1: '96.10', 2: '116.10', 3: '141.10', 4: '150.93' }, extraAdult: '30.00', extraChild: '15.00' },
      // No occupancy settings, nothing pushed per guest: a room's price whoever stays, as before.
      cell('DBL', 'RO', '80.00'),
    ]);
    // The booking engine shows the searching party's price, which a direct booking is charged.
    const web = channelViewOf(property, channel(property, 'web'), ledger, 0, TODAY);
    expect(web.rates.map((c) => [c.amount, c.byGuests])).toEqual([
      ['129.00', { 1: '109.00', 2: '129.00', 3: '154.00', 4: '167.70' }],
      ['99.00', { 1: '79.00', 2: '99.00' }],
    ]);
  });

  it('takes the per-guest prices the PMS pushed, even on a plan without occupancy settings', () => {
    const property = parsePropertyDocument(doc());
    const ota = channelViewOf(property, channel(property, 'ota'), slice([cell('FAM', 'BAR', '129.00', { '1': '99.00', '3': '149.00' })]), 0, TODAY);
    expect(ota.rates[0]?.byGuests).toEqual({ 1: '99.00', 2: '129.00', 3: '149.00', 4: '129.00' });
  });

  it('runs per-guest prices through the pricing rules and the markup like the base price, supplements through the markup only', () => {
    const property = parsePropertyDocument({
      ...doc({ occupancy: FAMILY, markup: '10' }),
      pricing: { rounding: { mode: 'ending', ending: '.99' }, rules: [{ name: 'weekend', kind: 'weekday', when: { days: ['fri', 'sat'] }, factor: '1.2' }] },
    });
    const [fam] = channelViewOf(property, channel(property, 'ota'), slice([cell('FAM', 'BAR', '129.00')]), 0, TODAY).rates;
    // 129.00 × 1.2 = 154.80 → 154.99, + 10 % = 170.49; 109.00 × 1.2 = 130.80 → 130.99 → 144.09; 167.70 × 1.2 = 201.24 → 200.99 → 221.09.
    expect(fam?.amount).toBe('170.49');
    expect(fam?.byGuests).toEqual({ 1: '144.09', 2: '170.49', 3: '203.49', 4: '221.09' });
    expect([fam?.extraAdult, fam?.extraChild]).toEqual(['33.00', '16.50']);
  });

  it('leaves out a guest count whose price would be negative rather than sending it at zero', () => {
    const property = parsePropertyDocument(doc({ occupancy: { base: 2, offsets: { '1': { amount: '-50.00' } } } }));
    const [dbl] = channelViewOf(property, channel(property, 'ota'), slice([cell('DBL', 'BAR', '40.00')]), 0, TODAY).rates;
    expect(dbl?.byGuests).toEqual({ 2: '40.00' });
  });

  it('converts per-guest prices and supplements into the channel currency like the base price', () => {
    const property = parsePropertyDocument(doc({ occupancy: FAMILY, currency: 'GBP' }));
    const fx = fxRatesOf([{ from: 'EUR', to: 'GBP', validFrom: '2027-01-01', rate: '0.8563' }]);
    const [fam] = channelViewOf(property, channel(property, 'ota'), slice([cell('FAM', 'BAR', '129.00')]), 0, TODAY, fx).rates;
    const gbp = (eur: string) => convertAmount(eur, 'EUR', 'GBP', '0.8563', 2);
    expect(fam?.amount).toBe(gbp('129.00'));
    expect(fam?.byGuests).toEqual({ 1: gbp('109.00'), 2: gbp('129.00'), 3: gbp('154.00'), 4: gbp('167.70') });
    expect([fam?.extraAdult, fam?.extraChild]).toEqual([gbp('30.00'), gbp('15.00')]);
    // No rate for the night: no price at all, per guest neither.
    const [none] = channelViewOf(property, channel(property, 'ota'), slice([cell('FAM', 'BAR', '129.00')]), 0, TODAY, fxRatesOf([])).rates;
    expect(none).toEqual(cell('FAM', 'BAR', null));
  });

  it('a change of per-guest prices alone is a change to send', () => {
    const property = parsePropertyDocument(doc({ occupancy: FAMILY }));
    const before = channelViewOf(property, channel(property, 'ota'), slice([cell('FAM', 'BAR', '129.00')]), 0, TODAY);
    const after = channelViewOf(property, channel(property, 'ota'), slice([cell('FAM', 'BAR', '129.00', { '4': '180.00' })]), 0, TODAY);
    expect(diffChannelView(after, before).rates).toHaveLength(1);
    expect(diffChannelView(before, before).rates).toHaveLength(0);
  });
});

// ---- property tests ----

const factorArb = fc.integer({ min: 1, max: 300_000 }).map((n) => formatScaled(BigInt(n) * 1000n, 5)); // 0.00001 … 3
const ruleArb: fc.Arbitrary<PricingRule> = fc.oneof(
  fc.record({ name: fc.constant('weekend'), kind: fc.constant('weekday' as const), when: fc.constant({ days: ['fri', 'sat'] as Weekday[] }), factor: factorArb }),
  fc.record({ name: fc.constant('busy'), kind: fc.constant('occupancy' as const), when: fc.constant({ atLeastPercent: '50' }), factor: factorArb }),
  fc.record({ name: fc.constant('late'), kind: fc.constant('booking-window' as const), when: fc.constant({ maxDays: 10 }), factor: factorArb }),
);
const pricingArb: fc.Arbitrary<PricingRules> = fc.record({
  floorPercent: fc.integer({ min: 0, max: 10_000 }).map((n) => formatScaled(BigInt(n) * 1_000_000n, 2)),
  ceilingPercent: fc.integer({ min: 10_000, max: 50_000 }).map((n) => formatScaled(BigInt(n) * 1_000_000n, 2)),
  rounding: fc.constantFrom<PricingRules['rounding']>({ mode: 'currency' }, { mode: 'ending', ending: '.99' }, { mode: 'ending', ending: '9.00' }),
  rules: fc.array(ruleArb, { maxLength: 4 }),
});
const offsetArb = fc.oneof(
  fc.integer({ min: -3000, max: 8000 }).map((c) => ({ amount: formatScaled(BigInt(c) * 1_000_000n, 2) })),
  fc.integer({ min: -90, max: 150 }).map((p) => ({ percent: String(p) })),
);

describe('channelViewOf: occupancy prices (properties)', () => {
  it('every per-guest price is the pricing chain on its own ledger price: within its floor and ceiling, in the currency decimals, and the base occupancy price is `amount`', () => {
    fc.assert(
      fc.property(
        pricingArb,
        fc.integer({ min: 0, max: 5_000_000 }),
        fc.integer({ min: 1, max: 2 }), // BAR sells DBL (2) too
        fc.dictionary(fc.constantFrom('1', '2', '3', '4'), offsetArb),
        fc.option(fc.integer({ min: 0, max: 5000 }).map((c) => formatScaled(BigInt(c) * 1_000_000n, 2)), { nil: undefined }),
        fc.dictionary(fc.constantFrom('1', '2', '3', '4'), fc.integer({ min: 0, max: 5_000_000 }).map((c) => formatScaled(BigInt(c) * 1_000_000n, 2))),
        fc.constantFrom(undefined, '12.5', '-3'),
        fc.integer({ min: 0, max: 4 }),
        (pricing, rateMinor, base, offsets, extraAdult, pushedAll, markup, sold) => {
          const { [String(base)]: _noOffset, ...others } = offsets;
          const property = parsePropertyDocument(doc({ occupancy: { base, offsets: others, ...(extraAdult ? { extraAdult } : {}) }, ...(markup ? { markup } : {}) }));
          property.pricing = pricing;
          const rate = formatScaled(BigInt(rateMinor) * 1_000_000n, 2);
          const { [String(base)]: _notBase, ...pushed } = pushedAll;
          const view = channelViewOf(property, channel(property, 'ota'), { inventory: [{ roomType: 'FAM', date: DATE, available: 4 - sold, sold, total: 4 }], rates: [cell('FAM', 'BAR', rate, pushed)] }, 0, TODAY);
          const [priced] = view.rates;
          const byGuests = priced?.byGuests ?? {};
          const occupancy = occupancyOf(property, 'BAR');
          expect(byGuests[baseGuests(occupancy, 4)]).toBe(priced?.amount);
          const ledger = ledgerPricesByGuests({ amount: rate, pushed, occupancy, maxOccupancy: 4, decimals: 2 });
          const ctx = { date: DATE, occupancy: { sold, total: 4 }, daysBeforeArrival: 6, roomType: 'FAM', ratePlans: ['BAR'] };
          for (const [guests, ledgerPrice] of Object.entries(ledger)) {
            const shown = byGuests[Number(guests)];
            if (toScaled(ledgerPrice) < 0n) {
              expect(shown).toBeUndefined();
              continue;
            }
            expect(shown).toBeDefined();
            const chain = priceCell(ledgerPrice, ctx, pricing, 2);
            const final = toScaled(chain.final);
            expect(final * 100n * 10n ** 8n >= toScaled(ledgerPrice) * toScaled(pricing.floorPercent)).toBe(true);
            expect(final * 100n * 10n ** 8n <= toScaled(ledgerPrice) * toScaled(pricing.ceilingPercent)).toBe(true);
            expect(shown).toBe(markup ? applyMarkup(chain.final, markup, 2) : chain.final);
            expect(decimalPlaces(shown as string)).toBe(2);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('rate explain: occupancy prices', () => {
  it('shows each number of guests, where its price comes from, and what the channel is sent', () => {
    const property = parsePropertyDocument(doc({ occupancy: FAMILY, markup: '10' }));
    const explained = explainRate(property, { roomType: 'FAM', ratePlan: 'BAR', date: DATE, channel: 'ota' }, { rates: new Map([['BAR', '129.00']]), occupancy: { sold: 0, total: 4 }, ratesByGuests: new Map([['BAR', { '3': '150.00' }]]) }, TODAY);
    expect(explained.final).toBe('141.90');
    expect(explained.baseGuests).toBe(2);
    expect(explained.byGuests).toEqual([
      { guests: 1, from: 'offset', label: '129.00 − 20.00', ledger: '109.00', final: '119.90' },
      { guests: 2, from: 'rate', label: 'the rate, for the base occupancy of 2', ledger: '129.00', final: '141.90' },
      { guests: 3, from: 'pushed', label: '150.00 pushed by the PMS for 3', ledger: '150.00', final: '165.00' },
      { guests: 4, from: 'offset', label: '129.00 +30%', ledger: '167.70', final: '184.47' },
    ]);
    expect(explained.supplements).toEqual({ extraAdult: '33.00', extraChild: '16.50' });
    // A plan without occupancy prices explains as before.
    const plain = explainRate(property, { roomType: 'DBL', ratePlan: 'RO', date: DATE }, { rates: new Map([['RO', '80.00']]), occupancy: {} }, TODAY);
    expect(plain.byGuests).toBeUndefined();
  });

  it('per-guest finals are what channelViewOf sends, for any rules, markup and exchange rate', () => {
    fc.assert(
      fc.property(
        pricingArb,
        fc.integer({ min: 0, max: 5_000_000 }),
        fc.dictionary(fc.constantFrom('1', '3', '4'), offsetArb),
        fc.dictionary(fc.constantFrom('1', '3', '4'), fc.integer({ min: 0, max: 5_000_000 }).map((c) => formatScaled(BigInt(c) * 1_000_000n, 2))),
        fc.constantFrom(undefined, '12.5', '-3'),
        fc.constantFrom(undefined, 'GBP', 'JPY'),
        fc.integer({ min: 0, max: 4 }),
        (pricing, rateMinor, offsets, pushed, markup, currency, sold) => {
          const property = parsePropertyDocument(doc({ occupancy: { base: 2, offsets, extraAdult: '30.00', extraChild: '15.00' }, ...(markup ? { markup } : {}), ...(currency ? { currency } : {}) }));
          property.pricing = pricing;
          const fx = fxRatesOf([
            { from: 'EUR', to: 'GBP', validFrom: '2027-01-01', rate: '0.8563' },
            { from: 'EUR', to: 'JPY', validFrom: '2027-01-01', rate: '161.23' },
          ]);
          const rate = formatScaled(BigInt(rateMinor) * 1_000_000n, 2);
          const counts = { sold, total: 4 };
          const [viewed] = channelViewOf(property, channel(property, 'ota'), { inventory: [{ roomType: 'FAM', date: DATE, available: 4 - sold, ...counts }], rates: [cell('FAM', 'BAR', rate, pushed)] }, 0, TODAY, fx).rates;
          const explained = explainRate(property, { roomType: 'FAM', ratePlan: 'BAR', date: DATE, channel: 'ota' }, { rates: new Map([['BAR', rate]]), occupancy: counts, ratesByGuests: new Map([['BAR', pushed]]) }, TODAY, fx);
          expect(explained.final).toBe(viewed?.amount);
          const sent = Object.fromEntries((explained.byGuests ?? []).filter((g) => g.final !== null).map((g) => [g.guests, g.final]));
          expect(sent).toEqual(viewed?.byGuests);
          expect(explained.supplements).toEqual({ extraAdult: viewed?.extraAdult, extraChild: viewed?.extraChild });
        },
      ),
      { numRuns: 300 },
    );
  });
});
