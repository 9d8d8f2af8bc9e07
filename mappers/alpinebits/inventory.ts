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
 *
 * `renderInventory` writes the same message for a channel (Tidewater as the client): one
 * describing GuestRoom per category and, where the server takes them, one GuestRoom per physical
 * room, so that `readInventory(renderInventory(x))` gives back the categories it was given.
 */
import type { XmlWarning } from '../xml/errors';
import { attribute, childElement, childElements, errorAt, type ParseXmlOptions, type XmlElement } from '../xml/parse';
import { renderXmlDocument, type XmlNode } from '../xml/write';
import { assertLength, OTA_NAMESPACE, readHeader, readInteger, requireAttribute, rootOf, warn, type OtaHeader } from '../opentravel/common';
import { assertRoomCategory } from './free-rooms';

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

// ---------------------------------------------------------------------------------------------
// Rendering (Tidewater pushes a channel's room categories)

/** Capabilities of action_OTA_HotelDescriptiveContentNotif_Inventory in the handshake. */
export const INVENTORY_CAPABILITIES = {
  /** The server takes physical rooms (GuestRoom with TypeRoom/RoomID); without it they are refused. */
  useRooms: 'OTA_HotelDescriptiveContentNotif_Inventory_use_rooms',
  /** The server takes MaxChildOccupancy; Tidewater has no child occupancy, so it never needs it. */
  occupancyChildren: 'OTA_HotelDescriptiveContentNotif_Inventory_occupancy_children',
} as const;

/** OpenTravel GRI code 42 (Room): what every Tidewater room type is, as far as it knows. */
export const ROOM_CLASSIFICATION_ROOM = 42;

export interface InventoryCategoryInput {
  /** The channel's room category code (1 to 8 characters). */
  code: string;
  /** The category's long name (MultimediaDescription InfoCode 25): AlpineBits servers require one. */
  name: string;
  maxOccupancy: number;
  /** Default 1: Tidewater sells every room to a single guest too. */
  minOccupancy?: number;
  /**
   * Default maxOccupancy: Tidewater prices the room, not the guests (RatePlans sends one price for
   * every occupancy), so the regular occupancy is the most the room takes.
   */
  standardOccupancy?: number;
  /** Physical rooms of the category: one GuestRoom with a TypeRoom/RoomID each. */
  rooms: number;
  /** OpenTravel GRI; default 42 (Room). */
  roomClassificationCode?: number;
}

export interface InventoryInput {
  hotelCode: string;
  hotelName?: string;
  /** Two-letter language of the names; default `en`. */
  language?: string;
  /**
   * The hotel's whole set of categories: the server replaces what it held with it, so an empty
   * list deletes every category (the official delete-all example).
   */
  categories: readonly InventoryCategoryInput[];
  /**
   * Whether physical rooms are listed (default true). A server that did not announce
   * `use_rooms` refuses them; the categories alone are still worth sending.
   */
  physicalRooms?: boolean;
}

/** AlpineBits examples use 8.000 for this root; the schema only requires a Version. */
const INVENTORY_VERSION = '8.000';
/** TypeRoom/@RoomID is StringLength1to16. */
const MAX_ROOM_ID_LENGTH = 16;

/**
 * OTA_HotelDescriptiveContentNotifRQ for Inventory/Basic, valid against the AlpineBits 2024-10
 * schema and within the rules the schema cannot say (as real servers check them): codes are
 * distinct, MinOccupancy ≤ StandardOccupancy ≤ MaxOccupancy, a long name is present.
 * Tidewater has no room numbers, so physical rooms get made-up RoomIDs `<code>-<n>`: distinct in
 * the hotel and stable between pushes, so a resend does not look like new rooms.
 * Root without TimeStamp (optional), so that the same categories always render the same bytes.
 * Throws a RangeError naming what AlpineBits cannot carry.
 */
