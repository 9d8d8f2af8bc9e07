import fc from 'fast-check';
import { parseAriBatch, type AriUpdate } from '../../core/ari';
import { addDays, WEEKDAYS } from '../../core/dates';
import { readHotelAvailNotif, renderHotelAvailNotif } from './hotel-avail-notif';
import { FIXED_NOW, opentravelValidator, readFixture, xmlErrorOf } from './testing';

const MARCH = { from: '2027-03-01', to: '2027-03-31' };

const expectedUpdates: AriUpdate[] = [
  { roomType: '1001', ...MARCH, days: ['fri', 'sat'], available: 7 },
  { roomType: '1001', ratePlan: '5001', ...MARCH, minStay: 2, maxStay: 14, stopSell: false, closedToArrival: false, closedToDeparture: false },
  { roomType: '1001', ratePlan: '5001', ...MARCH, days: ['sat'], closedToArrival: true },
  { roomType: '1001', ratePlan: '5002', from: '2027-03-14', to: '2027-03-14', stopSell: true },
  { roomType: '1001', ratePlan: '5001', from: '2027-04-01', to: '2027-04-30', minStay: null },
];

function message(body: string, hotel = '998877'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<OTA_HotelAvailNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="4.000">
  <AvailStatusMessages HotelCode="${hotel}">
${body}
  </AvailStatusMessages>
</OTA_HotelAvailNotifRQ>`;
}

describe('OTA_HotelAvailNotifRQ', () => {
  it('reads the fixture into ARI updates the core accepts', () => {
    const read = readHotelAvailNotif(readFixture('ota-hotel-avail-notif-rq.xml'));
    expect(read).toEqual({
      echoToken: 'avail-20270301-0001',
      timeStamp: '2027-02-20T09:30:00+01:00',
      target: 'Production',
      version: '4.000',
      hotelCode: '998877',
      updates: expectedUpdates,
      warnings: [],
    });
    expect(() => parseAriBatch({ updates: read.updates })).not.toThrow();
  });

  it('reads what real partners send: prefixes, odd booleans and weekday spellings, dates with zones, extensions', () => {
    const read = readHotelAvailNotif(readFixture('ota-hotel-avail-notif-rq-tolerant.xml'));
    expect(read.hotelCode).toBe('998877');
    expect(read.timeStamp).toBe('2027-02-20T09:30:00.123+0530');
    expect(read.updates).toEqual([
      { roomType: '1001', from: '2027-03-05', to: '2027-03-07', days: ['wed', 'thu', 'fri', 'sat'], available: 3 },
      { roomType: '1001', ratePlan: '5001', from: '2027-03-05', to: '2027-03-05', stopSell: true },
    ]);
    expect(read.warnings.map((w) => w.element)).toEqual(['Audit', 'HurdleRate']);
    expect(read.warnings[1]).toMatchObject({ line: 16, reason: expect.stringMatching(/HurdleRate/) });
  });

  it('round-trips: parse → render → parse gives the same object', () => {
    const first = readHotelAvailNotif(readFixture('ota-hotel-avail-notif-rq.xml'));
    const again = readHotelAvailNotif(renderHotelAvailNotif(first));
    expect(again).toEqual(first);
  });

  it('round-trips any updates it can express (property)', () => {
    const weekdays = fc
      .subarray([...WEEKDAYS], { minLength: 1, maxLength: 6 })
      .map((days) => WEEKDAYS.filter((d) => days.includes(d)));
    const update = fc
      .record(
        {
          roomType: fc.constantFrom('1001', '1002', 'DBL-SEA'),
          ratePlan: fc.constantFrom('5001', '5002'),
          length: fc.integer({ min: 0, max: 90 }),
          days: weekdays,
          available: fc.integer({ min: 0, max: 500 }),
          minStay: fc.option(fc.integer({ min: 1, max: 30 })),
          maxStay: fc.option(fc.integer({ min: 1, max: 999 })),
          stopSell: fc.boolean(),
          closedToArrival: fc.boolean(),
          closedToDeparture: fc.boolean(),
        },
        { requiredKeys: ['roomType', 'length'] },
      )
      .filter((u) => ['available', 'minStay', 'maxStay', 'stopSell', 'closedToArrival', 'closedToDeparture'].some((k) => k in u));
    fc.assert(
      fc.property(fc.array(update, { minLength: 1, maxLength: 8 }), (generated) => {
        // Distinct start dates: the reader joins consecutive messages for the same target.
        const updates: AriUpdate[] = generated.map(({ length, ...u }, i) => {
          const from = addDays('2027-01-01', i * 100);
          return { ...u, from, to: addDays(from, length) };
        });
        const read = readHotelAvailNotif(renderHotelAvailNotif({ hotelCode: '998877', updates }, FIXED_NOW));
        expect(read.updates).toEqual(updates);
        expect(read.warnings).toEqual([]);
      }),
      { numRuns: 80 },
    );
  });

  it('renders messages that validate against the OpenTravel 2015B schema', async () => {
    const fromFixture = renderHotelAvailNotif(readHotelAvailNotif(readFixture('ota-hotel-avail-notif-rq.xml')));
    const everything = renderHotelAvailNotif(
      {
        hotelCode: '998877',
        echoToken: 'x'.repeat(200),
        target: 'Test',
        updates: [
          { roomType: '1001', ratePlan: '5001', from: '2027-03-01', to: '2027-03-02', days: ['mon'], available: 0, minStay: 3, maxStay: null, stopSell: true, closedToArrival: true, closedToDeparture: false },
          { roomType: '1001', from: '2027-03-01', to: '2027-03-01', minStay: null },
        ],
      },
      FIXED_NOW,
    );
    expect(everything).toContain('TimeStamp="2027-02-20T08:30:01+00:00"');
    const report = await opentravelValidator().validate([
      { fileName: 'from-fixture.xml', xml: fromFixture },
      { fileName: 'everything.xml', xml: everything },
    ]);
    expect(report.filter((r) => !r.valid)).toEqual([]);
  });

  it('refuses a Start after End, naming the line and element', () => {
    const xml = message(`    <AvailStatusMessage BookingLimit="2">
      <StatusApplicationControl Start="2027-03-31" End="2027-03-01" InvTypeCode="1001"/>
    </AvailStatusMessage>`);
    const error = xmlErrorOf(() => readHotelAvailNotif(xml));
    expect(error).toMatchObject({ problem: 'invalid-date-range', line: 5, element: 'StatusApplicationControl', otaType: '3', otaCode: '404' });
    expect(error.reason).toBe('Start (2027-03-31) is after End (2027-03-01); End is the last night, inclusive');
  });

  it('refuses a negative BookingLimit', () => {
    const xml = message(`    <AvailStatusMessage BookingLimit="-3">
      <StatusApplicationControl Start="2027-03-01" End="2027-03-01" InvTypeCode="1001"/>
    </AvailStatusMessage>`);
    expect(xmlErrorOf(() => readHotelAvailNotif(xml))).toMatchObject({
      problem: 'invalid-value',
      line: 4,
      element: 'AvailStatusMessage',
      reason: 'BookingLimit must not be negative; got -3',
      otaType: '3',
      otaCode: '320',
    });
  });

  it.each([
    ['an AdjustLimit (a delta)', '<AvailStatusMessage BookingLimit="2" BookingLimitMessageType="AdjustLimit"><StatusApplicationControl Start="2027-03-01" InvTypeCode="1001"/></AvailStatusMessage>', 'unsupported-value'],
    ['a missing room type', '<AvailStatusMessage BookingLimit="2"><StatusApplicationControl Start="2027-03-01"/></AvailStatusMessage>', 'missing-field'],
    ['a missing StatusApplicationControl', '<AvailStatusMessage BookingLimit="2"/>', 'missing-field'],
    ['an impossible date', '<AvailStatusMessage BookingLimit="2"><StatusApplicationControl Start="2027-02-30" InvTypeCode="1001"/></AvailStatusMessage>', 'invalid-date'],
    ['a Duration instead of End', '<AvailStatusMessage BookingLimit="2"><StatusApplicationControl Start="2027-02-01" Duration="P3D" InvTypeCode="1001"/></AvailStatusMessage>', 'unsupported-value'],
    ['weekdays that exclude every day', '<AvailStatusMessage BookingLimit="2"><StatusApplicationControl Start="2027-02-01" InvTypeCode="1001" Mon="false" Sat="0"/></AvailStatusMessage>', 'invalid-value'],
    ['a boolean that is not one', '<AvailStatusMessage BookingLimit="2"><StatusApplicationControl Start="2027-02-01" InvTypeCode="1001" Mon="yes"/></AvailStatusMessage>', 'invalid-value'],
    ['a length of stay without Time', '<AvailStatusMessage><StatusApplicationControl Start="2027-02-01" InvTypeCode="1001"/><LengthsOfStay><LengthOfStay MinMaxMessageType="SetMinLOS"/></LengthsOfStay></AvailStatusMessage>', 'missing-field'],
    ['a length of stay in hours', '<AvailStatusMessage><StatusApplicationControl Start="2027-02-01" InvTypeCode="1001"/><LengthsOfStay><LengthOfStay Time="2" TimeUnit="Hour" MinMaxMessageType="SetMinLOS"/></LengthsOfStay></AvailStatusMessage>', 'unsupported-value'],
  ])('refuses %s', (_name, body, problem) => {
    expect(xmlErrorOf(() => readHotelAvailNotif(message(body)))).toMatchObject({ problem });
  });

  it('refuses a message without hotel code, and other roots', () => {
    expect(xmlErrorOf(() => readHotelAvailNotif(message('', '')))).toMatchObject({ problem: 'missing-field', element: 'AvailStatusMessages' });
    expect(xmlErrorOf(() => readHotelAvailNotif('<OTA_PingRQ Version="1"/>'))).toMatchObject({ problem: 'unsupported-message' });
  });

  it('reads Time="0" and RemoveMaxLOS as "no limit", weeks as days, ClosedOnArrival as closed to arrival', () => {
    const read = readHotelAvailNotif(
      message(`<AvailStatusMessage>
        <StatusApplicationControl Start="2027-02-01" InvTypeCode="1001" RatePlanCode="5001"/>
        <LengthsOfStay><LengthOfStay Time="0" MinMaxMessageType="SetMinLOS"/><LengthOfStay Time="2" TimeUnit="Week" MinMaxMessageType="MaxLOS"/></LengthsOfStay>
        <RestrictionStatus Status="ClosedOnArrival"/>
      </AvailStatusMessage>`),
    );
    expect(read.updates).toEqual([
      { roomType: '1001', ratePlan: '5001', from: '2027-02-01', to: '2027-02-01', minStay: null, maxStay: 14, closedToArrival: true },
    ]);
  });

  it('refuses to render what the message cannot carry, instead of dropping it', () => {
    const base = { roomType: '1001', ratePlan: '5001', from: '2027-03-01', to: '2027-03-01' };
    expect(() => renderHotelAvailNotif({ hotelCode: '998877', updates: [{ ...base, rate: '129.00' }] })).toThrow(/rate cannot be sent/);
    expect(() => renderHotelAvailNotif({ hotelCode: '998877', updates: [{ ...base, total: 3 }] })).toThrow(/total cannot be sent/);
    expect(() => renderHotelAvailNotif({ hotelCode: '998877', updates: [base] })).toThrow(/sets nothing/);
    expect(() => renderHotelAvailNotif({ hotelCode: '998877', updates: [] })).toThrow(/at least one/);
    expect(() => renderHotelAvailNotif({ hotelCode: '998877', updates: [{ ...base, from: '2027-03-02', stopSell: true }] })).toThrow(/after/);
    expect(() => renderHotelAvailNotif({ hotelCode: 'x'.repeat(17), updates: [{ ...base, stopSell: true }] })).toThrow(/hotelCode/);
  });
});
