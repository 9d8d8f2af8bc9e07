import { applyMarkup } from './money';
import { findParityViolations, type ChannelPrices } from './rate-parity';

const cell = (date: string, amount: string | null, roomType = 'DBL', ratePlan = 'BAR') => ({ roomType, ratePlan, date, amount });

describe('rate parity', () => {
  it('takes each channel’s markup off before comparing, so consistent prices are no violation', () => {
    const ledger = ['129.00', '99.99', '145.55', '0.01'];
    const channels: ChannelPrices[] = [
      { channel: 'ota', markupPercent: '12.5', rates: ledger.map((a, i) => cell(`2027-05-0${i + 1}`, applyMarkup(a, '12.5', 2))) },
      { channel: 'gds', markupPercent: '-7', rates: ledger.map((a, i) => cell(`2027-05-0${i + 1}`, applyMarkup(a, '-7', 2))) },
      { channel: 'web', markupPercent: '0', rates: ledger.map((a, i) => cell(`2027-05-0${i + 1}`, a)) },
    ];
    // 0.01 at −7 % rounds to 0.01 (+7.5 % after normalizing): only a price that small can breach 0.5 % by rounding.
    expect(findParityViolations(channels, '0.5', 2)).toMatchObject({ checked: 4, violations: [{ date: '2027-05-04' }] });
    expect(findParityViolations(channels.map((c) => ({ ...c, rates: c.rates.slice(0, 3) })), '0.5', 2)).toEqual({ checked: 3, violations: [] });
  });

  it('reports a price 2 % off with every channel’s shown and normalized price and the spread', () => {
    const channels: ChannelPrices[] = [
      { channel: 'web', markupPercent: '0', rates: [cell('2027-05-01', '100.00'), cell('2027-05-02', '100.00')] },
      { channel: 'ota', markupPercent: '10', rates: [cell('2027-05-01', '110.00'), cell('2027-05-02', '112.20')] },
    ];
    expect(findParityViolations(channels, '0.5', 2)).toEqual({
      checked: 2,
      violations: [
        {
          roomType: 'DBL',
          ratePlan: 'BAR',
          date: '2027-05-02',
          prices: [
            { channel: 'ota', shown: '112.20', normalized: '102.00' },
            { channel: 'web', shown: '100.00', normalized: '100.00' },
          ],
          spreadPercent: 2,
        },
      ],
    });
  });

  it('applies the tolerance as a share of the lowest price, inclusive', () => {
    const pair = (b: string): ChannelPrices[] => [
      { channel: 'a', markupPercent: '0', rates: [cell('2027-05-01', '200.00')] },
      { channel: 'b', markupPercent: '0', rates: [cell('2027-05-01', b)] },
    ];
    expect(findParityViolations(pair('201.00'), '0.5', 2).violations).toHaveLength(0); // exactly 0.5 %
    expect(findParityViolations(pair('201.01'), '0.5', 2).violations[0]?.spreadPercent).toBe(0.51);
    expect(findParityViolations(pair('199.00'), '0', 2).violations[0]?.spreadPercent).toBe(0.5);
    expect(findParityViolations(pair('0.00'), '0.5', 2).violations[0]?.spreadPercent).toBeNull();
  });

  it('compares only cells two channels price: a plan one channel sells, or a night without price, is not checked', () => {
    const channels: ChannelPrices[] = [
      { channel: 'a', markupPercent: '0', rates: [cell('2027-05-01', '100.00'), cell('2027-05-01', '80.00', 'DBL', 'NRF'), cell('2027-05-02', null)] },
      { channel: 'b', markupPercent: '0', rates: [cell('2027-05-01', '100.00'), cell('2027-05-02', '150.00'), cell('2027-05-01', '90.00', 'SGL')] },
    ];
    expect(findParityViolations(channels, '0.5', 2)).toEqual({ checked: 1, violations: [] });
  });
});
