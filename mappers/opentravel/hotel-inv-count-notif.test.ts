import path from 'node:path';
import { readFileSync } from 'node:fs';
import { parseAriBatch } from '../../core/ari';
import { readHotelInvCountNotif, renderHotelInvCountNotif } from './hotel-inv-count-notif';
import { ALPINEBITS_EXAMPLES, FIXED_NOW, opentravelValidator, readFixture, xmlErrorOf } from './testing';

const MARCH = { from: '2027-03-01', to: '2027-03-31' };

function message(inventories: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<OTA_HotelInvCountNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="3.000">
  <Inventories HotelCode="998877">
${inventories}
  </Inventories>
</OTA_HotelInvCountNotifRQ>`;
}

const alpineBits = (name: string) => readFileSync(path.join(ALPINEBITS_EXAMPLES, name), 'utf8');

describe('OTA_HotelInvCountNotifRQ', () => {
  it('reads the fixture: CountType 1 → total, 2 → available, 6 → outOfOrder', () => {
    const read = readHotelInvCountNotif(readFixture('ota-hotel-inv-count-notif-rq.xml'));
    expect(read).toEqual({
      echoToken: 'inv-count-20270301-0001',
      timeStamp: '2027-02-20T09:30:00+01:00',
      target: 'Production',
      version: '3.000',
      standard: 'opentravel',
      hotelCode: '998877',
      completeSet: false,
      updates: [
        { roomType: '1001', ...MARCH, total: 20, outOfOrder: 1 },
        { roomType: '1001', ...MARCH, days: ['fri', 'sat'], available: 7 },
        { roomType: '1001', from: '2027-03-14', to: '2027-03-14', available: 0 },
      ],
      closedPeriods: [],
      warnings: [],
    });
    expect(() => parseAriBatch({ updates: read.updates })).not.toThrow();
  });

  it('reads AlpineBits FreeRooms: no InvCounts is fully booked, closing seasons, CompleteSet', () => {
    const read = readHotelInvCountNotif(alpineBits('FreeRooms-OTA_HotelInvCountNotifRQ-closing_seasons.xml'));
    expect(read).toMatchObject({ standard: 'alpinebits', hotelCode: '123', completeSet: true, warnings: [] });
    expect(read.updates).toEqual([
      { roomType: 'DOUBLE', from: '2022-08-01', to: '2022-08-10', available: 3 },
      { roomType: 'DOUBLE', from: '2022-08-11', to: '2022-08-20', available: 0 },
      { roomType: 'DOUBLE', from: '2022-08-21', to: '2022-08-30', available: 1 },
    ]);
    expect(read.closedPeriods).toEqual([{ from: '2022-08-31', to: '2022-09-30' }]);

    const empty = readHotelInvCountNotif(alpineBits('FreeRooms-OTA_HotelInvCountNotifRQ-empty.xml'));
    expect(empty).toMatchObject({ completeSet: true, updates: [], closedPeriods: [], warnings: [] });
  });

  it('reads AlpineBits out-of-order counts and warns about "free but not bookable" (CountType 9)', () => {
    const read = readHotelInvCountNotif(
      message(`<Inventory><StatusApplicationControl Start="2027-03-01" End="2027-03-02" InvTypeCode="1001"/>
        <InvCounts><InvCount CountType="6" Count="1"/><InvCount CountType="9" Count="2"/></InvCounts></Inventory>`),
    );
    expect(read.standard).toBe('alpinebits');
    // AlpineBits: an InvCount left out counts as 0.
    expect(read.updates).toEqual([{ roomType: '1001', from: '2027-03-01', to: '2027-03-02', outOfOrder: 1, available: 0 }]);
    expect(read.warnings).toEqual([{ line: 5, element: 'InvCount', reason: 'CountType 9 is not kept by Tidewater and was ignored' }]);
  });

  it('in plain OpenTravel, an Inventory without counts sets nothing', () => {
    const read = readHotelInvCountNotif(message('<Inventory><StatusApplicationControl Start="2027-03-01" InvTypeCode="1001"/></Inventory>'), {
      standard: 'opentravel',
    });
    expect(read.updates).toEqual([]);
    expect(read.warnings).toHaveLength(1);
  });

  it('round-trips: parse → render → parse gives the same object', () => {
    for (const xml of [
      readFixture('ota-hotel-inv-count-notif-rq.xml'),
      alpineBits('FreeRooms-OTA_HotelInvCountNotifRQ-closing_seasons.xml'),
      alpineBits('FreeRooms-OTA_HotelInvCountNotifRQ-delta.xml'),
      alpineBits('FreeRooms-OTA_HotelInvCountNotifRQ-empty.xml'),
    ]) {
      const first = readHotelInvCountNotif(xml);
      const again = readHotelInvCountNotif(renderHotelInvCountNotif(first, FIXED_NOW), { standard: first.standard });
      expect({ ...again, timeStamp: first.timeStamp }).toEqual(first);
    }
  });

  it('renders messages that validate against the OpenTravel 2015B schema', async () => {
    const documents = [
      readFixture('ota-hotel-inv-count-notif-rq.xml'),
      alpineBits('FreeRooms-OTA_HotelInvCountNotifRQ-closing_seasons.xml'),
      alpineBits('FreeRooms-OTA_HotelInvCountNotifRQ-empty.xml'),
    ].map((xml, i) => ({ fileName: `rendered-${i}.xml`, xml: renderHotelInvCountNotif(readHotelInvCountNotif(xml), FIXED_NOW) }));
    const report = await opentravelValidator().validate(documents);
    expect(report.filter((r) => !r.valid)).toEqual([]);
  });

  it.each([
    ['a negative count', '<Inventory><StatusApplicationControl Start="2027-03-01" InvTypeCode="1001"/><InvCounts><InvCount CountType="2" Count="-2"/></InvCounts></Inventory>', 'invalid-value', 'InvCount'],
    ['a count that is not a number', '<Inventory><StatusApplicationControl Start="2027-03-01" InvTypeCode="1001"/><InvCounts><InvCount CountType="2" Count="many"/></InvCounts></Inventory>', 'invalid-value', 'InvCount'],
    ['a count type without Count', '<Inventory><StatusApplicationControl Start="2027-03-01" InvTypeCode="1001"/><InvCounts><InvCount CountType="2"/></InvCounts></Inventory>', 'missing-field', 'InvCount'],
    ['an adjustment (a delta)', '<Inventory><StatusApplicationControl Start="2027-03-01" InvTypeCode="1001"/><InvCounts><InvCount CountType="2" Count="1" ActionType="Adjustment"/></InvCounts></Inventory>', 'unsupported-value', 'InvCount'],
    ['Start after End', '<Inventory><StatusApplicationControl Start="2027-03-02" End="2027-03-01" InvTypeCode="1001"/><InvCounts><InvCount CountType="2" Count="1"/></InvCounts></Inventory>', 'invalid-date-range', 'StatusApplicationControl'],
    ['counts for all room types at once', '<Inventory><StatusApplicationControl Start="2027-03-01" AllInvCode="true"/><InvCounts><InvCount CountType="2" Count="1"/></InvCounts></Inventory>', 'missing-field', 'StatusApplicationControl'],
  ])('refuses %s', (_name, body, problem, element) => {
    expect(xmlErrorOf(() => readHotelInvCountNotif(message(body)))).toMatchObject({ problem, element, line: 4 });
  });

  it('refuses AlpineBits counts per individual room rather than misreading them as category counts', () => {
    const body = '<Inventory><StatusApplicationControl Start="2027-03-01" InvTypeCode="DOUBLE" InvCode="101"/><InvCounts><InvCount CountType="2" Count="1"/></InvCounts></Inventory>';
    expect(xmlErrorOf(() => readHotelInvCountNotif(message(body), { standard: 'alpinebits' }))).toMatchObject({ problem: 'unsupported-value' });
  });

  it('renders only Version on the root for AlpineBits, whose schema allows no other payload attribute', () => {
    const update = { roomType: 'DOUBLE', from: '2027-03-01', to: '2027-03-02', available: 2 };
    const alpine = renderHotelInvCountNotif({ hotelCode: '123', echoToken: 'e1', target: 'Test', updates: [update], standard: 'alpinebits' }, FIXED_NOW);
    expect(alpine).toMatch(/<OTA_HotelInvCountNotifRQ xmlns="http:\/\/www.opentravel.org\/OTA\/2003\/05" Version="3.000">/);
    const ota = renderHotelInvCountNotif({ hotelCode: '123', echoToken: 'e1', updates: [update] }, FIXED_NOW);
    expect(ota).toMatch(/EchoToken="e1" TimeStamp="2027-02-20T08:30:01\+00:00"/);
  });

  it('refuses to render what it cannot carry', () => {
    const base = { roomType: '1001', from: '2027-03-01', to: '2027-03-01' };
    expect(() => renderHotelInvCountNotif({ hotelCode: '998877', updates: [{ ...base, stopSell: true }] })).toThrow(/stopSell cannot be sent/);
    expect(() => renderHotelInvCountNotif({ hotelCode: '998877', updates: [{ ...base, total: 4 }], standard: 'alpinebits' })).toThrow(/AlpineBits/);
    expect(() => renderHotelInvCountNotif({ hotelCode: '998877', updates: [{ ...base, available: -1 }] })).toThrow(/≥ 0/);
    expect(() => renderHotelInvCountNotif({ hotelCode: '998877', updates: [] })).toThrow(/at least one/);
  });
});
