import { readInventory, renderInventory, type InventoryInput } from './inventory';
import { alpineBitsSchemaErrors, example } from './testing';

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

describe('AlpineBits Inventory/Basic push (renderInventory)', () => {
  const input: InventoryInput = {
    hotelCode: '123',
    hotelName: 'Frangart Inn',
    categories: [
      { code: 'DOUBLE', name: 'Double room', rooms: 3, maxOccupancy: 2 },
      { code: 'FAM', name: 'Family <suite> & more', rooms: 1, maxOccupancy: 4, minOccupancy: 2, standardOccupancy: 3 },
      { code: 'EMPTY', name: 'Not built yet', rooms: 0, maxOccupancy: 1 },
    ],
  };
  /** What the reader gives back, without its line numbers. */
  const categoriesOf = (xml: string) => readInventory(xml).categories.map(({ line: _line, ...category }) => category);

  it('round-trips: readInventory(renderInventory(x)) gives back the categories, names and room counts', () => {
    const xml = renderInventory(input);
    expect(readInventory(xml)).toMatchObject({ hotelCode: '123', hotelName: 'Frangart Inn', warnings: [] });
    expect(categoriesOf(xml)).toEqual([
      { code: 'DOUBLE', name: 'Double room', minOccupancy: 1, maxOccupancy: 2, standardOccupancy: 2, rooms: 3 },
      { code: 'FAM', name: 'Family <suite> & more', minOccupancy: 2, maxOccupancy: 4, standardOccupancy: 3, rooms: 1 },
      { code: 'EMPTY', name: 'Not built yet', minOccupancy: 1, maxOccupancy: 1, standardOccupancy: 1, rooms: 0 },
    ]);
    // Categories only, for a server without use_rooms: the same categories, no physical rooms.
    expect(categoriesOf(renderInventory({ ...input, physicalRooms: false })).map((c) => [c.code, c.rooms])).toEqual([
      ['DOUBLE', 0],
      ['FAM', 0],
      ['EMPTY', 0],
    ]);
  });

  it('writes the official example\'s shape: a describing GuestRoom, then one GuestRoom with a RoomID per room', () => {
    const xml = renderInventory({ hotelCode: '123', categories: [{ code: 'DZ', name: 'Double room', rooms: 2, maxOccupancy: 2 }], language: 'de' });
    expect(xml).toContain('<GuestRoom Code="DZ" MaxOccupancy="2" MinOccupancy="1">');
    expect(xml).toContain('<TypeRoom StandardOccupancy="2" RoomClassificationCode="42"/>');
    expect(xml).toContain('<MultimediaDescription InfoCode="25">');
    expect(xml).toContain('<Description TextFormat="PlainText" Language="de">Double room</Description>');
    expect(xml).toContain('<TypeRoom RoomID="DZ-1"/>');
    expect(xml).toContain('<TypeRoom RoomID="DZ-2"/>');
    expect(xml).not.toMatch(/TimeStamp|HotelName/);
    // Pure: the same input renders the same bytes.
    expect(renderInventory(input)).toBe(renderInventory(input));
  });

  it('renders messages that validate against the AlpineBits 2024-10 schema', async () => {
    const errors = await alpineBitsSchemaErrors({
      'full.xml': renderInventory(input),
      'categories-only.xml': renderInventory({ ...input, physicalRooms: false }),
      'delete-all.xml': renderInventory({ hotelCode: '123', categories: [] }),
      'long-name.xml': renderInventory({ ...input, hotelName: 'x'.repeat(300) }),
      // The check does look at this root: a physical room without its TypeRoom is refused.
      'broken.xml': renderInventory(input).replace('<TypeRoom RoomID="DOUBLE-1"/>', ''),
    });
    expect(errors).toMatchObject({ 'full.xml': [], 'categories-only.xml': [], 'delete-all.xml': [], 'long-name.xml': [] });
    expect(errors['broken.xml']?.join('\n')).toMatch(/TypeRoom/);
  });

  it('refuses what AlpineBits cannot carry, naming it', () => {
    const one = (over: Partial<InventoryInput['categories'][number]>, rest: Partial<InventoryInput> = {}) =>
      renderInventory({ hotelCode: '123', categories: [{ code: 'DZ', name: 'Double', rooms: 1, maxOccupancy: 2, ...over }], ...rest });
    expect(() => one({ code: 'DOUBLE-DELUXE' })).toThrow(/1 to 8 characters/);
    expect(() => one({ maxOccupancy: 0 })).toThrow(/maxOccupancy must be a whole number from 1 to 99/);
    expect(() => one({ minOccupancy: 3 })).toThrow(/min 3 ≤ standard 2 ≤ max 2/);
    expect(() => one({ rooms: -1 })).toThrow(/rooms must be a whole number ≥ 0/);
    expect(() => one({}, { language: 'EN' })).toThrow(/two-letter/);
    expect(() => one({}, { hotelCode: 'a-very-long-hotel-code' })).toThrow(/hotelCode/);
    expect(() =>
      renderInventory({
        hotelCode: '123',
        categories: [
          { code: 'DZ', name: 'Double', rooms: 1, maxOccupancy: 2 },
          { code: 'DZ', name: 'Twin', rooms: 1, maxOccupancy: 2 },
        ],
      }),
    ).toThrow(/category DZ is listed twice/);
  });
});
