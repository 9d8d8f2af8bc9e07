import { allocateTotal, bookingIdOf, renderGuestRequestsRS, requestIdOf, roomsOf, type GuestRequestOut } from './guest-requests';
import { alpineBitsSchemaErrors, FIXED_NOW } from './testing';

const reserved: GuestRequestOut = {
  id: requestIdOf('0f8fad5b-d9cb-469f-a165-70867728950e'),
  status: 'Reserved',
  createdAt: new Date('2027-02-01T10:00:00Z'),
  hotelCode: '123',
  hotelName: 'Frangart Inn',
  rooms: roomsOf([{ roomType: 'DOUBLE', ratePlan: 'BAR', checkIn: '2027-06-01', checkOut: '2027-06-04', rooms: 2, adults: 2, children: 1 }, { roomType: 'SGL', checkIn: '2027-06-01', checkOut: '2027-06-02', rooms: 1 }], { amount: '700', currency: 'EUR' }),
  guest: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org', phone: '+44 (20) 7946-0000' },
  origin: { source: 'otax', reference: 'OTA-55' },
};

describe('AlpineBits GuestRequests (OTA_ResRetrieveRS)', () => {
  it('shares a total out by room nights, to the cent, leftovers on the first rooms', () => {
    expect(allocateTotal('700', 'EUR', [3, 3, 1])).toEqual(['300.00', '300.00', '100.00']);
    expect(allocateTotal('100.00', 'EUR', [1, 1, 1])).toEqual(['33.34', '33.33', '33.33']);
    expect(allocateTotal('1001', 'JPY', [1, 1])).toEqual(['501', '500']);
    expect(allocateTotal('0', 'EUR', [2, 5])).toEqual(['0.00', '0.00']);
  });

  it('turns a stay of n rooms into n RoomStays, children without age kept aside', () => {
    expect(reserved.rooms).toEqual([
      { roomType: 'DOUBLE', ratePlan: 'BAR', checkIn: '2027-06-01', checkOut: '2027-06-04', adults: 2, childrenWithoutAge: 1, total: { amount: '300.00', currency: 'EUR' } },
      { roomType: 'DOUBLE', ratePlan: 'BAR', checkIn: '2027-06-01', checkOut: '2027-06-04', adults: 2, childrenWithoutAge: 1, total: { amount: '300.00', currency: 'EUR' } },
      { roomType: 'SGL', checkIn: '2027-06-01', checkOut: '2027-06-02', total: { amount: '100.00', currency: 'EUR' } },
    ]);
  });

  it('maps booking ids to 32-character request ids and back', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(requestIdOf(id)).toBe('0f8fad5bd9cb469fa16570867728950e');
    expect(bookingIdOf(requestIdOf(id))).toBe(id);
    expect(bookingIdOf(id.toUpperCase())).toBe(id);
    expect(bookingIdOf('6b34fe24ac2ff810')).toBeUndefined();
  });

  it('renders Reserved, Modify, Cancelled and an empty list that validate against the AlpineBits schema', async () => {
    const full = renderGuestRequestsRS(
      {
        requests: [
          reserved,
          { ...reserved, id: 'b', status: 'Modify', lastModifiedAt: new Date('2027-02-02T10:00:00Z'), guest: { lastName: 'Only' }, origin: { source: 'direct' } },
          { id: 'c', status: 'Cancelled', createdAt: new Date('2027-02-01T10:00:00Z'), hotelCode: '123', rooms: [] },
        ],
        warnings: [{ type: '3', code: 450, recordId: 'd', text: 'cannot be sent' }],
      },
      FIXED_NOW,
    );
    expect(full).toContain('<HotelReservation CreateDateTime="2027-02-01T10:00:00+00:00" ResStatus="Reserved" RoomStayReservation="true">');
    expect(full).toContain('<Telephone PhoneTechType="1" PhoneNumber="+442079460000"/>');
    expect(full).toContain('<GuestCount Count="2"/>');
    expect(full).toContain('2 children without a known age');
    expect(full).toContain('the number of guests is not known for 1 of its rooms');
    expect(full).toContain('<HotelReservationID ResID_Type="13" ResID_Value="OTA-55" ResID_Source="otax"/>');
    // A guest without a first name has no valid PersonName in AlpineBits: left out.
    expect(full.match(/<ResGuests>/g)).toHaveLength(1);
    expect(full).toMatch(/<HotelReservation CreateDateTime="[^"]+" ResStatus="Cancelled">\s*<UniqueID Type="15" ID="c"\/>\s*<\/HotelReservation>/);
    const empty = renderGuestRequestsRS({ requests: [] }, FIXED_NOW);
    expect(await alpineBitsSchemaErrors({ 'full.xml': full, 'empty.xml': empty })).toEqual({ 'full.xml': [], 'empty.xml': [] });
  });

  it('refuses what AlpineBits cannot carry', () => {
    const long = { ...reserved, rooms: [{ roomType: 'PENTHOUSE', checkIn: '2027-01-01', checkOut: '2027-01-02' }] };
    expect(() => renderGuestRequestsRS({ requests: [long] })).toThrow(/1 to 8/);
    expect(() => renderGuestRequestsRS({ requests: [{ ...reserved, id: 'x'.repeat(33) }] })).toThrow(/id/);
    expect(() => renderGuestRequestsRS({ requests: [{ ...reserved, rooms: [] }] })).toThrow(/at least one room/);
  });
});

describe('roomsOf guest counts', () => {
  it('shares a channel stay’s counts (over all its rooms) across the rooms; direct counts are per room', () => {
    const stay = { roomType: 'DBL', checkIn: '2027-06-01', checkOut: '2027-06-03', rooms: 2, adults: 5, children: 1 };
    expect(roomsOf([stay], undefined, 'per-stay').map((r) => [r.adults, r.childrenWithoutAge])).toEqual([
      [3, 1],
      [2, undefined],
    ]);
    expect(roomsOf([stay], undefined).map((r) => [r.adults, r.childrenWithoutAge])).toEqual([
      [5, 1],
      [5, 1],
    ]);
  });
});
