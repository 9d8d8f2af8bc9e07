import fc from 'fast-check';
import { currencyDecimals, decimalPlaces, deriveAmount, formatAmount, isKnownCurrency, toScaled } from './money';

describe('money', () => {
  it.each([
    ['EUR', 2],
    ['JPY', 0],
    ['KWD', 3],
  ])('%s has %i decimals', (code, decimals) => expect(currencyDecimals(code)).toBe(decimals));

  it('knows currencies', () => {
    expect(isKnownCurrency('EUR')).toBe(true);
    expect(isKnownCurrency('EU')).toBe(false);
    expect(isKnownCurrency('XXQ')).toBe(false);
  });

  it.each([
    ['129', 2, '129.00'],
    ['129.005', 2, '129.01'],
    ['0.5', 0, '1'],
    ['-0.004', 2, '0.00'],
    ['1.2345', 3, '1.235'],
  ])('formats %s with %i decimals as %s', (value, decimals, expected) => expect(formatAmount(value, decimals)).toBe(expected));

  it.each([
    ['129.00', { percent: '-10' }, 2, '116.10'],
    ['99.99', { percent: '-15' }, 2, '84.99'],
    ['100.00', { percent: '12.5' }, 2, '112.50'],
    ['100.00', { amount: '-20.50' }, 2, '79.50'],
    ['12345', { percent: '-7' }, 0, '11481'],
  ] as const)('derives %s adjusted by %j as %s', (parent, adjust, decimals, _expected) => {
    expect(deriveAmount(parent, adjust, decimals)).toBe(_expected);
  });

  it('derived prices never have more decimals than the currency (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: -9999, max: 9999 }),
        fc.constantFrom(0, 2, 3),
        (minor, percentBasis, decimals) => {
          const parent = formatAmount(String(minor / 100), decimals);
          const derived = deriveAmount(parent, { percent: (percentBasis / 100).toFixed(2) }, decimals);
          expect(decimalPlaces(derived)).toBe(decimals);
          // |derived − exact| ≤ half a minor unit.
          const exact = (toScaled(parent) * (10000n + BigInt(percentBasis))) / 10000n;
          const diff = toScaled(derived) - exact;
          const halfUnit = 10n ** BigInt(8 - decimals) / 2n + 1n;
          expect(diff <= halfUnit && diff >= -halfUnit).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
