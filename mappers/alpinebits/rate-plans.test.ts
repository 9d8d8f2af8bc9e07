import { ratePlanLedgerUpdates, readRatePlanNotif, renderRatePlans, type RatePlansInput, type RatePlanTarget, type ReadRatePlan } from './rate-plans';
import { alpineBitsSchemaErrors, example, FIXED_NOW } from './testing';

const input: RatePlansInput = {
  hotelCode: '123',
  hotelName: 'Frangart Inn',
  timeStamp: FIXED_NOW(),
  ratePlans: [
    {
      ratePlan: 'BAR',
      currency: 'EUR',
      bookingRules: [
        { roomType: 'DOUBLE', from: '2027-03-01', to: '2027-03-04', minStay: 2, maxStay: 14, closedToArrival: false, stopSell: false },
        { roomType: 'DOUBLE', from: '2027-03-05', to: '2027-03-06', minStay: null, maxStay: null, closedToArrival: true, stopSell: false },
        { roomType: 'SGL', from: '2027-03-01', to: '2027-03-06', minStay: null, maxStay: 7, closedToArrival: false, stopSell: true },
      ],
      rates: [
        { roomType: 'DOUBLE', from: '2027-03-01', to: '2027-03-04', amount: '129', guests: [2, 1] },
        { roomType: 'DOUBLE', from: '2027-03-05', to: '2027-03-06', amount: '149.50', guests: [1, 2] },
        { roomType: 'SGL', from: '2027-03-01', to: '2027-03-06', amount: '89.00', guests: [1] },
      ],
    },
    { ratePlan: 'OLD', currency: 'EUR', notifType: 'Remove' },
  ],
};

