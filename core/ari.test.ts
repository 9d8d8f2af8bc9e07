import { parseAriBatch, planAriBatch } from './ari';
import { ValidationError } from './errors';
import { parsePropertyDocument } from './property-document';
import type { Property } from './property';

const NOW = new Date('2027-01-15T12:00:00Z');

function property(): Property {
  return parsePropertyDocument({
    code: 'AMS01',
    name: 'Canal House',
    timezone: 'Europe/Amsterdam',
    currency: 'EUR',
    roomTypes: [
      { code: 'DBL', rooms: 20 },
      { code: 'SGL', rooms: 5 },
    ],
    ratePlans: [
      { code: 'BAR', roomTypes: ['DBL', 'SGL'] },
      { code: 'NRF', derivedFrom: 'BAR', adjust: { percent: -10 } },
      { code: 'NRF7', derivedFrom: 'NRF', adjust: { amount: '-5.00' } },
      { code: 'PKG', roomTypes: ['DBL'] },
    ],
  });
}

function plan(updates: unknown[]) {
  return planAriBatch(property(), parseAriBatch({ updates }), NOW);
}

function errorsOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e.errors;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('planAriBatch', () => {
  it('expands ranges with weekday masks, both ends inclusive', () => {
    const { inventory } = plan([{ roomType: 'DBL', from: '2027-03-01', to: '2027-03-31', days: ['fri', 'sat'], available: 7 }]);
    expect(inventory.map((c) => c.date)).toEqual([
      '2027-03-05', '2027-03-06', '2027-03-12', '2027-03-13', '2027-03-19', '2027-03-20', '2027-03-26', '2027-03-27',
    ]);
    expect(inventory.every((c) => c.available === 7 && c.total === undefined)).toBe(true);
  });

  it('lets later updates win field by field', () => {
    const { inventory, rates } = plan([
      { roomType: 'DBL', from: '2027-03-01', to: '2027-03-03', available: 7, outOfOrder: 1 },
      { roomType: 'DBL', from: '2027-03-02', to: '2027-03-02', available: 3 },
      { roomType: 'DBL', ratePlan: 'PKG', from: '2027-03-01', to: '2027-03-02', rate: '100', minStay: 2 },
      { roomType: 'DBL', ratePlan: 'PKG', from: '2027-03-02', to: '2027-03-02', rate: '90.5' },
    ]);
    expect(inventory).toEqual([
      { roomType: 'DBL', date: '2027-03-01', available: 7, outOfOrder: 1 },
      { roomType: 'DBL', date: '2027-03-02', available: 3, outOfOrder: 1 },
      { roomType: 'DBL', date: '2027-03-03', available: 7, outOfOrder: 1 },
    ]);
    expect(rates).toEqual([
      { ratePlan: 'PKG', roomType: 'DBL', date: '2027-03-01', amount: '100.00', minStay: 2 },
      { ratePlan: 'PKG', roomType: 'DBL', date: '2027-03-02', amount: '90.50', minStay: 2 },
    ]);
  });

  it('flows a parent rate and restrictions down the derivation chain', () => {
    const { rates } = plan([{ roomType: 'SGL', ratePlan: 'BAR', from: '2027-03-01', to: '2027-03-01', rate: '129.00', stopSell: true }]);
    expect(rates).toEqual([
      { ratePlan: 'BAR', roomType: 'SGL', date: '2027-03-01', amount: '129.00', stopSell: true },
      { ratePlan: 'NRF', roomType: 'SGL', date: '2027-03-01', amount: '116.10', stopSell: true },
      { ratePlan: 'NRF7', roomType: 'SGL', date: '2027-03-01', amount: '111.10', stopSell: true },
    ]);
  });

  it('keeps a derived plan\'s own restrictions: the parent\'s pushes of them do not flow down, its rate still does', () => {
    const doc = {
      code: 'AMS01', name: 'Canal House', timezone: 'Europe/Amsterdam', currency: 'EUR',
      roomTypes: [{ code: 'DBL', rooms: 20 }],
      ratePlans: [
        { code: 'RACK', roomTypes: ['DBL'] },
        { code: 'BAR', derivedFrom: 'RACK', adjust: { percent: -10 }, ownRestrictions: ['minStay'] },
        { code: 'NRF', derivedFrom: 'BAR', adjust: { percent: -10 } },
      ],
    };
    const own = parsePropertyDocument(doc);
    const day = { roomType: 'DBL', from: '2027-03-01', to: '2027-03-01' };
    const { rates } = planAriBatch(own, parseAriBatch({ updates: [{ ...day, ratePlan: 'RACK', rate: '200.00', minStay: 3, stopSell: true }] }), NOW);
    expect(rates).toEqual([
      { ratePlan: 'RACK', roomType: 'DBL', date: '2027-03-01', amount: '200.00', minStay: 3, stopSell: true },
      { ratePlan: 'BAR', roomType: 'DBL', date: '2027-03-01', amount: '180.00', stopSell: true },
      // NRF inherits from BAR, which did not take RACK's minimum stay.
      { ratePlan: 'NRF', roomType: 'DBL', date: '2027-03-01', amount: '162.00', stopSell: true },
    ]);
    // BAR's own push sets it and flows down to NRF; a restriction-only RACK push leaves BAR alone.
    expect(planAriBatch(own, parseAriBatch({ updates: [{ ...day, ratePlan: 'BAR', minStay: 2 }] }), NOW).rates.map((r) => [r.ratePlan, r.minStay])).toEqual([['BAR', 2], ['NRF', 2]]);
    expect(planAriBatch(own, parseAriBatch({ updates: [{ ...day, ratePlan: 'RACK', minStay: 5 }] }), NOW).rates.map((r) => r.ratePlan)).toEqual(['RACK']);
    // A restriction without a plan names every plan, owners included.
    expect(planAriBatch(own, parseAriBatch({ updates: [{ ...day, minStay: 4 }] }), NOW).rates.map((r) => [r.ratePlan, r.minStay])).toEqual([['RACK', 4], ['BAR', 4], ['NRF', 4]]);
    // Only derived plans may keep restrictions, each once.
    expect(errorsOf(() => parsePropertyDocument({ ...doc, ratePlans: [{ code: 'RACK', roomTypes: ['DBL'], ownRestrictions: ['minStay', 'minStay'] }] }))).toEqual([
      { pointer: '/ratePlans/0/ownRestrictions', detail: expect.stringContaining('derived plans only') },
      { pointer: '/ratePlans/0/ownRestrictions/1', detail: 'minStay is listed twice' },
    ]);
  });

  it('applies restrictions without a plan to every plan of the room type', () => {
    const { rates } = plan([{ roomType: 'DBL', from: '2027-03-01', to: '2027-03-01', closedToArrival: true }]);
    expect(rates.map((r) => r.ratePlan).sort()).toEqual(['BAR', 'NRF', 'NRF7', 'PKG']);
    expect(rates.every((r) => r.closedToArrival === true && r.amount === undefined)).toBe(true);
  });

  it('accepts yesterday in the property time zone but not the day before', () => {
    // 2027-01-15T12:00Z is the 15th in Amsterdam: the 14th is one day back.
    expect(plan([{ roomType: 'DBL', from: '2027-01-14', to: '2027-01-20', available: 1 }]).inventory).toHaveLength(7);
    expect(errorsOf(() => plan([{ roomType: 'DBL', from: '2027-01-13', to: '2027-01-20', available: 1 }]))).toEqual([
      { pointer: '/updates/0/from', detail: expect.stringContaining('more than 1 day in the past in Europe/Amsterdam') },
    ]);
  });

  it.each([
    [{ roomType: 'XXX', from: '2027-03-01', to: '2027-03-02', available: 1 }, '/updates/0/roomType', 'unknown room type XXX'],
    [{ roomType: 'DBL', ratePlan: 'NOPE', from: '2027-03-01', to: '2027-03-02', rate: '1' }, '/updates/0/ratePlan', 'unknown rate plan NOPE'],
    [{ roomType: 'SGL', ratePlan: 'PKG', from: '2027-03-01', to: '2027-03-02', rate: '1' }, '/updates/0/ratePlan', 'not sold on room type SGL'],
    [{ roomType: 'DBL', from: '2027-03-05', to: '2027-03-02', available: 1 }, '/updates/0/to', 'before it starts'],
    [{ roomType: 'DBL', from: '2027-03-01', to: '2030-03-01', available: 1 }, '/updates/0/to', 'at most 3 years'],
    [{ roomType: 'DBL', ratePlan: 'BAR', from: '2027-03-01', to: '2027-03-02', rate: '10.001' }, '/updates/0/rate', 'EUR has 2 decimals'],
    [{ roomType: 'DBL', ratePlan: 'NRF', from: '2027-03-01', to: '2027-03-02', rate: '10' }, '/updates/0/rate', 'derived from BAR'],
    [{ roomType: 'DBL', from: '2027-03-01', to: '2027-03-02', rate: '10' }, '/updates/0/rate', 'needs a ratePlan'],
    [{ roomType: 'DBL', ratePlan: 'BAR', from: '2027-03-01', to: '2027-03-02', available: 3 }, '/updates/0/available', 'per room type'],
    [{ roomType: 'DBL', ratePlan: 'BAR', from: '2027-03-01', to: '2027-03-02', minStay: 5, maxStay: 2 }, '/updates/0/maxStay', 'below minStay'],
    [{ roomType: 'DBL', from: '2027-03-01', to: '2027-03-02' }, '/updates/0', 'sets nothing'],
  ])('rejects %j at %s', (update, pointer, detail) => {
    expect(errorsOf(() => plan([update]))).toContainEqual({ pointer, detail: expect.stringContaining(detail) });
  });

  it.each([
    [{ roomType: 'DBL', from: '2027-03-01', to: '2027-03-02', available: -1 }, '/updates/0/available'],
    [{ roomType: 'DBL', from: '2027-03-01', to: '2027-03-02', available: 1.5 }, '/updates/0/available'],
    [{ roomType: 'DBL', from: '1 March', to: '2027-03-02', available: 1 }, '/updates/0/from'],
    [{ roomType: 'DBL', ratePlan: 'BAR', from: '2027-03-01', to: '2027-03-02', rate: 'cheap' }, '/updates/0/rate'],
    [{ roomType: 'DBL', from: '2027-03-01', to: '2027-03-02', available: 1, colour: 'red' }, '/updates/0'],
  ])('refuses malformed %j at %s', (update, pointer) => {
    expect(errorsOf(() => parseAriBatch({ updates: [update] })).map((e) => e.pointer)).toContain(pointer);
  });

  it('reports every bad update, not just the first', () => {
    const errors = errorsOf(() =>
      plan([
        { roomType: 'XXX', from: '2027-03-01', to: '2027-03-02', available: 1 },
        { roomType: 'DBL', from: '2027-03-01', to: '2027-03-02', available: 1 },
        { roomType: 'YYY', from: '2027-03-01', to: '2027-03-02', available: 1 },
      ]),
    );
    expect(errors.map((e) => e.pointer)).toEqual(['/updates/0/roomType', '/updates/2/roomType']);
  });
});

