import { readInventory } from './inventory';
import { example } from './testing';

describe('AlpineBits Inventory/Basic push (readInventory)', () => {
  it('reads the official example: one category, its five physical rooms, its name', () => {
    const message = readInventory(example('Inventory-Push-OTA_HotelDescriptiveContentNotifRQ-basic.xml'));
    expect(message).toMatchObject({ hotelCode: '123', hotelName: 'Frangart Inn', descriptiveContent: true, warnings: [] });
    expect(message.categories).toEqual([{ code: 'DZ', name: 'Double room', minOccupancy: 1, maxOccupancy: 2, standardOccupancy: 2, rooms: 5, line: expect.any(Number) }]);
  });

  it('reads the empty inventory (delete everything) and the HotelInfo examples without refusing them', () => {
    expect(readInventory(example('Inventory-Push-OTA_HotelDescriptiveContentNotifRQ-delete-all.xml'))).toMatchObject({ hotelCode: '9996', categories: [], descriptiveContent: false });
    expect(readInventory(example('Inventory-Push-OTA_HotelDescriptiveContentNotifRQ-hotelInfo.xml'))).toMatchObject({ categories: [], descriptiveContent: true });
  });

  it('refuses what it cannot read', () => {
    const wrap = (inner: string) => `<OTA_HotelDescriptiveContentNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="8.000">${inner}</OTA_HotelDescriptiveContentNotifRQ>`;
    expect(() => readInventory(wrap(''))).toThrow(/HotelDescriptiveContents/);
    expect(() => readInventory(wrap('<HotelDescriptiveContents><HotelDescriptiveContent/></HotelDescriptiveContents>'))).toThrow(/HotelCode/);
    expect(() => readInventory(wrap('<HotelDescriptiveContents><HotelDescriptiveContent HotelCode="1"><FacilityInfo><GuestRooms><GuestRoom Code="A" MaxOccupancy="many"/></GuestRooms></FacilityInfo></HotelDescriptiveContent></HotelDescriptiveContents>'))).toThrow(/MaxOccupancy/);
  });
});
