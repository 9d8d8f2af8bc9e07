import { parseAriBatch } from '../../core/ari';
import { baseOccupancy, readHotelRateAmountNotif, renderHotelRateAmountNotif } from './hotel-rate-amount-notif';
import { FIXED_NOW, opentravelValidator, readFixture, xmlErrorOf } from './testing';

const MARCH = { from: '2027-03-01', to: '2027-03-31' };
const BAR = { roomType: '1001', ratePlan: '5001' };

function message(rate: string, sac = '<StatusApplicationControl Start="2027-03-01" End="2027-03-02" InvTypeCode="1001" RatePlanCode="5001"/>'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<OTA_HotelRateAmountNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="5.000">
  <RateAmountMessages HotelCode="998877">
    <RateAmountMessage>
      ${sac}
      <Rates>
        ${rate}
      </Rates>
    </RateAmountMessage>
  </RateAmountMessages>
</OTA_HotelRateAmountNotifRQ>`;
}

const amount = (attributes: string, rateAttributes = '') =>
  `<Rate ${rateAttributes}><BaseByGuestAmts><BaseByGuestAmt ${attributes}/></BaseByGuestAmts></Rate>`;

describe('OTA_HotelRateAmountNotifRQ', () => {
  it('reads the fixture: the base occupancy becomes the rate, every occupancy price is kept', () => {
    const read = readHotelRateAmountNotif(readFixture('ota-hotel-rate-amount-notif-rq.xml'));
    expect(read).toEqual({
      echoToken: 'rate-amount-20270301-0001',
      timeStamp: '2027-02-20T09:30:00+01:00',
      target: 'Production',
      version: '5.000',
      hotelCode: '998877',
      notifType: 'Overlay',
      updates: [
        { ...BAR, ...MARCH, rate: '129.00' },
        { ...BAR, ...MARCH, days: ['fri', 'sat'], rate: '149.00' },
        { ...BAR, from: '2027-04-01', to: '2027-04-15', rate: '109.50' },
        { ...BAR, from: '2027-04-16', to: '2027-04-30', rate: '119.00' },
      ],
      rates: [
        {
          currency: 'EUR',
          taxes: 'included',
          occupancyRates: [
            { guests: 1, amount: '119.00' },
            { guests: 2, amount: '129.00' },
          ],
          additionalGuestAmounts: [
            { amount: '35.00', ageQualifyingCode: '10', maxAdditionalGuests: 1 },
            { amount: '15.00', ageQualifyingCode: '8', maxAdditionalGuests: 1 },
          ],
        },
        { currency: 'EUR', taxes: 'included', occupancyRates: [{ amount: '149.00' }], additionalGuestAmounts: [] },
        { currency: 'EUR', taxes: 'excluded', occupancyRates: [{ amount: '109.50' }], additionalGuestAmounts: [] },
        { currency: 'EUR', taxes: 'excluded', occupancyRates: [{ amount: '119.00' }], additionalGuestAmounts: [] },
      ],
      warnings: [],
    });
    expect(() => parseAriBatch({ updates: read.updates })).not.toThrow();
  });

  it.each([
    ['no NumberOfGuests wins', [{ guests: 1, amount: '1' }, { amount: '2' }, { guests: 2, amount: '3' }], '2'],
    ['otherwise the most guests up to two', [{ guests: 3, amount: '1' }, { guests: 1, amount: '2' }, { guests: 2, amount: '3' }], '3'],
    ['single occupancy when that is all there is below three', [{ guests: 4, amount: '1' }, { guests: 1, amount: '2' }], '2'],
    ['otherwise the fewest guests', [{ guests: 4, amount: '1' }, { guests: 3, amount: '2' }], '2'],
  ])('base occupancy rule: %s', (_name, rates, expected) => {
    expect(baseOccupancy(rates).amount).toBe(expected);
  });

  it.each([
    ['implied decimals', 'AmountAfterTax="12900" DecimalPlaces="2" CurrencyCode="EUR"', '129.00'],
    ['a signed zero with implied decimals (found by the /ota/v1 fuzz test)', 'AmountAfterTax="-0" DecimalPlaces="2" CurrencyCode="EUR"', '0.00'],
    ['a signed zero with a decimal point', 'AmountAfterTax="-0.0" CurrencyCode="EUR"', '0.00'],
    ['implied decimals smaller than one unit', 'AmountAfterTax="5" DecimalPlaces="2" CurrencyCode="EUR"', '0.05'],
    ['a written decimal point wins over DecimalPlaces', 'AmountAfterTax="129.5" DecimalPlaces="2" CurrencyCode="EUR"', '129.50'],
    ['zero-decimal currencies', 'AmountAfterTax="12900" CurrencyCode="JPY"', '12900'],
    ['three-decimal currencies', 'AmountAfterTax="12.5" CurrencyCode="KWD"', '12.500'],
    ['lower-case currency codes', 'AmountAfterTax="99" CurrencyCode="eur"', '99.00'],
    ['implied decimals on the Rate', 'AmountBeforeTax="9950"', '99.50', 'CurrencyCode="EUR" DecimalPlaces="2"'],
    ['no currency at all: as written', 'AmountAfterTax="99.9"', '99.9'],
    ['more decimals than the currency has: kept for the ledger to refuse', 'AmountAfterTax="129.0050" CurrencyCode="EUR"', '129.005'],
  ])('reads amounts: %s', (_name, attributes, expected, rateAttributes = '') => {
    expect(readHotelRateAmountNotif(message(amount(attributes, rateAttributes))).updates[0]?.rate).toBe(expected);
  });

  it('refuses an invalid CurrencyCode, naming where', () => {
    const error = xmlErrorOf(() => readHotelRateAmountNotif(message(amount('AmountAfterTax="129.00" CurrencyCode="EUX"'))));
    expect(error).toMatchObject({ problem: 'invalid-currency', element: 'BaseByGuestAmt', line: 7, otaType: '3', otaCode: '61' });
    expect(error.reason).toBe('CurrencyCode "EUX" is not an ISO 4217 currency');
    expect(xmlErrorOf(() => readHotelRateAmountNotif(message(amount('AmountAfterTax="1"', 'CurrencyCode="EURO"'))))).toMatchObject({
      problem: 'invalid-currency',
      element: 'Rate',
    });
  });

  it.each([
    ['a negative amount', amount('AmountAfterTax="-5.00" CurrencyCode="EUR"'), 'invalid-value'],
    ['an amount that is not a number', amount('AmountAfterTax="12,90" CurrencyCode="EUR"'), 'invalid-value'],
    ['a BaseByGuestAmt without amount', amount('CurrencyCode="EUR"'), 'missing-field'],
    ['two currencies in one Rate', '<Rate><BaseByGuestAmts><BaseByGuestAmt AmountAfterTax="1" CurrencyCode="EUR" NumberOfGuests="1"/><BaseByGuestAmt AmountAfterTax="1" CurrencyCode="USD" NumberOfGuests="2"/></BaseByGuestAmts></Rate>', 'invalid-currency'],
    ['the same occupancy twice', '<Rate><BaseByGuestAmts><BaseByGuestAmt AmountAfterTax="1" NumberOfGuests="2"/><BaseByGuestAmt AmountAfterTax="2" NumberOfGuests="2"/></BaseByGuestAmts></Rate>', 'invalid-value'],
    ['a Rate period ending before it starts', amount('AmountAfterTax="1"', 'Start="2027-03-05" End="2027-03-04"'), 'invalid-date-range'],
  ])('refuses %s', (_name, rate, problem) => {
    expect(xmlErrorOf(() => readHotelRateAmountNotif(message(rate)))).toMatchObject({ problem });
  });

  it('refuses a rate without rate plan, and Start after End', () => {
    const noPlan = message(amount('AmountAfterTax="1"'), '<StatusApplicationControl Start="2027-03-01" InvTypeCode="1001"/>');
    expect(xmlErrorOf(() => readHotelRateAmountNotif(noPlan))).toMatchObject({ problem: 'missing-field', element: 'StatusApplicationControl', line: 5 });
    const reversed = message(amount('AmountAfterTax="1"'), '<StatusApplicationControl Start="2027-03-09" End="2027-03-01" InvTypeCode="1001" RatePlanCode="5001"/>');
    expect(xmlErrorOf(() => readHotelRateAmountNotif(reversed))).toMatchObject({ problem: 'invalid-date-range', otaCode: '404' });
  });

  it('round-trips: parse → render → parse gives the same object', () => {
    const first = readHotelRateAmountNotif(readFixture('ota-hotel-rate-amount-notif-rq.xml'));
    expect(readHotelRateAmountNotif(renderHotelRateAmountNotif(first))).toEqual(first);
  });

  it('renders messages that validate against the OpenTravel 2015B schema', async () => {
    const fromFixture = renderHotelRateAmountNotif(readHotelRateAmountNotif(readFixture('ota-hotel-rate-amount-notif-rq.xml')), FIXED_NOW);
    const plain = renderHotelRateAmountNotif(
      {
        hotelCode: '998877',
        currency: 'EUR',
        echoToken: 'rates-1',
        updates: [
          { ...BAR, ...MARCH, rate: '129' },
          { ...BAR, from: '2027-03-06', to: '2027-03-27', days: ['sat'], rate: '149.5' },
        ],
      },
      FIXED_NOW,
    );
    expect(plain).toContain('AmountAfterTax="129.00" CurrencyCode="EUR"');
    const yen = renderHotelRateAmountNotif({ hotelCode: 'TYO1', currency: 'JPY', taxes: 'excluded', updates: [{ ...BAR, ...MARCH, rate: '18000' }] }, FIXED_NOW);
    expect(yen).toContain('AmountBeforeTax="18000"');
    const report = await opentravelValidator().validate([
      { fileName: 'from-fixture.xml', xml: fromFixture },
      { fileName: 'plain.xml', xml: plain },
      { fileName: 'yen.xml', xml: yen },
    ]);
    expect(report.filter((r) => !r.valid)).toEqual([]);
  });

  it('renders per-guest prices as one BaseByGuestAmt per NumberOfGuests (adults) and supplements as AdditionalGuestAmounts, schema-valid', async () => {
    const xml = renderHotelRateAmountNotif(
      {
        hotelCode: '998877',
        currency: 'EUR',
        echoToken: 'rates-occupancy',
        updates: [
          { ...BAR, ...MARCH, rate: '129.00', rateByGuests: { '3': '154.00', '1': '109.00', '2': '129.00', '4': '167.70' } },
          { ...BAR, from: '2027-04-01', to: '2027-04-30', rate: '99.00' },
        ],
        rates: [{ taxes: 'included', occupancyRates: [], additionalGuestAmounts: [{ amount: '30.00', ageQualifyingCode: '10' }, { amount: '15.00', ageQualifyingCode: '8' }] }, undefined],
      },
      FIXED_NOW,
    );
    expect(xml.match(/<BaseByGuestAmt [^>]*>/g)).toEqual([
      '<BaseByGuestAmt AmountAfterTax="109.00" CurrencyCode="EUR" NumberOfGuests="1" AgeQualifyingCode="10"/>',
      '<BaseByGuestAmt AmountAfterTax="129.00" CurrencyCode="EUR" NumberOfGuests="2" AgeQualifyingCode="10"/>',
      '<BaseByGuestAmt AmountAfterTax="154.00" CurrencyCode="EUR" NumberOfGuests="3" AgeQualifyingCode="10"/>',
      '<BaseByGuestAmt AmountAfterTax="167.70" CurrencyCode="EUR" NumberOfGuests="4" AgeQualifyingCode="10"/>',
      '<BaseByGuestAmt AmountAfterTax="99.00" CurrencyCode="EUR"/>',
    ]);
    const read = readHotelRateAmountNotif(xml);
    // A reader's base occupancy rule (two guests) finds the rate again.
    expect(read.updates.map((u) => u.rate)).toEqual(['129.00', '99.00']);
    expect(read.rates[0]).toEqual({
      currency: 'EUR',
      taxes: 'included',
      occupancyRates: [
        { guests: 1, amount: '109.00' },
        { guests: 2, amount: '129.00' },
        { guests: 3, amount: '154.00' },
        { guests: 4, amount: '167.70' },
      ],
      additionalGuestAmounts: [
        { amount: '30.00', ageQualifyingCode: '10' },
        { amount: '15.00', ageQualifyingCode: '8' },
      ],
    });
    expect(read.rates[1]).toEqual({ currency: 'EUR', taxes: 'included', occupancyRates: [{ amount: '99.00' }], additionalGuestAmounts: [] });
    const report = await opentravelValidator().validate([{ fileName: 'occupancy.xml', xml }]);
    expect(report.filter((r) => !r.valid)).toEqual([]);
    expect(() => renderHotelRateAmountNotif({ hotelCode: '998877', currency: 'EUR', updates: [{ ...BAR, ...MARCH, rate: '1', rateByGuests: { two: '1' } }] })).toThrow(/rateByGuests\/two/);
  });

  it('refuses to render what it cannot carry or state exactly', () => {
    const base = { ...BAR, ...MARCH };
    expect(() => renderHotelRateAmountNotif({ hotelCode: '998877', currency: 'EUR', updates: [{ ...base, rate: '1', minStay: 2 }] })).toThrow(/minStay cannot be sent/);
    expect(() => renderHotelRateAmountNotif({ hotelCode: '998877', currency: 'EUX', updates: [{ ...base, rate: '1' }] })).toThrow(/currency/);
    expect(() => renderHotelRateAmountNotif({ hotelCode: '998877', updates: [{ ...base, rate: '1' }] })).toThrow(/currency/);
    expect(() => renderHotelRateAmountNotif({ hotelCode: '998877', currency: 'EUR', updates: [{ ...base, rate: '1.001' }] })).toThrow(/2 decimals/);
    expect(() => renderHotelRateAmountNotif({ hotelCode: '998877', currency: 'EUR', updates: [{ ...base, rate: '-1' }] })).toThrow(/non-negative/);
    expect(() => renderHotelRateAmountNotif({ hotelCode: '998877', currency: 'EUR', updates: [{ roomType: '1001', ...MARCH, rate: '1' }] })).toThrow(/ratePlan/);
  });
});