describe('planAriBatch: per-guest prices (rateByGuests)', () => {
  const occupancyProperty = () =>
    parsePropertyDocument({
      code: 'OCC1',
      name: 'Occupancy Inn',
      timezone: 'Europe/Amsterdam',
      currency: 'EUR',
      roomTypes: [
        { code: 'FAM', rooms: 4, maxOccupancy: 4 },
        { code: 'DBL', rooms: 10, maxOccupancy: 2 },
      ],
      ratePlans: [
        { code: 'BAR', occupancy: { base: 2, offsets: { '1': { amount: '-20.00' } } } },
        { code: 'NRF', derivedFrom: 'BAR', adjust: { percent: -10 } },
      ],
    });
  const planOcc = (updates: unknown[]) => planAriBatch(occupancyProperty(), parseAriBatch({ updates }), NOW);
  const day = { from: '2027-03-01', to: '2027-03-01' };

  it('keeps them beside the rate and derives them down the chain like the rate', () => {
    const { rates } = planOcc([{ roomType: 'FAM', ratePlan: 'BAR', ...day, rate: '129', rateByGuests: { '1': '99', '2': '129.00', '3': 149 } }]);
    expect(rates).toEqual([
      { ratePlan: 'BAR', roomType: 'FAM', date: '2027-03-01', amount: '129.00', amountsByGuests: { '1': '99.00', '2': '129.00', '3': '149.00' } },
      { ratePlan: 'NRF', roomType: 'FAM', date: '2027-03-01', amount: '116.10', amountsByGuests: { '1': '89.10', '2': '116.10', '3': '134.10' } },
    ]);
  });

  it('takes the base occupancy price as the rate when rate is left out', () => {
    const { rates } = planOcc([{ roomType: 'FAM', ratePlan: 'BAR', ...day, rateByGuests: { '2': '120', '4': '170' } }]);
    expect(rates[0]).toEqual({ ratePlan: 'BAR', roomType: 'FAM', date: '2027-03-01', amount: '120.00', amountsByGuests: { '2': '120.00', '4': '170.00' } });
  });

  it('a rate pushed alone later in the batch drops the per-guest prices pushed before it', () => {
    const { rates } = planOcc([
      { roomType: 'FAM', ratePlan: 'BAR', ...day, rateByGuests: { '2': '120', '4': '170' } },
      { roomType: 'FAM', ratePlan: 'BAR', ...day, rate: '125' },
    ]);
    expect(rates[0]).toEqual({ ratePlan: 'BAR', roomType: 'FAM', date: '2027-03-01', amount: '125.00' });
  });

  it.each([
    ['a base price that is not the rate', { roomType: 'FAM', ratePlan: 'BAR', rate: '129', rateByGuests: { '2': '130' } }, '/updates/0/rateByGuests/2', 'must equal rate (129): rate is the price for 2 guests, the base occupancy of BAR on FAM'],
    ['neither rate nor the base price', { roomType: 'FAM', ratePlan: 'BAR', rateByGuests: { '3': '130' } }, '/updates/0/rateByGuests', 'give rate, or the price for 2 guests (the base occupancy of BAR on FAM), which is the rate'],
    ['more guests than the room sleeps', { roomType: 'DBL', ratePlan: 'BAR', rate: '99', rateByGuests: { '3': '130' } }, '/updates/0/rateByGuests/3', 'must be a number of guests from 1 to 2, the most DBL sleeps'],
    ['not a number of guests', { roomType: 'DBL', ratePlan: 'BAR', rate: '99', rateByGuests: { one: '80' } }, '/updates/0/rateByGuests/one', 'must be a number of guests from 1 to 2, the most DBL sleeps'],
    ['a negative price', { roomType: 'DBL', ratePlan: 'BAR', rate: '99', rateByGuests: { '1': '-1' } }, '/updates/0/rateByGuests/1', 'must not be negative'],
    ['too many decimals', { roomType: 'DBL', ratePlan: 'BAR', rate: '99', rateByGuests: { '1': '80.001' } }, '/updates/0/rateByGuests/1', 'EUR has 2 decimals; got 80.001'],
    ['a derived plan', { roomType: 'DBL', ratePlan: 'NRF', rateByGuests: { '2': '80' } }, '/updates/0/rateByGuests', 'NRF is derived from BAR; push the prices of BAR'],
    ['no rate plan', { roomType: 'DBL', rateByGuests: { '2': '80' } }, '/updates/0/rateByGuests', 'per-guest prices need a ratePlan'],
    ['a rate whose derived 1-guest price is negative', { roomType: 'DBL', ratePlan: 'BAR', rate: '15' }, '/updates/0/rate', "the 1-guest price of BAR on DBL would be negative (-5.00); see the plan's occupancy settings"],
  ])('refuses %s', (_name, update, pointer, detail) => {
    expect(errorsOf(() => planOcc([{ ...day, ...update }]))).toContainEqual({ pointer, detail });
  });
});