describe('AlpineBits RatePlans', () => {
  it('renders an Overlay: room-type booking rules and date-depending rates per room, no static rate', () => {
    const xml = renderRatePlans(input);
    expect(xml).toContain('<RatePlan RatePlanNotifType="Overlay" CurrencyCode="EUR" RatePlanCode="BAR">');
    expect(xml).toContain('<BookingRule CodeContext="ROOMTYPE" Code="DOUBLE" Start="2027-03-01" End="2027-03-04">');
    expect(xml).toContain('<LengthOfStay Time="2" TimeUnit="Day" MinMaxMessageType="SetMinLOS"/>');
    expect(xml).toContain('<LengthOfStay Time="14" TimeUnit="Day" MinMaxMessageType="SetMaxLOS"/>');
    expect(xml).toContain('<ArrivalDaysOfWeek Mon="0" Tue="0" Weds="0" Thur="0" Fri="0" Sat="0" Sun="0"/>');
    expect(xml).toContain('<RestrictionStatus Restriction="Master" Status="Close"/>');
    expect(xml).toContain('<Rate InvTypeCode="DOUBLE" Start="2027-03-01" End="2027-03-04">');
    expect(xml).toContain('<BaseByGuestAmt NumberOfGuests="1" AgeQualifyingCode="10" AmountAfterTax="129.00"/>');
    expect(xml).toContain('<BaseByGuestAmt NumberOfGuests="2" AgeQualifyingCode="10" AmountAfterTax="129.00"/>');
    expect(xml).toContain('<RatePlan RatePlanNotifType="Remove" CurrencyCode="EUR" RatePlanCode="OLD"/>');
    expect(xml).not.toMatch(/RateTimeUnit|Type="25"|Type="7"|DepartureDaysOfWeek/);
    // Arrival is only restricted where it is closed.
    expect(xml.match(/ArrivalDaysOfWeek/g)).toHaveLength(1);
  });

  it('reads back what it renders', () => {
    const read = readRatePlanNotif(renderRatePlans(input));
    expect(read).toMatchObject({ hotelCode: '123', hotelName: 'Frangart Inn', completeSet: false, warnings: [] });
    expect(read.ratePlans[0]).toEqual({
      ratePlan: 'BAR',
      notifType: 'Overlay',
      currency: 'EUR',
      bookingRules: [
        { roomType: 'DOUBLE', from: '2027-03-01', to: '2027-03-04', minStay: 2, maxStay: 14, status: 'Open' },
        { roomType: 'DOUBLE', from: '2027-03-05', to: '2027-03-06', arrivalDays: [], status: 'Open' },
        { roomType: 'SGL', from: '2027-03-01', to: '2027-03-06', maxStay: 7, status: 'Close' },
      ],
      rates: [
        { roomType: 'DOUBLE', from: '2027-03-01', to: '2027-03-04', occupancyRates: [{ guests: 1, amount: '129.00' }, { guests: 2, amount: '129.00' }], amount: '129.00' },
        { roomType: 'DOUBLE', from: '2027-03-05', to: '2027-03-06', occupancyRates: [{ guests: 1, amount: '149.50' }, { guests: 2, amount: '149.50' }], amount: '149.50' },
        { roomType: 'SGL', from: '2027-03-01', to: '2027-03-06', occupancyRates: [{ guests: 1, amount: '89.00' }], amount: '89.00' },
      ],
    });
    expect(read.ratePlans[1]).toEqual({ ratePlan: 'OLD', notifType: 'Remove', currency: 'EUR', bookingRules: [], rates: [] });
  });

  it('renders messages that validate against the AlpineBits 2024-10 schema', async () => {
    const jpy = renderRatePlans({ hotelCode: '1', ratePlans: [{ ratePlan: 'X', currency: 'JPY', rates: [{ roomType: 'A', from: '2027-01-01', to: '2027-01-01', amount: '12000', guests: [1, 2, 3] }] }] }, FIXED_NOW);
    const rulesOnly = renderRatePlans({ hotelCode: '1', ratePlans: [{ ratePlan: 'X', currency: 'EUR', bookingRules: [input.ratePlans[0]!.bookingRules![1]!] }] }, FIXED_NOW);
    expect(await alpineBitsSchemaErrors({ 'overlay.xml': renderRatePlans(input), 'jpy.xml': jpy, 'rules.xml': rulesOnly })).toEqual({ 'overlay.xml': [], 'jpy.xml': [], 'rules.xml': [] });
  });

  it('renders occupancy prices as each NumberOfGuests its own amount, schema-valid, and reads them back', async () => {
    const occupancy = renderRatePlans(
      {
        hotelCode: '1',
        ratePlans: [
          {
            ratePlan: 'BAR',
            currency: 'EUR',
            rates: [
              { roomType: 'FAM', from: '2027-05-01', to: '2027-05-03', amount: '129.00', guests: [1, 2, 3, 4], byGuests: { '1': '109', '2': '129.00', '3': '154.00', '4': '167.70' } },
              // A count without a price of its own (its derived price would be negative) is left out.
              { roomType: 'DBL', from: '2027-05-01', to: '2027-05-03', amount: '40.00', guests: [1, 2], byGuests: { '2': '40.00' } },
            ],
          },
        ],
      },
      FIXED_NOW,
    );
    expect(await alpineBitsSchemaErrors({ 'occupancy.xml': occupancy })).toEqual({ 'occupancy.xml': [] });
    const [plan] = readRatePlanNotif(occupancy).ratePlans;
    expect(plan?.rates).toEqual([
      {
        roomType: 'FAM',
        from: '2027-05-01',
        to: '2027-05-03',
        occupancyRates: [
          { guests: 1, amount: '109.00' },
          { guests: 2, amount: '129.00' },
          { guests: 3, amount: '154.00' },
          { guests: 4, amount: '167.70' },
        ],
        amount: '129.00',
      },
      { roomType: 'DBL', from: '2027-05-01', to: '2027-05-03', occupancyRates: [{ guests: 2, amount: '40.00' }], amount: '40.00' },
    ]);
    const zero = { roomType: 'A', from: '2027-01-01', to: '2027-01-01', amount: '1.00', guests: [1, 2], byGuests: { '1': '0.00', '2': '1.00' } };
    expect(() => renderRatePlans({ hotelCode: '1', ratePlans: [{ ratePlan: 'X', currency: 'EUR', rates: [zero] }] })).toThrow(/byGuests\/1 must be a decimal amount above 0/);
  });

  it('reads the official RatePlans example: static rate, generic rule, per-person amounts', () => {
    const read = readRatePlanNotif(example('RatePlans-OTA_HotelRatePlanNotifRQ.xml'));
    expect(read.hotelCode).toBe('123');
    expect(read.ratePlans).toEqual([
      {
        ratePlan: 'Rate1-4-HB',
        notifType: 'New',
        currency: 'EUR',
        amountType: 'per-person',
        bookingRules: [
          {
            from: '2023-03-03',
            to: '2023-04-17',
            minStay: 5,
            maxStay: 5,
            arrivalDays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
            departureDays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
            status: 'Open',
          },
        ],
        rates: [
          {
            roomType: 'double',
            from: '2023-03-03',
            to: '2023-03-08',
            occupancyRates: [
              { guests: 1, amount: '106.00' },
              { guests: 2, amount: '96.00' },
            ],
            amount: '96.00',
          },
        ],
      },
    ]);
    expect(read.warnings.map((w) => w.reason)).toEqual([
      'AdditionalGuestAmounts are not kept by Tidewater and were ignored',
      'Supplements are not kept by Tidewater and were ignored',
      'Offers are not kept by Tidewater and were ignored',
    ]);
  });

  it.each([
    ['a zero price (AlpineBits amounts are > 0)', { rates: [{ roomType: 'A', from: '2027-01-01', to: '2027-01-01', amount: '0.00', guests: [1] }] }, /above 0/],
    ['a room category longer than 8', { rates: [{ roomType: 'ABCDEFGHI', from: '2027-01-01', to: '2027-01-01', amount: '1', guests: [1] }] }, /1 to 8/],
    ['overlapping periods of one room', { rates: [{ roomType: 'A', from: '2027-01-01', to: '2027-01-05', amount: '1', guests: [1] }, { roomType: 'A', from: '2027-01-05', to: '2027-01-06', amount: '2', guests: [1] }] }, /overlap/],
    ['minStay above maxStay', { bookingRules: [{ roomType: 'A', from: '2027-01-01', to: '2027-01-01', minStay: 5, maxStay: 2, closedToArrival: false, stopSell: false }] }, /above maxStay/],
    ['an empty Overlay', {}, /at least one/],
    ['duplicate occupancies', { rates: [{ roomType: 'A', from: '2027-01-01', to: '2027-01-01', amount: '1', guests: [1, 1] }] }, /distinct/],
  ])('refuses to render %s', (_name, plan, message) => {
    expect(() => renderRatePlans({ hotelCode: '1', ratePlans: [{ ratePlan: 'X', currency: 'EUR', ...plan }] })).toThrow(message);
  });

  it('refuses what it cannot read', () => {
    const wrap = (plan: string) => `<OTA_HotelRatePlanNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="1.000"><RatePlans HotelCode="1">${plan}</RatePlans></OTA_HotelRatePlanNotifRQ>`;
    expect(() => readRatePlanNotif(wrap('<RatePlan RatePlanCode="X" CurrencyCode="EUR"/>'))).toThrow(/RatePlanNotifType/);
    expect(() => readRatePlanNotif(wrap('<RatePlan RatePlanNotifType="Overlay" RatePlanCode="X" CurrencyCode="XXY"/>'))).toThrow(/ISO 4217/);
    expect(() => readRatePlanNotif(wrap('<RatePlan RatePlanNotifType="Overlay" RatePlanCode="X"><Rates><Rate InvTypeCode="A" Start="2027-01-02" End="2027-01-01"><BaseByGuestAmts><BaseByGuestAmt NumberOfGuests="1" AmountAfterTax="1"/></BaseByGuestAmts></Rate></Rates></RatePlan>'))).toThrow(/after End/);
    expect(() => readRatePlanNotif(wrap('<RatePlan RatePlanNotifType="Overlay" RatePlanCode="X"><Rates><Rate InvTypeCode="A" Start="2027-01-01" End="2027-01-01"><BaseByGuestAmts><BaseByGuestAmt NumberOfGuests="1" AmountAfterTax="-1"/></BaseByGuestAmts></Rate></Rates></RatePlan>'))).toThrow(/decimal amount/);
  });
});

