import fc from 'fast-check';
import { channelViewOf, type ChannelRateCell, type LedgerSlice } from './channel-view';
import { ValidationError } from './errors';
import { ExchangeRateFileError, fxRatesOf, NO_FX_RATES, parseExchangeRateFile, type ExchangeRate } from './fx';
import { applyMarkup, convertAmount, currencyDecimals, decimalPlaces, formatAmount, formatScaled, toScaled, withoutConversion } from './money';
import { parsePropertyDocument, toPropertyDocument } from './property-document';
import type { ChannelConfig, Property } from './property';
import { explainRate } from './rate-explain';
import { findParityViolations } from './rate-parity';

const doc = (channelCurrency?: string, markup?: string) => ({
  code: 'FX1',
  name: 'Exchange Inn',
  timezone: 'Europe/Amsterdam',
  currency: 'EUR',
  roomTypes: [{ code: 'DBL', rooms: 10 }],
  ratePlans: [{ code: 'BAR' }],
  channels: [
    {
      code: 'uk',
      type: 'ota-xml',
      roomTypes: { DBL: '1' },
      ratePlans: { BAR: 'B' },
      ...(channelCurrency !== undefined ? { currency: channelCurrency } : {}),
      ...(markup !== undefined ? { markup: { percent: markup } } : {}),
    },
    { code: 'web', type: 'direct', roomTypes: { DBL: 'd' }, ratePlans: { BAR: 'b' } },
  ],
});

const cell = (date: string, amount: string | null, extra: Partial<ChannelRateCell> = {}): ChannelRateCell => ({
  roomType: 'DBL',
  ratePlan: 'BAR',
  date,
  amount,
  minStay: null,
  maxStay: null,
  closedToArrival: false,
  closedToDeparture: false,
  stopSell: false,
  ...extra,
});

const row = (validFrom: string, rate: string, to = 'GBP', from = 'EUR'): ExchangeRate => ({ from, to, validFrom, rate });
const channelOf = (p: Property, code = 'uk') => p.channels.find((c) => c.code === code) as ChannelConfig;

