import fc from 'fast-check';
import { parseAriBatch, planAriBatch } from './ari';
import { channelViewOf, type LedgerSlice } from './channel-view';
import { addDays, daysBetween, WEEKDAYS, type Weekday } from './dates';
import { ValidationError } from './errors';
import { decimalPlaces, deriveAmount, toScaled } from './money';
import {
  deriveRate,
  endingProblem,
  formatMinor,
  nightOccupancy,
  nightsRepricedBetween,
  NO_PRICING,
  occupancyPercent,
  planLineage,
  priceCell,
  pricingContext,
  toMinor,
  type PricingContext,
  type PricingRule,
  type PricingRules,
} from './pricing';
import { parsePropertyDocument, toPropertyDocument } from './property-document';
import type { Property } from './property';
import { explainRate } from './rate-explain';

const NOW = new Date('2027-01-15T12:00:00Z');
const ctx = (over: Partial<PricingContext> = {}): PricingContext => ({
  date: '2027-03-05', // a Friday
  occupancy: { sold: 0, total: 20 },
  daysBeforeArrival: 30,
  ...over,
});
const rules = (list: PricingRule[], over: Partial<PricingRules> = {}): PricingRules => ({ ...NO_PRICING, rules: list, ...over });
const price = (base: string, list: PricingRule[], c: Partial<PricingContext> = {}, over: Partial<PricingRules> = {}, decimals = 2) =>
  priceCell(base, ctx(c), rules(list, over), decimals);

const weekend: PricingRule = { name: 'Weekend', kind: 'weekday', when: { days: ['fri', 'sat'] }, factor: '1.10' };
const highOccupancy: PricingRule = { name: 'High occupancy', kind: 'occupancy', when: { atLeastPercent: '80' }, factor: '1.15' };

