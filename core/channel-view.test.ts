import fc from 'fast-check';
import { channelViewOf, type LedgerSlice } from './channel-view';
import { ValidationError } from './errors';
import { applyMarkup, formatScaled, toScaled, withoutMarkup } from './money';
import { parsePropertyDocument, toPropertyDocument } from './property-document';

const doc = (currency: string, markup?: unknown) => ({
  code: 'MK1',
  name: 'Markup Inn',
  timezone: 'Europe/Amsterdam',
  currency,
  roomTypes: [{ code: 'DBL', rooms: 10 }],
  ratePlans: [{ code: 'BAR' }, { code: 'NRF', derivedFrom: 'BAR', adjust: { percent: -10 } }],
  channels: [
    { code: 'ota', type: 'ota-xml', roomTypes: { DBL: '1' }, ratePlans: { BAR: 'B', NRF: 'N' }, ...(markup !== undefined ? { markup } : {}) },
    { code: 'web', type: 'direct', roomTypes: { DBL: 'd' }, ratePlans: { BAR: 'b' } },
  ],
});

const rate = (ratePlan: string, amount: string | null) => ({
  roomType: 'DBL',
  ratePlan,
  date: '2027-05-01',
  amount,
  minStay: null,
  maxStay: null,
  closedToArrival: false,
  closedToDeparture: false,
  stopSell: false,
});

describe('channel markup', () => {
  it.each([
    ['100.00', '12.5', 2, '112.50'],
    ['99.99', '12.5', 2, '112.49'], // 112.48875
    ['100.00', '0.005', 2, '100.01'], // exactly half a cent: up
    ['100.00', '-0.005', 2, '100.00'], // 99.995: half up in minor units
    ['129.00', '-15', 2, '109.65'],
    ['0.05', '-50', 2, '0.03'],
    ['12345', '7.5', 0, '13271'], // 13270.875
    ['10.000', '3.3333', 3, '10.333'],
  ])('%s with %s%% in %i decimals is %s', (amount, percent, decimals, expected) => {
    expect(applyMarkup(amount, percent, decimals)).toBe(expected);
  });

  it('rounds once: the exact result, half up, never a double rounding', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: -9_999_999, max: 50_000_000 }), (cents, pctMillionths) => {
        const amount = formatScaled(BigInt(cents) * 1_000_000n, 2);
        const percent = formatScaled(BigInt(pctMillionths) * 100n, 6);
        // Exact value in hundredths of a cent ×10^6, then rounded half up by hand.
        const exact = BigInt(cents) * (100_000_000n + BigInt(pctMillionths)); // cents × 10^6 × (100 + p) … / 100
        const denominator = 100_000_000n;
        const expected = exact / denominator + ((exact % denominator) * 2n >= denominator ? 1n : 0n);
        expect(toScaled(applyMarkup(amount, percent, 2))).toBe(expected * 1_000_000n);
      }),
    );
  });

  it('withoutMarkup undoes a markup to within half a minor unit', () => {
    expect(formatScaled(withoutMarkup('112.50', '12.5'), 2)).toBe('100.00');
    expect(formatScaled(withoutMarkup('85.00', '-15'), 2)).toBe('100.00');
    expect(withoutMarkup('129.00', '0')).toBe(toScaled('129.00'));
  });

  it('is part of the property document, kept as a decimal string and written back', () => {
    const property = parsePropertyDocument(doc('EUR', { percent: 12.5 }));
    expect(property.channels[0]?.markup).toEqual({ percent: '12.5' });
    expect(property.channels[1]?.markup).toBeUndefined();
    expect(toPropertyDocument(property).channels?.[0]).toMatchObject({ markup: { percent: '12.5' } });
  });

  it.each([[{ percent: '-100' }], [{ percent: '1000.01' }], [{ percent: 'ten' }], [{ percent: '5', extra: 1 }], [{ amount: '5' }]])('refuses markup %j', (markup) => {
    let error: unknown;
    try {
      parsePropertyDocument(doc('EUR', markup));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.pointer)[0]).toMatch(/^\/channels\/0\/markup/);
  });

  it('channelViewOf sends each channel its own marked-up prices, in the currency decimals, and leaves missing prices alone', () => {
    const slice: LedgerSlice = { inventory: [{ roomType: 'DBL', date: '2027-05-01', available: 4 }], rates: [rate('BAR', '129.00'), rate('NRF', null)] };
    const eur = parsePropertyDocument(doc('EUR', { percent: '12.5' }));
    const [ota, web] = eur.channels as [(typeof eur.channels)[number], (typeof eur.channels)[number]];
    expect(channelViewOf(eur, ota, slice).rates.map((c) => [c.ratePlan, c.amount])).toEqual([
      ['BAR', '145.13'], // 145.125 → half up
      ['NRF', null],
    ]);
    expect(channelViewOf(eur, web, slice).rates.map((c) => [c.ratePlan, c.amount])).toEqual([['BAR', '129.00']]);
    expect(channelViewOf(eur, ota, slice).inventory).toEqual(slice.inventory);

    const jpy = parsePropertyDocument(doc('JPY', { percent: '-3' }));
    const jpySlice: LedgerSlice = { inventory: [], rates: [rate('BAR', '12345')] };
    expect(channelViewOf(jpy, jpy.channels[0] as (typeof jpy.channels)[number], jpySlice).rates[0]?.amount).toBe('11975'); // 11974.65
  });
});
