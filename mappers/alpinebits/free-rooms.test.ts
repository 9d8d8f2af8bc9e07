import { renderHotelInvCountNotif } from '../opentravel/hotel-inv-count-notif';
import { readFreeRooms, renderFreeRooms } from './free-rooms';
import { alpineBitsSchemaErrors, example, FIXED_NOW } from './testing';

describe('AlpineBits FreeRooms', () => {
  const availability = [
    { roomType: 'DOUBLE', from: '2027-03-01', to: '2027-03-10', available: 3 },
    { roomType: 'DOUBLE', from: '2027-03-11', to: '2027-03-11', available: 0 },
    { roomType: 'SGL', from: '2027-03-01', to: '2027-03-31', available: 1 },
  ];

  it('renders a delta without UniqueID and a CompleteSet with it, CountType 2 only', () => {
    const delta = renderFreeRooms({ hotelCode: '123', availability });
    expect(delta).not.toContain('UniqueID');
    expect(delta).toContain('<StatusApplicationControl Start="2027-03-01" End="2027-03-10" InvTypeCode="DOUBLE"/>');
    expect(delta).toContain('<InvCount CountType="2" Count="3"/>');
    expect(delta).not.toMatch(/TimeStamp|EchoToken|CountType="1"/);
    const full = renderFreeRooms({ hotelCode: '123', availability, completeSet: true, closedPeriods: [{ from: '2027-11-01', to: '2027-11-30' }] });
    expect(full).toContain('<UniqueID Type="16" ID="1" Instance="CompleteSet"/>');
    expect(full).toContain('<StatusApplicationControl Start="2027-11-01" End="2027-11-30" AllInvCode="true"/>');
    expect(readFreeRooms(delta)).toMatchObject({ hotelCode: '123', completeSet: false, updates: availability, warnings: [] });
    expect(readFreeRooms(full)).toMatchObject({ completeSet: true, closedPeriods: [{ from: '2027-11-01', to: '2027-11-30' }] });
  });

  it('renders messages that validate against the AlpineBits 2024-10 schema (and the check does catch invalid ones)', async () => {
    const errors = await alpineBitsSchemaErrors({
      'delta.xml': renderFreeRooms({ hotelCode: '123', availability }),
      'complete.xml': renderFreeRooms({ hotelCode: '123', availability, completeSet: true }),
      'empty.xml': renderFreeRooms({ hotelCode: '123', availability: [], completeSet: true }),
      'opentravel.xml': renderHotelInvCountNotif({ hotelCode: '123', updates: [{ roomType: 'DOUBLE', from: '2027-03-01', to: '2027-03-01', total: 4 }] }, FIXED_NOW),
    });
    expect(errors['delta.xml']).toEqual([]);
    expect(errors['complete.xml']).toEqual([]);
    expect(errors['empty.xml']).toEqual([]);
    // The plain OpenTravel rendering (TimeStamp, CountType 1) is what an AlpineBits server would refuse.
    expect(errors['opentravel.xml']?.join('\n')).toMatch(/TimeStamp|CountType/);
  });

  it('reads every official FreeRooms example with AlpineBits rules', () => {
    expect(readFreeRooms(example('FreeRooms-OTA_HotelInvCountNotifRQ.xml'))).toMatchObject({
      hotelCode: '123',
      completeSet: true,
      updates: [
        { roomType: 'DOUBLE', from: '2022-08-01', to: '2022-08-10', available: 3 },
        { roomType: 'DOUBLE', from: '2022-08-11', to: '2022-08-20', available: 0 },
        { roomType: 'DOUBLE', from: '2022-08-21', to: '2022-08-30', available: 1 },
      ],
    });
    // The delta has no CompleteSet marker; its Inventory without InvCounts is still "fully booked".
    expect(readFreeRooms(example('FreeRooms-OTA_HotelInvCountNotifRQ-delta.xml'))).toMatchObject({
      completeSet: false,
      updates: [
        { roomType: 'DOUBLE', from: '2022-08-11', to: '2022-08-20', available: 1 },
        { roomType: 'DOUBLE', from: '2022-08-21', to: '2022-08-30', available: 0 },
      ],
    });
    expect(readFreeRooms(example('FreeRooms-OTA_HotelInvCountNotifRQ-closing_seasons.xml')).closedPeriods).toEqual([{ from: '2022-08-31', to: '2022-09-30' }]);
    expect(readFreeRooms(example('FreeRooms-OTA_HotelInvCountNotifRQ-empty.xml'))).toMatchObject({ completeSet: true, updates: [] });
  });

  it('refuses room category codes AlpineBits cannot carry and deltas with nothing in them', () => {
    expect(() => renderFreeRooms({ hotelCode: '123', availability: [{ ...availability[0]!, roomType: 'DOUBLE-DELUXE' }] })).toThrow(/1 to 8 characters/);
    expect(() => renderFreeRooms({ hotelCode: '123', availability: [] })).toThrow(/at least one/);
    expect(() => renderFreeRooms({ hotelCode: '123', availability: [{ ...availability[0]!, available: -1 }] })).toThrow(/≥ 0/);
  });
});
