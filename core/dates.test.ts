import fc from 'fast-check';
import { addDays, addYears, daysBetween, eachDate, fromEpochDay, isIsoDate, todayIn, toEpochDay, weekdayOf, WEEKDAYS } from './dates';

const epochDay = fc.integer({ min: toEpochDay('2000-01-01'), max: toEpochDay('2100-12-31') });

describe('dates', () => {
  it.each([
    ['2027-03-01', true],
    ['2027-02-29', false],
    ['2028-02-29', true],
    ['2027-13-01', false],
    ['2027-3-1', false],
    ['01/03/2027', false],
  ])('isIsoDate(%s) is %s', (value, expected) => expect(isIsoDate(value)).toBe(expected));

  it('knows weekdays', () => {
    expect(weekdayOf('2027-03-01')).toBe('mon');
    expect(weekdayOf('2027-03-06')).toBe('sat');
    expect(weekdayOf('1969-12-31')).toBe('wed');
  });

  it('clamps 29 February when adding years', () => {
    expect(addYears('2028-02-29', 1)).toBe('2029-02-28');
    expect(addYears('2027-03-01', 3)).toBe('2030-03-01');
  });

  it('takes today in the property time zone, not the server one', () => {
    const instant = new Date('2027-03-01T23:30:00Z');
    expect(todayIn('Europe/Amsterdam', instant)).toBe('2027-03-02');
    expect(todayIn('America/New_York', instant)).toBe('2027-03-01');
    expect(todayIn('Pacific/Kiritimati', new Date('2027-03-01T10:30:00Z'))).toBe('2027-03-02');
  });

  it('eachDate is inclusive of both ends and honours the weekday mask (property)', () => {
    fc.assert(
      fc.property(epochDay, fc.integer({ min: 0, max: 800 }), fc.subarray([...WEEKDAYS]), (start, span, mask) => {
        const from = fromEpochDay(start);
        const to = addDays(from, span);
        const all = eachDate(from, to);
        expect(all.length).toBe(span + 1);
        expect(all[0]).toBe(from);
        expect(all[all.length - 1]).toBe(to);
        const masked = eachDate(from, to, mask);
        const expected = mask.length === 0 ? all : all.filter((d) => mask.includes(weekdayOf(d)));
        expect(masked).toEqual(expected);
        expect(daysBetween(from, to)).toBe(span);
      }),
      { numRuns: 200 },
    );
  });
});