describe('convertAmount', () => {
  it.each([
    ['100.00', 'GBP', '0.8563', '85.63'],
    ['129.99', 'GBP', '0.8563', '111.31'], // 111.310437
    ['129.99', 'JPY', '160.5', '20863'], // 20863.395: JPY has no decimals
    ['100.00', 'BHD', '0.41234567', '41.235'], // 41.234567: BHD has 3
    ['1.00', 'JPY', '100.5', '101'], // exactly half a yen: up
    ['1.00', 'JPY', '100.49999999', '100'],
    ['0.00', 'GBP', '0.8563', '0.00'],
  ])('%s EUR in %s at %s is %s', (amount, to, rate, expected) => {
    expect(convertAmount(amount, 'EUR', to, rate, currencyDecimals(to))).toBe(expected);
  });

  it('refuses a rate that is not positive, and a currency into itself at anything but 1', () => {
    expect(() => convertAmount('10.00', 'EUR', 'GBP', '0', 2)).toThrow(RangeError);
    expect(() => convertAmount('10.00', 'EUR', 'GBP', '-1', 2)).toThrow(RangeError);
    expect(() => convertAmount('10.00', 'EUR', 'EUR', '0.9', 2)).toThrow(RangeError);
    expect(convertAmount('10.00', 'EUR', 'EUR', '1', 2)).toBe('10.00');
  });

  it('never has more decimals than the target currency, and rounds once, half up (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000_000 }), // cents
        fc.integer({ min: 1, max: 99_999_999_999 }), // rate in 10^-8 units: up to 999.99999999
        fc.constantFrom('GBP', 'JPY', 'BHD', 'CHF', 'KWD'),
        (cents, rateUnits, to) => {
          const amount = formatScaled(BigInt(cents) * 1_000_000n, 2);
          const rate = formatScaled(BigInt(rateUnits), 8).replace(/\.?0+$/, '') || '0';
          const decimals = currencyDecimals(to);
          const converted = convertAmount(amount, 'EUR', to, rate, decimals);
          expect(decimalPlaces(converted)).toBe(decimals);
          // Exact product in 10^-10 units (cents × rate units), rounded half up by hand to the minor unit.
          const exact = BigInt(cents) * BigInt(rateUnits);
          const unit = 10n ** BigInt(10 - decimals);
          const minor = exact / unit + ((exact % unit) * 2n >= unit ? 1n : 0n);
          expect(toScaled(converted)).toBe(minor * 10n ** BigInt(8 - decimals));
        },
      ),
    );
  });

  it('converting at rate 1 into a currency of the same decimals is the identity (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), fc.constantFrom(['EUR', 'GBP'], ['EUR', 'USD'], ['KWD', 'BHD'], ['JPY', 'KRW']), (minor, [from, to]) => {
        const decimals = currencyDecimals(from as string);
        const amount = formatScaled(BigInt(minor) * 10n ** BigInt(8 - decimals), decimals);
        expect(convertAmount(amount, from as string, to as string, '1', currencyDecimals(to as string))).toBe(amount);
        expect(convertAmount(amount, from as string, from as string, '1.00000000', decimals)).toBe(amount);
      }),
    );
  });

  it('withoutConversion takes a converted price back to within half a minor unit of the target, divided by the rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1_000_000, max: 50_000_000_000 }), (cents, rateUnits) => {
        const amount = formatScaled(BigInt(cents) * 1_000_000n, 2);
        const rate = formatScaled(BigInt(rateUnits), 8);
        const back = withoutConversion(convertAmount(amount, 'EUR', 'JPY', rate, 0), rate);
        // Half a yen, in euros at the internal scale, plus the division's own rounding.
        const slack = (50_000_000n * 100_000_000n) / BigInt(rateUnits) + 1n;
        const diff = back - toScaled(amount);
        expect(diff <= slack && -diff <= slack).toBe(true);
      }),
    );
  });
});

describe('which rate converts a night', () => {
  const rates = fxRatesOf([row('2027-06-01', '0.80'), row('2027-03-01', '0.85'), row('2027-03-01', '160', 'JPY')]);

  it('is the latest row of the pair dated on or before the night itself, whatever day it is asked on', () => {
    expect(rates.rateFor('EUR', 'GBP', '2027-02-28')).toBeUndefined();
    expect(rates.rateFor('EUR', 'GBP', '2027-03-01')?.rate).toBe('0.85');
    expect(rates.rateFor('EUR', 'GBP', '2027-05-31')?.rate).toBe('0.85');
    // A row dated at the start of a season pins the season's nights to it, even while an earlier row is "today's".
    expect(rates.rateFor('EUR', 'GBP', '2027-06-01')).toEqual(row('2027-06-01', '0.80'));
    expect(rates.rateFor('EUR', 'GBP', '2030-01-01')?.rate).toBe('0.80');
    expect(rates.rateFor('EUR', 'JPY', '2027-07-01')?.rate).toBe('160');
  });

  it('uses only the selling direction: a GBP→EUR row does not convert EUR into GBP', () => {
    const reverse = fxRatesOf([row('2027-01-01', '1.17', 'EUR', 'GBP')]);
    expect(reverse.rateFor('EUR', 'GBP', '2027-03-01')).toBeUndefined();
    expect(NO_FX_RATES.rateFor('EUR', 'GBP', '2027-03-01')).toBeUndefined();
  });

  it('agrees with a linear scan for any table (property)', () => {
    const date = fc.integer({ min: 0, max: 400 }).map((d) => new Date(Date.UTC(2027, 0, 1 + d)).toISOString().slice(0, 10));
    fc.assert(
      fc.property(fc.uniqueArray(date, { maxLength: 30 }), date, (dates, night) => {
        const table = dates.map((d, i) => row(d, String(i + 1)));
        const expected = table.filter((r) => r.validFrom <= night).sort((a, b) => (a.validFrom < b.validFrom ? 1 : -1))[0];
        expect(fxRatesOf(table).rateFor('EUR', 'GBP', night)).toEqual(expected);
      }),
    );
  });
});