describe('AlpineBits RatePlans into the ledger (ratePlanLedgerUpdates)', () => {
  const target: RatePlanTarget = {
    ratePlan: 'HB',
    roomTypes: ['DBL', 'STE'],
    derived: false,
    roomTypeOf: (code) => ({ double: 'DBL', suite: 'STE' })[code],
    amounts: 'per-room',
    earliest: '2027-01-10',
    heldUntil: undefined,
  };
  const overlay = (rest: Partial<ReadRatePlan>): ReadRatePlan => ({ ratePlan: 'Rate-HB', notifType: 'Overlay', bookingRules: [], rates: [], ...rest });
  const twoGuests = [{ guests: 1, amount: '80.00' }, { guests: 2, amount: '60.00' }];

  it('prices the base occupancy: as sent per room, times its guests per person', () => {
    const plan = overlay({ rates: [{ roomType: 'double', from: '2027-02-01', to: '2027-02-03', occupancyRates: twoGuests, amount: '60.00' }] });
    expect(ratePlanLedgerUpdates(plan, target, 2).updates).toEqual([{ roomType: 'DBL', ratePlan: 'HB', from: '2027-02-01', to: '2027-02-03', rate: '60.00' }]);
    expect(ratePlanLedgerUpdates(plan, { ...target, amounts: 'per-person' }, 2).updates).toEqual([{ roomType: 'DBL', ratePlan: 'HB', from: '2027-02-01', to: '2027-02-03', rate: '120.00' }]);
    expect(() => ratePlanLedgerUpdates(plan, { ...target, amounts: undefined }, 2)).toThrow(/per person or per room/);
  });

  it('applies generic rules before room-type rules and turns excluded weekdays into closures', () => {
    const plan = overlay({
      bookingRules: [
        { roomType: 'suite', from: '2027-02-01', to: '2027-02-07', status: 'Close' },
        { from: '2027-02-01', to: '2027-02-07', minStay: 2, arrivalDays: ['mon', 'tue', 'wed', 'thu', 'fri'], departureDays: [] },
      ],
    });
    const { updates, origins } = ratePlanLedgerUpdates(plan, target, 2);
    expect(updates.map((u) => [u.roomType, u.stopSell, u.minStay, u.days, u.closedToArrival, u.closedToDeparture])).toEqual([
      ['DBL', false, 2, undefined, false, false],
      ['DBL', undefined, undefined, ['sat', 'sun'], true, undefined],
      ['DBL', undefined, undefined, undefined, undefined, true],
      ['STE', false, 2, undefined, false, false],
      ['STE', undefined, undefined, ['sat', 'sun'], true, undefined],
      ['STE', undefined, undefined, undefined, undefined, true],
      ['STE', true, null, undefined, false, false],
    ]);
    expect(origins[6]).toBe('BookingRule suite 2027-02-01…2027-02-07 (STE)');
  });

  it('drops nights before the earliest and says so', () => {
    const plan = overlay({ bookingRules: [{ from: '2027-01-01', to: '2027-01-05' }, { roomType: 'double', from: '2027-01-08', to: '2027-01-12' }] });
    const { updates, notes } = ratePlanLedgerUpdates(plan, target, 2);
    expect(updates).toEqual([expect.objectContaining({ roomType: 'DBL', from: '2027-01-10', to: '2027-01-12' })]);
    expect(notes).toEqual(['a BookingRule for 2027-01-01…2027-01-05 is in the past and was not applied']);
  });

  it('Full clears restrictions and closes unpriced nights up to the later of sent and held; not for a derived plan', () => {
    const plan = overlay({ notifType: 'Full', rates: [{ roomType: 'double', from: '2027-01-20', to: '2027-01-25', occupancyRates: twoGuests, amount: '60.00' }] });
    const { updates } = ratePlanLedgerUpdates(plan, { ...target, heldUntil: '2027-02-28' }, 2);
    const closes = updates.filter((u) => u.stopSell === true).map((u) => `${u.roomType} ${u.from}…${u.to}`);
    expect(closes).toEqual(['DBL 2027-01-10…2027-01-19', 'DBL 2027-01-26…2027-02-28', 'STE 2027-01-10…2027-02-28']);
    expect(updates.filter((u) => u.minStay === null).map((u) => `${u.roomType} ${u.from}…${u.to}`)).toEqual(['DBL 2027-01-10…2027-02-28', 'STE 2027-01-10…2027-02-28']);
    expect(ratePlanLedgerUpdates(plan, { ...target, heldUntil: '2027-02-28', derived: true }, 2).updates.some((u) => u.stopSell === true)).toBe(false);
  });

  it('Remove closes every held night, in pieces of at most a year', () => {
    const remove = overlay({ notifType: 'Remove' });
    expect(ratePlanLedgerUpdates(remove, target, 2)).toEqual({ updates: [], origins: [], notes: ['rate plan Rate-HB has no nights to close'] });
    const { updates } = ratePlanLedgerUpdates(remove, { ...target, roomTypes: ['DBL'], heldUntil: '2029-03-01' }, 2);
    expect(updates.map((u) => `${u.from}…${u.to} ${String(u.stopSell)}`)).toEqual(['2027-01-10…2028-01-10 true', '2028-01-11…2029-01-10 true', '2029-01-11…2029-03-01 true']);
  });
});