export function renderInventory(input: InventoryInput): string {
  assertLength(input.hotelCode, 16, 'hotelCode');
  const language = input.language ?? 'en';
  if (!/^[a-z]{2}$/.test(language)) throw new RangeError(`language must be a two-letter lower-case code for AlpineBits; got "${language}"`);
  const seen = new Set<string>();
  const guestRooms: XmlNode[] = [];
  input.categories.forEach((category, i) => {
    const where = `/categories/${i}`;
    assertRoomCategory(category.code, `${where}/code`);
    if (seen.has(category.code)) throw new RangeError(`${where}/code: category ${category.code} is listed twice (are two room types mapped to it?)`);
    seen.add(category.code);
    guestRooms.push(describingGuestRoom(category, language, where));
    if (input.physicalRooms === false) return;
    for (let n = 1; n <= category.rooms; n++) {
      const roomId = `${category.code}-${n}`;
      if (roomId.length > MAX_ROOM_ID_LENGTH) throw new RangeError(`${where}/rooms: ${category.rooms} rooms need RoomIDs longer than ${MAX_ROOM_ID_LENGTH} characters`);
      guestRooms.push({ name: 'GuestRoom', attributes: { Code: category.code }, children: [{ name: 'TypeRoom', attributes: { RoomID: roomId } }] });
    }
  });
  const hotelName = input.hotelName?.trim().slice(0, 128);
  return renderXmlDocument({
    name: INVENTORY_ROOT,
    attributes: { xmlns: OTA_NAMESPACE, Version: INVENTORY_VERSION },
    children: [
      {
        name: 'HotelDescriptiveContents',
        children: [
          {
            name: 'HotelDescriptiveContent',
            attributes: { HotelCode: input.hotelCode, HotelName: hotelName === '' ? undefined : hotelName },
            // GuestRooms may be empty (delete all); the writer would make it <GuestRooms/>, which is the same.
            children: [{ name: 'FacilityInfo', children: [{ name: 'GuestRooms', children: guestRooms }] }],
          },
        ],
      },
    ],
  });
}

function describingGuestRoom(category: InventoryCategoryInput, language: string, where: string): XmlNode {
  const max = positiveInteger(category.maxOccupancy, `${where}/maxOccupancy`);
  const min = positiveInteger(category.minOccupancy ?? 1, `${where}/minOccupancy`);
  const standard = positiveInteger(category.standardOccupancy ?? max, `${where}/standardOccupancy`);
  if (!(min <= standard && standard <= max)) {
    throw new RangeError(`${where}: occupancies must satisfy min ${min} ≤ standard ${standard} ≤ max ${max}`);
  }
  if (!Number.isInteger(category.rooms) || category.rooms < 0) throw new RangeError(`${where}/rooms must be a whole number ≥ 0; got ${category.rooms}`);
  const classification = category.roomClassificationCode ?? ROOM_CLASSIFICATION_ROOM;
  if (!Number.isInteger(classification) || classification < 0) throw new RangeError(`${where}/roomClassificationCode must be a whole number ≥ 0`);
  const name = category.name.trim() === '' ? category.code : category.name.trim();
  return {
    name: 'GuestRoom',
    attributes: { Code: category.code, MaxOccupancy: max, MinOccupancy: min },
    children: [
      { name: 'TypeRoom', attributes: { StandardOccupancy: standard, RoomClassificationCode: classification } },
      {
        name: 'MultimediaDescriptions',
        children: [
          {
            name: 'MultimediaDescription',
            attributes: { InfoCode: 25 },
            children: [{ name: 'TextItems', children: [{ name: 'TextItem', children: [{ name: 'Description', attributes: { TextFormat: 'PlainText', Language: language }, text: name }] }] }],
          },
        ],
      },
    ],
  };
}

/** Occupancies up to 99, the bound the reader (and RatePlans' NumberOfGuests) accepts. */
function positiveInteger(value: number, where: string): number {
  if (!Number.isInteger(value) || value < 1 || value > OCCUPANCY.max) throw new RangeError(`${where} must be a whole number from 1 to ${OCCUPANCY.max}; got ${value}`);
  return value;
}
