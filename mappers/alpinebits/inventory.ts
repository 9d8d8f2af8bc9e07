/**
 * AlpineBits Inventory/Basic push (action `OTA_HotelDescriptiveContentNotif:Inventory`): the
 * hotel's room categories in OTA_HotelDescriptiveContentNotifRQ. Per category Code, the first
 * GuestRoom describes the category (occupancies, TypeRoom, amenities, texts and pictures) and any
 * further GuestRoom with a TypeRoom/RoomID is one physical room of it.
 *
 * Tidewater keeps no descriptive content, so only what it can check against its own room types is
 * read: the codes, the occupancies, the number of physical rooms and the category's name (for the
 * messages). Everything else (amenities, pictures, HotelInfo parts) is skipped without a warning
 * per element: the answer says once that descriptive content is not kept.
 */
import type { XmlWarning } from '../xml/errors';
import { attribute, childElement, childElements, errorAt, type ParseXmlOptions, type XmlElement } from '../xml/parse';
import { readHeader, readInteger, requireAttribute, rootOf, warn, type OtaHeader } from '../opentravel/common';

export const INVENTORY_ROOT = 'OTA_HotelDescriptiveContentNotifRQ';
export const INVENTORY_RS = 'OTA_HotelDescriptiveContentNotifRS';

export interface InventoryCategory {
  /** The PMS's room category code (GuestRoom/@Code). */
  code: string;
  /** The name in the first language given (MultimediaDescription InfoCode 25), if any. */
  name?: string;
  minOccupancy?: number;
  maxOccupancy?: number;
  standardOccupancy?: number;
  /** Physical rooms listed for the category (GuestRooms with TypeRoom/RoomID); 0 when none are. */
  rooms: number;
  line: number;
}

export interface InventoryMessage extends OtaHeader {
  hotelCode: string;
  hotelName?: string;
  categories: InventoryCategory[];
  /** The message carries more than room categories (HotelInfo, descriptions, pictures…). */
  descriptiveContent: boolean;
  warnings: XmlWarning[];
}

const OCCUPANCY = { min: 0, max: 99 };

export function readInventory(input: string | Uint8Array | XmlElement, options: ParseXmlOptions = {}): InventoryMessage {
  const root = rootOf(input, INVENTORY_ROOT, options);
  const warnings: XmlWarning[] = [];
  const contents = childElement(root, 'HotelDescriptiveContents');
  if (!contents) throw errorAt(root, 'missing-field', '<HotelDescriptiveContents> is required');
  const all = childElements(contents, 'HotelDescriptiveContent');
  const content = all[0];
  if (!content) throw errorAt(contents, 'missing-field', '<HotelDescriptiveContent> with the HotelCode is required');
  for (const extra of all.slice(1)) warn(warnings, extra, 'AlpineBits sends one hotel per message; this HotelDescriptiveContent was ignored');
  const hotelCode = requireAttribute(content, 'HotelCode');
  const hotelName = attribute(content, 'HotelName');
  const facility = childElement(content, 'FacilityInfo');
  const guestRooms = facility ? childElements(childElement(facility, 'GuestRooms') ?? facility, 'GuestRoom') : [];

  const categories = new Map<string, InventoryCategory>();
  for (const room of guestRooms) {
    const code = requireAttribute(room, 'Code');
    const typeRoom = childElement(room, 'TypeRoom');
    const roomId = typeRoom ? attribute(typeRoom, 'RoomID') : undefined;
    const known = categories.get(code);
    if (known) {
      // A later GuestRoom of a known category is one of its physical rooms.
      if (roomId !== undefined) known.rooms += 1;
      else warn(warnings, room, `a second GuestRoom for category ${code} without TypeRoom/RoomID was ignored`);
      continue;
    }
    const minOccupancy = readInteger(room, 'MinOccupancy', OCCUPANCY);
    const maxOccupancy = readInteger(room, 'MaxOccupancy', OCCUPANCY);
    const standardOccupancy = typeRoom ? readInteger(typeRoom, 'StandardOccupancy', OCCUPANCY) : undefined;
    const name = categoryName(room);
    categories.set(code, {
      code,
      ...(name !== undefined ? { name } : {}),
      ...(minOccupancy !== undefined ? { minOccupancy } : {}),
      ...(maxOccupancy !== undefined ? { maxOccupancy } : {}),
      ...(standardOccupancy !== undefined ? { standardOccupancy } : {}),
      // A category that is itself a single physical room (RoomID on its first GuestRoom) counts it.
      rooms: roomId !== undefined ? 1 : 0,
      line: room.line,
    });
  }
  const descriptiveContent =
    content.children.some((c) => c.name !== 'FacilityInfo') || guestRooms.some((r) => childElement(r, 'MultimediaDescriptions') !== undefined || childElement(r, 'Amenities') !== undefined);
  return {
    ...readHeader(root),
    hotelCode,
    ...(hotelName !== undefined ? { hotelName } : {}),
    categories: [...categories.values()],
    descriptiveContent,
    warnings,
  };
}

function categoryName(room: XmlElement): string | undefined {
  const descriptions = childElement(room, 'MultimediaDescriptions');
  const names = descriptions ? childElements(descriptions, 'MultimediaDescription').find((d) => attribute(d, 'InfoCode') === '25') : undefined;
  const items = names ? childElement(names, 'TextItems') : undefined;
  const item = items ? childElement(items, 'TextItem') : undefined;
  const text = item ? childElement(item, 'Description')?.text.trim() : undefined;
  return text !== undefined && text !== '' ? text : undefined;
}