describe('priceCell', () => {
  it('without rules sends the pushed rate unchanged', () => {
    expect(price('129.00', [])).toEqual({ final: '129.00', floor: '90.30', ceiling: '387.00', steps: [], notApplied: [] });
  });

  it('multiplies matching rules in order, rounding half up at each step, and lists the others with the reason', () => {
    const result = price('129.00', [weekend, highOccupancy, { name: 'Easter', kind: 'event', when: { from: '2027-03-26', to: '2027-03-29' }, factor: '1.5' }], {
      occupancy: { sold: 16, total: 20 },
    });
    // 129.00 × 1.10 = 141.90; × 1.15 = 163.185 → 163.19
    expect(result.steps.map((s) => [s.kind, s.amount, s.label])).toEqual([
      ['rule', '141.90', 'Weekend (weekday fri)'],
      ['rule', '163.19', 'High occupancy (occupancy 16/20 = 80% ≥ 80%)'],
    ]);
    expect(result.final).toBe('163.19');
    expect(result.notApplied).toEqual([{ rule: 'Easter', ruleKind: 'event', reason: 'event 2027-03-26…2027-03-29, not 2027-03-05' }]);
  });

  it.each([
    ['03-01', '05-31', '2027-03-05', true],
    ['03-06', '05-31', '2027-03-05', false],
    ['12-15', '01-10', '2027-01-03', true], // wraps the year end
    ['12-15', '01-10', '2027-12-31', true],
    ['12-15', '01-10', '2027-06-01', false],
    ['02-29', '02-29', '2028-02-29', true],
  ])('season %s…%s on %s applies: %s', (from, to, date, applies) => {
    const result = price('100.00', [{ name: 'S', kind: 'season', when: { from, to }, factor: '2' }], { date });
    expect(result.final).toBe(applies ? '200.00' : '100.00');
  });

  it.each([
    [{ atLeastPercent: '80' }, 15, 20, false],
    [{ atLeastPercent: '80' }, 16, 20, true],
    [{ atLeastPercent: '33.33' }, 1, 3, true], // 33.333… ≥ 33.33, decided exactly
    [{ atLeastPercent: '33.34' }, 1, 3, false],
    [{ belowPercent: '50' }, 10, 20, false],
    [{ atLeastPercent: '50', belowPercent: '80' }, 10, 20, true],
    [{ atLeastPercent: '0' }, 0, 0, false], // nothing allotted: no occupancy to judge
  ])('occupancy %j at %i/%i applies: %s', (when, sold, total, applies) => {
    const result = price('100.00', [{ name: 'O', kind: 'occupancy', when, factor: '2' }], { occupancy: { sold, total } });
    expect(result.final).toBe(applies ? '200.00' : '100.00');
  });

  it.each([
    [{ maxDays: 3 }, 0, true],
    [{ maxDays: 3 }, 3, true],
    [{ maxDays: 3 }, 4, false],
    [{ minDays: 60 }, 59, false],
    [{ minDays: 60, maxDays: 90 }, 90, true],
  ])('booking window %j at %i days applies: %s', (when, days, applies) => {
    const result = price('100.00', [{ name: 'B', kind: 'booking-window', when, factor: '0.8' }], { daysBeforeArrival: days });
    expect(result.final).toBe(applies ? '80.00' : '100.00');
  });

  it('scopes rules to room types and to plans together with the plans derived from them', () => {
    const property = parsePropertyDocument(chainDocument());
    const barOnly: PricingRule = { ...weekend, ratePlans: ['BAR'] };
    const sglOnly: PricingRule = { ...weekend, name: 'Single', roomTypes: ['SGL'] };
    const at = (ratePlan: string, roomType = 'DBL') =>
      priceCell('100.00', pricingContext(property, { roomType, ratePlan, date: '2027-03-05' }, { sold: 0, total: 20 }, '2027-03-01'), rules([barOnly, sglOnly]), 2);
    expect(at('RACK').final).toBe('100.00'); // BAR's parent: not in scope
    expect(at('BAR').final).toBe('110.00');
    expect(at('NRF').final).toBe('110.00'); // derived from BAR: in scope
    expect(at('RACK', 'SGL').final).toBe('110.00');
    expect(at('RACK').notApplied).toEqual([]); // out-of-scope rules are not this cell's business
  });

  it('clamps to the floor and the ceiling and says which', () => {
    const cheap = price('100.00', [{ name: 'Fire sale', kind: 'weekday', when: { days: ['fri'] }, factor: '0.10' }]);
    expect(cheap.steps.map((s) => [s.kind, s.amount])).toEqual([
      ['rule', '10.00'],
      ['floor', '70.00'],
    ]);
    const dear = price('100.00', [{ ...weekend, factor: '9' }], {}, { ceilingPercent: '250' });
    expect(dear.steps.at(-1)).toMatchObject({ kind: 'ceiling', amount: '250.00', label: 'ceiling 250% of 100.00' });
    // The floor rounds up and the ceiling down, so neither is ever crossed by a cent.
    expect(price('99.99', [{ ...weekend, factor: '0.1' }]).final).toBe('70.00'); // 69.993
    expect(price('99.99', [{ ...weekend, factor: '5' }]).final).toBe('299.97'); // 299.97 exactly
    expect(price('33.33', [{ ...weekend, factor: '5' }], {}, { ceilingPercent: '133.3' }).final).toBe('44.42'); // 44.42889
  });

  it.each([
    ['163.19', '.99', '162.99'],
    ['163.48', '.99', '162.99'],
    ['163.49', '.99', '163.99'], // half way between 162.99 and 163.99: up
    ['163.50', '.99', '163.99'], // a tie goes up
    ['163.49', '.00', '163.00'],
    ['163.50', '.00', '164.00'],
    ['163.19', '9.99', '159.99'],
    ['165.00', '9.99', '169.99'],
    ['0.40', '.99', '0.99'],
  ])('%s with ending %s is %s', (amount, ending, expected) => {
    expect(price(amount, [], {}, { rounding: { mode: 'ending', ending } }).final).toBe(expected);
  });

  it('rounds currencies without decimals to whole endings', () => {
    const jpy = (amount: string, ending: string) => price(amount, [], {}, { rounding: { mode: 'ending', ending } }, 0).final;
    expect(jpy('12345', '00')).toBe('12300');
    expect(jpy('12345', '9')).toBe('12349');
    expect(jpy('12343', '9')).toBe('12339');
    expect(jpy('12344', '9')).toBe('12349'); // a tie goes up
  });

  it('lets the floor and the ceiling win over the price ending, and says so', () => {
    // 100.00 × 0.1 → floor 70.00; the nearest .99 (69.99) is below it, so 70.99.
    const floored = price('100.00', [{ ...weekend, factor: '0.1' }], {}, { rounding: { mode: 'ending', ending: '.99' } });
    expect(floored.final).toBe('70.99');
    expect(floored.steps.at(-1)).toEqual({
      kind: 'rounding',
      label: 'ending .99, within the floor',
      amount: '70.99',
      ending: '.99',
      note: 'the nearest price ending in .99, 69.99, is below the floor 70.00',
    });
    // Ceiling 300.00: the nearest .99 (300.99) is above it, so 299.99.
    expect(price('100.00', [{ ...weekend, factor: '3.009' }], {}, { rounding: { mode: 'ending', ending: '.99' } }).final).toBe('299.99');
    // 0.20: floor 0.14, ceiling 0.60, no x.99 in between: the clamped amount stays.
    const tiny = price('0.20', [], {}, { rounding: { mode: 'ending', ending: '.99' } });
    expect(tiny.final).toBe('0.20');
    expect(tiny.steps.at(-1)).toMatchObject({ label: 'ending .99 skipped', note: expect.stringContaining('no price ending in .99') });
  });

  it('checks endings against the currency', () => {
    expect(endingProblem('.99', 2)).toBeUndefined();
    expect(endingProblem('9.99', 2)).toBeUndefined();
    expect(endingProblem('.999', 2)).toMatch(/more than 2 decimals/);
    expect(endingProblem('.99', 0)).toMatch(/no decimals/);
    expect(endingProblem('99', 0)).toBeUndefined();
    expect(endingProblem('', 2)).toMatch(/must look like/);
    expect(() => price('1.00', [], {}, { rounding: { mode: 'ending', ending: 'x' } })).toThrow(RangeError);
  });

  it('reads occupancy as a percentage with one decimal', () => {
    expect(occupancyPercent(16, 20)).toBe('80');
    expect(occupancyPercent(1, 3)).toBe('33.3');
    expect(occupancyPercent(2, 3)).toBe('66.7');
    expect(occupancyPercent(0, 0)).toBe('0');
  });
});

// ---- property tests (issue 7, acceptance 1) ----