describe('channels in another currency', () => {
  const slice: LedgerSlice = {
    inventory: [{ roomType: 'DBL', date: '2027-05-01', available: 4 }],
    rates: [cell('2027-02-27', '100.00', { minStay: 2 }), cell('2027-05-01', '129.00'), cell('2027-06-02', '129.00'), cell('2027-06-03', null)],
  };
  const fx = fxRatesOf([row('2027-03-01', '0.8563'), row('2027-06-01', '0.8'), row('2027-03-01', '160.5', 'JPY')]);

  it('is part of the property document, optional, an ISO 4217 code, written back', () => {
    const property = parsePropertyDocument(doc('GBP'));
    expect(channelOf(property).currency).toBe('GBP');
    expect(channelOf(property, 'web').currency).toBeUndefined();
    expect(toPropertyDocument(property).channels?.[0]).toMatchObject({ currency: 'GBP' });
    expect(parsePropertyDocument(toPropertyDocument(property))).toEqual(property);
    let error: unknown;
    try {
      parsePropertyDocument(doc('POUNDS'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors).toEqual([{ pointer: '/channels/0/currency', detail: 'must be an ISO 4217 currency code such as GBP' }]);
  });

  it('channelViewOf converts last (pricing, markup, then conversion) at each night’s rate; no rate: no price, restrictions kept', () => {
    const property = parsePropertyDocument(doc('GBP', '10'));
    const view = channelViewOf(property, channelOf(property), slice, 0, '2027-01-01', fx);
    expect(view.rates.map((c) => [c.date, c.amount, c.minStay])).toEqual([
      ['2027-02-27', null, 2], // before the first row: never a price in the wrong currency
      ['2027-05-01', '121.51', null], // 129.00 +10 % = 141.90 × 0.8563 = 121.50897
      ['2027-06-02', '113.52', null], // 141.90 × 0.8 = 113.52: the season row
      ['2027-06-03', null, null],
    ]);
    expect(view.missingExchangeRate).toEqual({ from: 'EUR', to: 'GBP', nights: ['2027-02-27'] });
    expect(view.inventory).toEqual(slice.inventory);
    // The channel in the property's currency is not converted, with or without a table.
    const web = channelViewOf(property, channelOf(property, 'web'), slice, 0, '2027-01-01', fx);
    expect(web.rates.map((c) => c.amount)).toEqual(['100.00', '129.00', '129.00', null]);
    expect(web.missingExchangeRate).toBeUndefined();
    // Without a table, a foreign-currency channel is sent no price at all.
    const none = channelViewOf(property, channelOf(property), slice, 0, '2027-01-01');
    expect(none.rates.every((c) => c.amount === null)).toBe(true);
    expect(none.missingExchangeRate?.nights).toEqual(['2027-02-27', '2027-05-01', '2027-06-02']);
  });

  it('JPY channels get whole yen', () => {
    const property = parsePropertyDocument(doc('JPY'));
    const view = channelViewOf(property, channelOf(property), slice, 0, '2027-01-01', fx);
    expect(view.rates[1]?.amount).toBe('20705'); // 129.00 × 160.5 = 20704.5 → half up
  });

  it('rate explain shows the conversion step with the rate and its date, and ends where channelViewOf does (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5_000_000 }),
        fc.integer({ min: -999, max: 5000 }),
        fc.integer({ min: 1_000_000, max: 20_000_000_000 }),
        fc.constantFrom('GBP', 'JPY', 'BHD'),
        (cents, markupTenths, rateUnits, currency) => {
          const amount = formatScaled(BigInt(cents) * 1_000_000n, 2);
          const markup = formatScaled(BigInt(markupTenths) * 10_000_000n, 1);
          const rate = formatScaled(BigInt(rateUnits), 8);
          const property = parsePropertyDocument(doc(currency, markup));
          const table = fxRatesOf([row('2027-03-01', rate, currency)]);
          const viewed = channelViewOf(property, channelOf(property), { inventory: [], rates: [cell('2027-05-01', amount)] }, 0, '2027-01-01', table).rates[0]?.amount;
          const explained = explainRate(property, { roomType: 'DBL', ratePlan: 'BAR', date: '2027-05-01', channel: 'uk' }, { rates: new Map([['BAR', amount]]), occupancy: {} }, '2027-01-01', table);
          expect(explained.final).toBe(viewed);
          expect(explained.channel?.currency).toBe(currency);
          expect(explained.steps[explained.steps.length - 1]).toEqual({
            kind: 'conversion',
            label: `EUR→${currency} at ${rate} (rate from 2027-03-01)`,
            amount: viewed,
            channel: 'uk',
            from: 'EUR',
            to: currency,
            rate,
            validFrom: '2027-03-01',
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rate explain says so when no rate converts the night', () => {
    const property = parsePropertyDocument(doc('GBP'));
    const explained = explainRate(property, { roomType: 'DBL', ratePlan: 'BAR', date: '2027-02-27', channel: 'uk' }, { rates: new Map([['BAR', '100.00']]), occupancy: {} }, '2027-01-01', fx);
    expect(explained.final).toBeNull();
    expect(explained.note).toBe('no EUR→GBP exchange rate dated on or before 2027-02-27: uk is sent no price for this night (tidewater fx load)');
    // Without --channel the hub's own price, in the property currency, as before.
    const hub = explainRate(property, { roomType: 'DBL', ratePlan: 'BAR', date: '2027-02-27' }, { rates: new Map([['BAR', '100.00']]), occupancy: {} }, '2027-01-01', fx);
    expect({ final: hub.final, channel: hub.channel }).toEqual({ final: '100.00', channel: null });
  });

  it('rate parity takes a converted price back to the property currency before the markup comes off', () => {
    const gbp = (amount: string) => applyMarkup(amount, '10', 2);
    const shownInGbp = convertAmount(gbp('129.00'), 'EUR', 'GBP', '0.8563', 2); // 121.51
    const channels = [
      { channel: 'uk', markupPercent: '10', conversion: { currency: 'GBP', rateFor: (night: string) => fx.rateFor('EUR', 'GBP', night)?.rate }, rates: [{ roomType: 'DBL', ratePlan: 'BAR', date: '2027-05-01', amount: shownInGbp }] },
      { channel: 'web', markupPercent: '0', rates: [{ roomType: 'DBL', ratePlan: 'BAR', date: '2027-05-01', amount: '129.00' }] },
    ];
    // The conversion's own rounding (under half a penny) is far inside any real tolerance.
    expect(findParityViolations(channels, '0.01', 2)).toEqual({ checked: 1, violations: [] });
    // 2 % above on the GBP channel is a violation, reported with its currency and normalized in EUR.
    const dear = [{ ...channels[0], rates: [{ roomType: 'DBL', ratePlan: 'BAR', date: '2027-05-01', amount: convertAmount(applyMarkup(gbp('129.00'), '2', 2), 'EUR', 'GBP', '0.8563', 2) }] }, channels[1]] as typeof channels;
    const result = findParityViolations(dear, '0.5', 2);
    expect(result.violations[0]?.prices).toEqual([
      { channel: 'uk', shown: '123.94', currency: 'GBP', normalized: '131.58' },
      { channel: 'web', shown: '129.00', normalized: '129.00' },
    ]);
    // A night no rate converts is not compared.
    const early = channels.map((c) => ({ ...c, rates: c.rates.map((r) => ({ ...r, date: '2027-02-27' })) }));
    expect(findParityViolations(early, '0', 2)).toEqual({ checked: 0, violations: [] });
  });
});

describe('the rate file', () => {
  it('reads CSV with or without a header, comments and blank lines', () => {
    const csv = '# from the treasury, 2027-02-25\ndate,from,to,rate\n\n2027-03-01,EUR,GBP,0.8563\r\n2027-03-01,eur,jpy,160.5\n2027-06-01,EUR,GBP,0.80000000\n';
    expect(parseExchangeRateFile(csv, 'rates.csv')).toEqual([row('2027-03-01', '0.8563'), row('2027-03-01', '160.5', 'JPY'), row('2027-06-01', '0.80000000')]);
    expect(parseExchangeRateFile('2027-03-01,EUR,GBP,0.8563', 'r.csv')).toEqual([row('2027-03-01', '0.8563')]);
  });

  it('reads JSON arrays of decimal strings', () => {
    const json = '[\n  {"date": "2027-03-01", "from": "EUR", "to": "GBP", "rate": "0.8563"}\n]\n';
    expect(parseExchangeRateFile(json, 'rates.json')).toEqual([row('2027-03-01', '0.8563')]);
  });

  const problems = (text: string, file = 'rates.csv') => {
    try {
      parseExchangeRateFile(text, file);
    } catch (error) {
      expect(error).toBeInstanceOf(ExchangeRateFileError);
      return (error as ExchangeRateFileError).problems;
    }
    throw new Error('expected the file to be refused');
  };

  it('refuses a bad file as a whole, naming each line and why', () => {
    const csv = [
      'date,from,to,rate',
      '2027-03-01,EUR,GBP,0.8563',
      '2027-02-30,EUR,GBP,0.85',
      '2027-03-01,EUR,XXQ,1.2',
      '2027-03-01,EUR,EUR,1',
      '2027-03-01,EUR,GBP,0.123456789',
      '2027-03-01,EUR,GBP,-1',
      '2027-03-01,EUR,GBP,0',
      '2027-03-01,EUR,GBP',
      '2027-03-01,EUR,GBP,0.86',
      '2027-03-01,EUR,GBP,0.85630',
    ].join('\n');
    expect(problems(csv)).toEqual([
      { line: 3, reason: 'date must be a date in YYYY-MM-DD form; got "2027-02-30"' },
      { line: 4, reason: 'to must be an ISO 4217 currency code such as EUR; got "XXQ"' },
      { line: 5, reason: 'from and to are both EUR: a currency needs no rate into itself' },
      { line: 6, reason: 'rate has more than 8 decimals: 0.123456789' },
      { line: 7, reason: 'rate must be a positive decimal such as 0.8563; got "-1"' },
      { line: 8, reason: 'rate must be above zero' },
      { line: 9, reason: 'expected 4 columns (date,from,to,rate); got 3' },
      { line: 10, reason: 'EUR→GBP from 2027-03-01 is on line 2 already, with rate 0.8563' },
    ]);
    expect(problems('')).toEqual([{ line: 1, reason: 'no rates: expected lines of date,from,to,rate, e.g. 2027-03-01,EUR,GBP,0.8563' }]);
  });

  it('refuses JSON numbers and bad JSON with the line', () => {
    const json = '[\n  {"date": "2027-03-01", "from": "EUR", "to": "GBP", "rate": "0.8563"},\n  {"date": "2027-04-01", "from": "EUR", "to": "GBP", "rate": 0.85},\n  "x"\n]';
    expect(problems(json, 'rates.json')).toEqual([
      { line: 3, reason: 'rate must be a decimal string such as "0.8563", not a JSON number (a float cannot hold every rate exactly)' },
      { line: 4, reason: 'expected an object { "date", "from", "to", "rate" }' },
    ]);
    expect(problems('[\n  {"date": "2027-03-01",\n  }\n]', 'rates.json')[0]?.line).toBe(3);
    expect(problems('{"date": "2027-03-01"}', 'rates.json')).toEqual([{ line: 1, reason: 'expected a JSON array of { "date", "from", "to", "rate" }' }]);
  });

  it('formats the error for people: file, line, reason', () => {
    const error = new ExchangeRateFileError('rates.csv', [{ line: 3, reason: 'rate must be above zero' }]);
    expect(error.message).toBe('rates.csv:3: rate must be above zero');
    expect(formatAmount('1', 2)).toBe('1.00');
  });
});