const DECIMALS = [0, 2, 3] as const;
const decimalString = (maxUnits: number, scale: number) => fc.integer({ min: 0, max: maxUnits }).map((n) => formatMinor(BigInt(n), scale));
const factorArb = fc.integer({ min: 1, max: 500_000 }).map((n) => formatMinor(BigInt(n), 5)); // 0.00001 … 5.00000
const weekdaysArb = fc.uniqueArray(fc.constantFrom<Weekday>(...WEEKDAYS), { minLength: 1, maxLength: 7 });
const monthDayArb = fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2024-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(5, 10));
const dateArb = fc.date({ min: new Date('2027-01-01T00:00:00Z'), max: new Date('2029-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));

const ruleArb: fc.Arbitrary<PricingRule> = fc.oneof(
  fc.record({ name: fc.constant('season'), kind: fc.constant('season' as const), when: fc.record({ from: monthDayArb, to: monthDayArb }), factor: factorArb }),
  fc.record({ name: fc.constant('weekday'), kind: fc.constant('weekday' as const), when: fc.record({ days: weekdaysArb }), factor: factorArb }),
  fc.record({
    name: fc.constant('occupancy'),
    kind: fc.constant('occupancy' as const),
    when: fc.record({ atLeastPercent: decimalString(10_000, 2) }),
    factor: factorArb,
  }),
  fc.record({
    name: fc.constant('window'),
    kind: fc.constant('booking-window' as const),
    when: fc.record({ maxDays: fc.integer({ min: 0, max: 400 }) }),
    factor: factorArb,
  }),
  fc.record({
    name: fc.constant('event'),
    kind: fc.constant('event' as const),
    when: fc.tuple(dateArb, dateArb).map(([a, b]) => (a <= b ? { from: a, to: b } : { from: b, to: a })),
    factor: factorArb,
  }),
);

const contextArb: fc.Arbitrary<PricingContext> = fc
  .record({ date: dateArb, total: fc.integer({ min: 0, max: 500 }), soldShare: fc.double({ min: 0, max: 1, noNaN: true }), days: fc.integer({ min: 0, max: 500 }) })
  .map(({ date, total, soldShare, days }) => ({ date, occupancy: { sold: Math.floor(total * soldShare), total }, daysBeforeArrival: days }));

const pricingArb = (decimals: number): fc.Arbitrary<PricingRules> =>
  fc.record({
    floorPercent: decimalString(10_000, 2), // 0 … 100
    ceilingPercent: fc.integer({ min: 10_000, max: 100_000 }).map((n) => formatMinor(BigInt(n), 2)), // 100 … 1000
    rounding:
      decimals === 0
        ? fc.constantFrom<PricingRules['rounding']>({ mode: 'currency' }, { mode: 'ending', ending: '9' }, { mode: 'ending', ending: '00' })
        : fc.constantFrom<PricingRules['rounding']>(
            { mode: 'currency' },
            { mode: 'ending', ending: '.' + '9'.repeat(decimals) },
            { mode: 'ending', ending: '.' + '0'.repeat(decimals) },
            { mode: 'ending', ending: '9.' + '9'.repeat(decimals) },
          ),
    rules: fc.array(ruleArb, { maxLength: 8 }),
  });

const caseArb = fc.constantFrom(...DECIMALS).chain((decimals) =>
  fc.record({
    decimals: fc.constant(decimals),
    base: fc.integer({ min: 0, max: 100_000_000 }).map((n) => formatMinor(BigInt(n), decimals)),
    pricing: pricingArb(decimals),
    ctx: contextArb,
  }),
);

describe('priceCell (properties)', () => {
  it('never goes below the floor nor above the ceiling, never has more decimals than the currency, and the steps add up', () => {
    fc.assert(
      fc.property(caseArb, ({ decimals, base, pricing, ctx: c }) => {
        const result = priceCell(base, c, pricing, decimals);
        const final = toScaled(result.final);
        // Exact bounds: final × 100 between base × floor% and base × ceiling%.
        expect(final * 100n * 10n ** 8n >= toScaled(base) * toScaled(pricing.floorPercent)).toBe(true);
        expect(final * 100n * 10n ** 8n <= toScaled(base) * toScaled(pricing.ceilingPercent)).toBe(true);
        expect(decimalPlaces(result.final)).toBe(decimals);
        expect(result.steps.at(-1)?.amount ?? formatMinor(toMinor(base, decimals), decimals)).toBe(result.final);
        for (const step of result.steps) expect(decimalPlaces(step.amount)).toBe(decimals);
        if (pricing.rounding.mode === 'ending') {
          const skipped = result.steps.some((s) => s.kind === 'rounding' && s.label.endsWith('skipped'));
          // The generated endings carry exactly the currency's decimals, so digits line up: 162.99 → 16299 ≡ 99.
          const digits = pricing.rounding.ending.replace('.', '');
          if (!skipped) expect(BigInt(result.final.replace('.', '')) % 10n ** BigInt(digits.length)).toBe(BigInt(digits));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('is monotonic in the base: a higher pushed rate never gives a lower price', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 0, max: 10_000_000 }), ({ decimals, base, pricing, ctx: c }, raise) => {
        const higher = formatMinor(toMinor(base, decimals) + BigInt(raise), decimals);
        expect(toScaled(priceCell(higher, c, pricing, decimals).final) >= toScaled(priceCell(base, c, pricing, decimals).final)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

// ---- derived chains: NRF ← BAR ← RACK ----

function chainDocument(adjust: { bar?: object; nrf?: object; nrfEnding?: string } = {}) {
  return {
    code: 'AMS01',
    name: 'Canal House',
    timezone: 'Europe/Amsterdam',
    currency: 'EUR',
    roomTypes: [
      { code: 'DBL', rooms: 20 },
      { code: 'SGL', rooms: 5 },
    ],
    ratePlans: [
      { code: 'RACK', roomTypes: ['DBL', 'SGL'] },
      { code: 'BAR', derivedFrom: 'RACK', adjust: adjust.bar ?? { percent: -10 } },
      { code: 'NRF', derivedFrom: 'BAR', adjust: adjust.nrf ?? { percent: -10 }, ...(adjust.nrfEnding ? { rounding: { ending: adjust.nrfEnding } } : {}) },
    ],
  };
}

const adjustArb = fc.oneof(
  fc.integer({ min: -9000, max: 9000 }).map((n) => ({ percent: formatMinor(BigInt(n), 2) })),
  fc.integer({ min: -5000, max: 5000 }).map((n) => ({ amount: formatMinor(BigInt(n), 2) })),
);

function pushRack(property: Property, rate: string): Map<string, string> {
  const plan = planAriBatch(property, parseAriBatch({ updates: [{ roomType: 'DBL', ratePlan: 'RACK', from: '2027-03-05', to: '2027-03-05', rate }] }), NOW);
  return new Map(plan.rates.map((r) => [r.ratePlan, r.amount as string]));
}

describe('derived chains (NRF ← BAR ← RACK)', () => {
  it('gives the explain example: RACK 200.00 → BAR −10% = 180.00 → NRF −10% = 162.00', () => {
    const property = parsePropertyDocument(chainDocument());
    expect(Object.fromEntries(pushRack(property, '200.00'))).toEqual({ RACK: '200.00', BAR: '180.00', NRF: '162.00' });
    expect(planLineage(property, 'NRF')).toEqual(['NRF', 'BAR', 'RACK']);
  });

  it('a parent change re-derives every child from its own parent, consistently and monotonically, and the channel prices follow', () => {
    fc.assert(
      fc.property(
        adjustArb,
        adjustArb,
        fc.constantFrom(undefined, '.99', '.00', '9.99'),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        pricingArb(2),
        contextArb,
        (bar, nrf, nrfEnding, a, b, pricing, c) => {
          const property = parsePropertyDocument(chainDocument({ bar, nrf, ...(nrfEnding ? { nrfEnding } : {}) }));
          const [low, high] = a <= b ? [a, b] : [b, a];
          let before: Map<string, string>;
          let after: Map<string, string>;
          try {
            before = pushRack(property, formatMinor(BigInt(low), 2));
            after = pushRack(property, formatMinor(BigInt(high), 2));
          } catch (e) {
            // A fixed amount off a small parent would go negative: refused as a whole, never half applied.
            expect(e).toBeInstanceOf(ValidationError);
            expect((e as ValidationError).errors[0]?.detail).toMatch(/would be negative/);
            return;
          }
          for (const rates of [before, after]) {
            expect([...rates.keys()]).toEqual(['RACK', 'BAR', 'NRF']);
            expect(rates.get('BAR')).toBe(deriveAmount(rates.get('RACK') as string, bar as { percent: string }, 2));
            expect(rates.get('NRF')).toBe(deriveRate(rates.get('BAR') as string, nrf as { percent: string }, 2, nrfEnding));
            if (nrfEnding) expect(BigInt((rates.get('NRF') as string).replace('.', '')) % 10n ** BigInt(nrfEnding.length - 1)).toBe(BigInt(nrfEnding.replace('.', '')));
          }
          for (const planCode of ['RACK', 'BAR', 'NRF']) {
            const was = before.get(planCode) as string;
            const is = after.get(planCode) as string;
            expect(toScaled(is) >= toScaled(was)).toBe(true);
            const cellCtx = { ...c, roomType: 'DBL', ratePlans: planLineage(property, planCode) };
            expect(toScaled(priceCell(is, cellCtx, pricing, 2).final) >= toScaled(priceCell(was, cellCtx, pricing, 2).final)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('rounds a derived plan to its price ending when it asks for one, and explain shows it', () => {
    const property = parsePropertyDocument(chainDocument({ nrfEnding: '.99' }));
    expect(Object.fromEntries(pushRack(property, '200.00'))).toEqual({ RACK: '200.00', BAR: '180.00', NRF: '161.99' });
    expect(Object.fromEntries(pushRack(property, '143.45'))).toMatchObject({ BAR: '129.11', NRF: '115.99' }); // 116.199
    const explained = explainRate(property, { roomType: 'DBL', ratePlan: 'NRF', date: '2027-03-05' }, { rates: pushRack(property, '200.00'), occupancy: { sold: 0, total: 20 } }, '2027-03-01');
    expect(explained.steps.map((s) => [s.label, s.amount])).toEqual([
      ['RACK rate pushed by the PMS', '200.00'],
      ['BAR = RACK −10%', '180.00'],
      ['NRF = BAR −10%, ending .99', '161.99'],
    ]);
    expect(deriveRate('1.00', { amount: '-2.00' }, 2, '.99')).toBe('-1.00'); // still refused as negative, not rounded up
    expect(pointersOf({ ...chainDocument(), ratePlans: [{ code: 'RACK', rounding: { ending: '.99' } }] }).join('\n')).toContain(
      '/ratePlans/0/rounding: rounding applies to derived plans only',
    );
    expect(pointersOf(chainDocument({ nrfEnding: '.999' })).join('\n')).toContain('/ratePlans/2/rounding/ending: has more than 2 decimals');
  });

  it('restrictions flow down from a parent; a child may set its own, which does not climb up', () => {
    const property = parsePropertyDocument(chainDocument());
    const { rates } = planAriBatch(
      property,
      parseAriBatch({
        updates: [
          { roomType: 'DBL', ratePlan: 'RACK', from: '2027-03-05', to: '2027-03-05', minStay: 2 },
          { roomType: 'DBL', ratePlan: 'BAR', from: '2027-03-05', to: '2027-03-05', minStay: 3 },
        ],
      }),
      NOW,
    );
    expect(Object.fromEntries(rates.map((r) => [r.ratePlan, r.minStay]))).toEqual({ RACK: 2, BAR: 3, NRF: 3 });
  });

  it('refuses derivation cycles at import, exactly when the plans form one, naming the chain', () => {
    const planCodes = ['P0', 'P1', 'P2', 'P3', 'P4'];
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: 0, max: planCodes.length - 1 }), { nil: undefined }), { minLength: 5, maxLength: 5 }), (parents) => {
        const doc = {
          ...chainDocument(),
          ratePlans: planCodes.map((code, i) => {
            const parent = parents[i];
            return parent === undefined ? { code } : { code, derivedFrom: planCodes[parent], adjust: { percent: 1 } };
          }),
        };
        const hasCycle = planCodes.some((_, start) => {
          const seen = new Set<number>();
          for (let at: number | undefined = start; at !== undefined; at = parents[at]) {
            if (seen.has(at)) return true;
            seen.add(at);
          }
          return false;
        });
        let error: unknown;
        try {
          parsePropertyDocument(doc);
        } catch (e) {
          error = e;
        }
        if (!hasCycle) return expect(error).toBeUndefined();
        expect(error).toBeInstanceOf(ValidationError);
        const cycles = (error as ValidationError).errors.filter((e) => e.detail.startsWith('derivation cycle: '));
        expect(cycles.length).toBeGreaterThan(0);
        for (const e of cycles) {
          const chain = e.detail.slice('derivation cycle: '.length).split(' → ');
          expect(chain[0]).toBe(chain.at(-1)); // closes on itself
          expect(e.pointer).toBe(`/ratePlans/${planCodes.indexOf(chain[0] as string)}/derivedFrom`);
        }
      }),
      { numRuns: 500 },
    );
  });
});

// ---- the pricing section of the property document ----

const withPricing = (pricing: unknown, currency = 'EUR') => ({ ...chainDocument(), currency, pricing });

function pointersOf(doc: unknown): string[] {
  try {
    parsePropertyDocument(doc);
  } catch (e) {
    if (e instanceof ValidationError) return e.errors.map((x) => `${x.pointer}: ${x.detail}`);
    throw e;
  }
  return [];
}

describe('pricing section', () => {
  const full = {
    floorPercent: 75,
    ceilingPercent: '250',
    rounding: { mode: 'ending', ending: '.99' },
    rules: [
      { name: 'Summer', kind: 'season', when: { from: '06-15', to: '08-31' }, factor: 1.2 },
      { name: 'Weekend', kind: 'weekday', when: { days: ['fri', 'sat'] }, factor: '1.10', roomTypes: ['DBL'] },
      { name: 'Busy', kind: 'occupancy', when: { atLeastPercent: 80 }, factor: '1.15', ratePlans: ['BAR'] },
      { name: 'Last minute', kind: 'booking-window', when: { maxDays: 3 }, factor: '0.9' },
      { name: 'Kings Day', kind: 'event', when: { from: '2027-04-26', to: '2027-04-27' }, factor: '1.5' },
    ],
  };

  it('parses into decimal strings with defaults, and survives the trip through the stored document', () => {
    const property = parsePropertyDocument(withPricing(full));
    expect(property.pricing).toMatchObject({ floorPercent: '75', ceilingPercent: '250', rounding: { mode: 'ending', ending: '.99' } });
    expect(property.pricing?.rules[0]).toEqual({ name: 'Summer', kind: 'season', when: { from: '06-15', to: '08-31' }, factor: '1.2' });
    expect(parsePropertyDocument(toPropertyDocument(property))).toEqual(property);
    expect(parsePropertyDocument(JSON.parse(JSON.stringify(toPropertyDocument(property))))).toEqual(property);
    expect(parsePropertyDocument(withPricing({})).pricing).toEqual(NO_PRICING);
    expect(parsePropertyDocument(chainDocument()).pricing).toBeUndefined();
  });

  it.each([
    [{ floorPercent: 101 }, '/pricing/floorPercent: must be at most 100'],
    [{ ceilingPercent: 99 }, '/pricing/ceilingPercent: must be at least 100'],
    [{ rounding: { mode: 'ending', ending: '.999' } }, '/pricing/rounding/ending: has more than 2 decimals'],
    [{ rules: [{ name: 'x', kind: 'moon', factor: 1 }] }, '/pricing/rules/0/kind: Invalid discriminator'],
    [{ rules: [{ name: 'x', kind: 'weekday', when: { days: ['fri'] }, factor: 0 }] }, '/pricing/rules/0/factor: must be greater than 0'],
    [{ rules: [{ name: 'x', kind: 'weekday', when: { days: ['fri'] }, factor: 1, ratePlans: ['PKG'] }] }, '/pricing/rules/0/ratePlans/0: unknown rate plan PKG'],
    [{ rules: [{ name: 'x', kind: 'weekday', when: { days: ['fri'] }, factor: 1, roomTypes: ['QUAD'] }] }, '/pricing/rules/0/roomTypes/0: unknown room type QUAD'],
    [{ rules: [{ name: 'x', kind: 'occupancy', when: { atleast: 80 }, factor: 1 }] }, '/pricing/rules/0/when: Unrecognized key: "atleast"'],
    [{ rules: [{ name: 'x', kind: 'occupancy', when: {}, factor: 1 }] }, '/pricing/rules/0/when: give atLeastPercent, belowPercent or both'],
    [{ rules: [{ name: 'x', kind: 'occupancy', when: { atLeastPercent: 80, belowPercent: 80 }, factor: 1 }] }, '/pricing/rules/0/when/belowPercent: must be above'],
    [{ rules: [{ name: 'x', kind: 'booking-window', when: { minDays: 9, maxDays: 3 }, factor: 1 }] }, '/pricing/rules/0/when/maxDays: must not be below minDays'],
    [{ rules: [{ name: 'x', kind: 'season', when: { from: '02-30', to: '03-01' }, factor: 1 }] }, '/pricing/rules/0/when/from: must be a day of the year'],
    [{ rules: [{ name: 'x', kind: 'event', when: { from: '2027-05-02', to: '2027-05-01' }, factor: 1 }] }, '/pricing/rules/0/when/to: ends (2027-05-01) before it starts'],
    [{ rules: [full.rules[0], full.rules[0]] }, '/pricing/rules/1/name: duplicate rule name Summer'],
    [{ extra: 1 }, '/pricing: Unrecognized key: "extra"'],
  ])('refuses %j (%s)', (pricing, expected) => {
    expect(pointersOf(withPricing(pricing)).join('\n')).toContain(expected);
  });

  it('refuses a cents ending for a currency without cents', () => {
    expect(pointersOf(withPricing({ rounding: { mode: 'ending', ending: '.99' } }, 'JPY')).join('\n')).toContain(
      '/pricing/rounding/ending: this currency has no decimals',
    );
  });
});

// ---- what channels are sent (phase 2): channelViewOf prices at view time, explain shows the same ----

describe('channelViewOf with pricing rules', () => {
  const doc = {
    ...chainDocument(),
    channels: [
      { code: 'ota', type: 'ota-xml', roomTypes: { DBL: '1' }, ratePlans: { RACK: 'R', BAR: 'B', NRF: 'N' }, markup: { percent: 10 } },
      { code: 'web', type: 'direct', roomTypes: { DBL: 'd' }, ratePlans: { BAR: 'b', NRF: 'n' } },
    ],
    pricing: {
      rounding: { mode: 'ending', ending: '.99' },
      rules: [
        { name: 'Busy', kind: 'occupancy', when: { atLeastPercent: 50 }, factor: '1.20' },
        { name: 'Last minute', kind: 'booking-window', when: { maxDays: 2 }, factor: '0.85', ratePlans: ['NRF'] },
      ],
    },
  };
  const cell = (ratePlan: string, amount: string | null, date = '2027-03-05') => ({
    roomType: 'DBL',
    ratePlan,
    date,
    amount,
    minStay: null,
    maxStay: null,
    closedToArrival: false,
    closedToDeparture: false,
    stopSell: false,
  });

  it('sends every channel the rules’ price, then its own markup; occupancy comes from the slice, the booking window from today', () => {
    const property = parsePropertyDocument(doc);
    const [ota, web] = property.channels as [Property['channels'][number], Property['channels'][number]];
    const slice = (sold: number): LedgerSlice => ({
      inventory: [{ roomType: 'DBL', date: '2027-03-05', available: 20 - sold, sold, total: 20 }],
      rates: [cell('BAR', '100.00'), cell('NRF', '90.00'), cell('RACK', null)],
    });
    const amounts = (view: ReturnType<typeof channelViewOf>) => Object.fromEntries(view.rates.map((c) => [c.ratePlan, c.amount]));
    // 9 of 20 sold: BAR 100.00 → .99 ending 99.99; NRF 90.00 → 89.99. The OTA adds 10 % on top.
    expect(amounts(channelViewOf(property, web, slice(9), 0, '2027-02-01'))).toEqual({ BAR: '99.99', NRF: '89.99' });
    expect(amounts(channelViewOf(property, ota, slice(9), 0, '2027-02-01'))).toEqual({ BAR: '109.99', NRF: '98.99', RACK: null });
    // A booking takes it to 10 of 20 = 50 %: × 1.20 on every channel.
    expect(amounts(channelViewOf(property, web, slice(10), 0, '2027-02-01'))).toEqual({ BAR: '119.99', NRF: '107.99' });
    expect(amounts(channelViewOf(property, ota, slice(10), 0, '2027-02-01'))).toEqual({ BAR: '131.99', NRF: '118.79', RACK: null });
    // Two days out the NRF last-minute rule joins in: 90.00 × 1.20 × 0.85 = 91.80 → 91.99.
    expect(amounts(channelViewOf(property, web, slice(10), 0, '2027-03-03'))).toEqual({ BAR: '119.99', NRF: '91.99' });
  });

  it('leaves the pushed rates alone for a property without pricing rules', () => {
    const property = parsePropertyDocument({ ...doc, pricing: undefined });
    const web = property.channels[1] as Property['channels'][number];
    const slice: LedgerSlice = { inventory: [{ roomType: 'DBL', date: '2027-03-05', available: 0, sold: 20, total: 20 }], rates: [cell('BAR', '100.00')] };
    expect(channelViewOf(property, web, slice).rates[0]?.amount).toBe('100.00');
  });

  it('prices exactly as rate explain says, for every channel (property)', () => {
    fc.assert(
      fc.property(
        pricingArb(2),
        adjustArb,
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        dateArb,
        fc.integer({ min: 0, max: 400 }),
        fc.constantFrom('RACK', 'BAR', 'NRF'),
        fc.constantFrom(undefined, '12.5', '-3', '0'),
        fc.option(fc.record({ available: fc.integer({ min: 0, max: 40 }), inFlight: fc.integer({ min: 0, max: 5 }), outOfOrder: fc.integer({ min: 0, max: 3 }) }), { nil: undefined }),
        (pricing, bar, rackMinor, a, b, date, daysAhead, ratePlan, markup, pms) => {
          const property = parsePropertyDocument({
            ...chainDocument({ bar }),
            channels: [{ code: 'ota', type: 'ota-xml', roomTypes: { DBL: '1' }, ratePlans: { RACK: 'R', BAR: 'B', NRF: 'N' }, ...(markup ? { markup: { percent: markup } } : {}) }],
          });
          property.pricing = pricing;
          let rates: Map<string, string>;
          try {
            rates = pushRack(property, formatMinor(BigInt(rackMinor), 2));
          } catch {
            return; // a derived rate below zero: refused at push, nothing to price
          }
          const [sold, total] = a <= b ? [a, b] : [b, a];
          // A PMS that pushes `available` sometimes: the same counts reach both, and both judge them by nightOccupancy.
          const counts = { sold, total, ...(pms ? { pmsAvailable: pms.available, inFlight: pms.inFlight, outOfOrder: pms.outOfOrder } : {}) };
          const today = addDaysTo(date, -daysAhead);
          const slice: LedgerSlice = {
            inventory: [{ roomType: 'DBL', date: '2027-03-05', available: total - sold, ...counts }],
            rates: [...rates].map(([plan, amount]) => cell(plan, amount)),
          };
          const viewed = channelViewOf(property, property.channels[0] as Property['channels'][number], slice, 0, today).rates.find((c) => c.ratePlan === ratePlan);
          const explained = explainRate(property, { roomType: 'DBL', ratePlan, date: '2027-03-05', channel: 'ota' }, { rates, occupancy: counts }, today);
          expect(viewed?.amount).toBe(explained.final);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('nightOccupancy (rooms taken, by the hub and by the PMS)', () => {
  it.each([
    ['hub bookings only: sold', { sold: 4, total: 20 }, { sold: 4, total: 20 }],
    ['no available push: sold, whatever else', { sold: 4, total: 20, pmsAvailable: null, inFlight: 2, outOfOrder: 1 }, { sold: 4, total: 20 }],
    // The PMS can still sell 15 − 2 = 13 of 20: 7 taken, 2 of them the hub's bookings it has yet to count.
    ['the PMS counts its own bookings too', { sold: 2, total: 20, pmsAvailable: 15, inFlight: 2 }, { sold: 7, total: 20, pms: { available: 15, inFlight: 2, outOfOrder: 0 } }],
    // Out-of-order rooms are in neither the PMS's sellable count nor the rooms taken.
    ['out of order is not occupancy', { sold: 0, total: 20, pmsAvailable: 13, inFlight: 0, outOfOrder: 2 }, { sold: 5, total: 20, pms: { available: 13, inFlight: 0, outOfOrder: 2 } }],
    ['a push older than every hub booking says nothing new: sold', { sold: 3, total: 20, pmsAvailable: 20, inFlight: 3 }, { sold: 3, total: 20 }],
    ['a stale push never counts more than the rooms allotted', { sold: 5, total: 20, pmsAvailable: 2, inFlight: 8 }, { sold: 20, total: 20, pms: { available: 2, inFlight: 8, outOfOrder: 0 } }],
    ['nothing allotted: no occupancy', { sold: 0, total: 0, pmsAvailable: 0, inFlight: 0 }, { sold: 0, total: 0 }],
  ])('%s', (_name, counts, expected) => {
    expect(nightOccupancy(counts)).toEqual(expected);
  });

  it('never counts fewer than the hub sold nor more than it and the allotment allow (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.option(fc.integer({ min: 0, max: 60 }), { nil: null }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 5 }),
        (sold, total, pmsAvailable, inFlight, outOfOrder) => {
          const o = nightOccupancy({ sold, total, pmsAvailable, inFlight, outOfOrder });
          expect(o.total).toBe(total);
          expect(o.sold).toBeGreaterThanOrEqual(sold);
          expect(o.sold).toBeLessThanOrEqual(Math.max(sold, total));
          if (pmsAvailable === null) expect(o).toEqual({ sold, total });
          // When the PMS's count decides, what it can still sell and what is taken add up to the sellable rooms.
          if (o.pms && o.sold < total) expect(total - outOfOrder - o.sold).toBe((pmsAvailable as number) - inFlight);
        },
      ),
    );
  });

  it('an occupancy rule says when the PMS’s count decided, with every figure', () => {
    const result = price('100.00', [highOccupancy], { occupancy: nightOccupancy({ sold: 2, total: 20, pmsAvailable: 5, inFlight: 1, outOfOrder: 1 }) });
    // 20 − 1 − (5 − 1) = 15 taken: 75 %, below the rule's 80 %.
    expect(result.notApplied).toEqual([
      { rule: 'High occupancy', ruleKind: 'occupancy', reason: "occupancy 15/20 = 75%, rule ≥ 80%; taken by the PMS's count: 20 − 1 out of order − (5 available − 1 in flight) = 15" },
    ]);
    const busy = price('100.00', [highOccupancy], { occupancy: nightOccupancy({ sold: 2, total: 20, pmsAvailable: 3, inFlight: 0 }) });
    expect(busy.steps[0]?.label).toBe("High occupancy (occupancy 17/20 = 85% ≥ 80%; taken by the PMS's count: 20 − (3 available − 0 in flight) = 17)");
  });

  it('channelViewOf and rate explain price by it: a PMS full of its own bookings raises the price the hub alone would not', () => {
    const property = parsePropertyDocument({ ...chainDocument(), channels: [{ code: 'ota', type: 'ota-xml', roomTypes: { DBL: '1' }, ratePlans: { RACK: 'R', BAR: 'B', NRF: 'N' } }] });
    property.pricing = { ...NO_PRICING, rules: [highOccupancy] };
    const counts = { sold: 1, total: 20, pmsAvailable: 4, inFlight: 1, outOfOrder: 0 };
    const rack = { roomType: 'DBL', ratePlan: 'RACK', date: '2027-03-05', amount: '100.00', minStay: null, maxStay: null, closedToArrival: false, closedToDeparture: false, stopSell: false };
    const view = channelViewOf(property, property.channels[0] as Property['channels'][number], { inventory: [{ roomType: 'DBL', date: '2027-03-05', available: 3, ...counts }], rates: [rack] }, 0, '2027-03-01');
    expect(view.rates[0]?.amount).toBe('115.00');
    const explained = explainRate(property, { roomType: 'DBL', ratePlan: 'RACK', date: '2027-03-05' }, { rates: new Map([['RACK', '100.00']]), occupancy: counts }, '2027-03-01');
    expect(explained).toMatchObject({ final: '115.00', occupancy: { sold: 17, total: 20, percent: '85' } });
    expect(explained.steps.find((s) => s.kind === 'rule')?.label).toContain("taken by the PMS's count: 20 − (4 available − 1 in flight) = 17");
  });
});

describe('nightsRepricedBetween (the daily re-mark of booking-window prices)', () => {
  const window = (name: string, when: { minDays?: number; maxDays?: number }, factor = '0.9'): PricingRule => ({ name, kind: 'booking-window', when, factor });

  it('lists the nights that crossed a bound overnight: the first night inside maxDays, the last one outside minDays', () => {
    // Today 2027-03-10. "Last minute" (≤ 2 days) now covers 03-12, which was 3 days out yesterday;
    // "Early bird" (≥ 30 days) no longer covers 04-08 (29 days out), which was 30 days out yesterday.
    const rules = [window('Last minute', { maxDays: 2 }), window('Early bird', { minDays: 30 }, '0.8'), weekend];
    expect(nightsRepricedBetween(rules, '2027-03-09', '2027-03-10')).toEqual([
      { from: '2027-03-12', to: '2027-03-12' },
      { from: '2027-04-08', to: '2027-04-08' },
    ]);
    // A band [7, 13]: 6 days out has just left it (7 yesterday), 13 days out has just entered (14 yesterday).
    expect(nightsRepricedBetween([window('Week out', { minDays: 7, maxDays: 13 })], '2027-03-09', '2027-03-10')).toEqual([
      { from: '2027-03-16', to: '2027-03-16' },
      { from: '2027-03-23', to: '2027-03-23' },
    ]);
    // Three days missed: every night whose days-before-arrival crossed a bound in between.
    expect(nightsRepricedBetween([window('Last minute', { maxDays: 2 })], '2027-03-07', '2027-03-10')).toEqual([{ from: '2027-03-10', to: '2027-03-12' }]);
    expect(nightsRepricedBetween([window('Last minute', { maxDays: 2 })], '2027-03-10', '2027-03-10')).toEqual([]);
    expect(nightsRepricedBetween([weekend, highOccupancy], '2027-03-09', '2027-03-10')).toEqual([]);
  });

  it('lists a night iff the rules priceCell applies to it differ between the two days, from today on (property)', () => {
    const windowArb = fc
      .record({ min: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }), max: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }), factor: factorArb })
      .filter(({ min, max }) => min !== undefined || max !== undefined)
      .map(({ min, max, factor }) => ({ ...(min !== undefined ? { minDays: min } : {}), ...(max !== undefined ? { maxDays: max } : {}), factor }));
    fc.assert(
      fc.property(
        fc.array(windowArb, { maxLength: 4 }),
        fc.array(ruleArb.filter((r) => r.kind !== 'booking-window'), { maxLength: 3 }),
        dateArb,
        fc.integer({ min: -3, max: 5 }),
        fc.integer({ min: 0, max: 20 }),
        (windows, others, today, shift, sold) => {
          const rules: PricingRule[] = [
            ...others.map((r, i) => ({ ...r, name: `${r.name}-${i}` })),
            ...windows.map((w, i) => window(`window-${i}`, { ...(w.minDays !== undefined ? { minDays: w.minDays } : {}), ...(w.maxDays !== undefined ? { maxDays: w.maxDays } : {}) }, w.factor)),
          ];
          const pricing = { ...NO_PRICING, rules };
          const yesterday = addDays(today, -shift);
          const ranges = nightsRepricedBetween(rules, yesterday, today);
          // Sorted, disjoint and not touching (merged), never before today.
          ranges.forEach((r, i) => {
            expect(r.from <= r.to).toBe(true);
            if (i === 0) expect(r.from >= today).toBe(true);
            else expect(daysBetween((ranges[i - 1] as { to: string }).to, r.from)).toBeGreaterThan(1);
          });
          const listed = new Set(ranges.flatMap((r) => Array.from({ length: daysBetween(r.from, r.to) + 1 }, (_, k) => addDays(r.from, k))));
          // Every bound is at most 40 (+ 5 days of shift): nights beyond cannot change.
          for (let d = 0; d <= 50; d++) {
            const date = addDays(today, d);
            const on = (day: string) => priceCell('100.00', { date, occupancy: { sold, total: 20 }, daysBeforeArrival: daysBetween(day, date) }, pricing, 2);
            const applied = (p: ReturnType<typeof priceCell>) => p.steps.flatMap((s) => (s.kind === 'rule' ? [`${s.rule}×${s.factor}`] : []));
            const before = on(yesterday);
            const now = on(today);
            expect({ date, listed: listed.has(date) }).toEqual({ date, listed: JSON.stringify(applied(before)) !== JSON.stringify(applied(now)) });
            if (!listed.has(date)) expect(now.final).toBe(before.final);
          }
          expect([...listed].every((d) => daysBetween(today, d) <= 50)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

function addDaysTo(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
