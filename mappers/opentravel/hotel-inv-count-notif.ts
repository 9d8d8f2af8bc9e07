/**
 * OTA_HotelInvCountNotifRQ ⇄ ARI updates: room counts per room type and night.
 *
 * CountType follows the OpenTravel code list "Inventory Count Type" (INV), which the XSD only
 * names: 1 physical, 2 definite availability (physical minus definite sold), 3 tentative
 * availability, 4 definite sold, 5 tentative sold, 6 out of order. Tidewater keeps 1 as `total`,
 * 2 as `available` (the PMS's own sellable count, see the in-flight rule) and 6 as `outOfOrder`.
 * AlpineBits FreeRooms uses 2, 6 and its own 9 ("free but not bookable"), reads a missing InvCount
 * as 0 and an Inventory without InvCounts as fully booked.
 */
import type { AriUpdate } from '../../core/ari';
import type { IsoDate } from '../../core/dates';
import type { XmlWarning } from '../xml/errors';
import { attribute, childElement, childElements, errorAt, type XmlElement } from '../xml/parse';
import { renderXmlDocument, type XmlAttributeValue, type XmlNode } from '../xml/write';
import {
  assertLength,
  assertOnlyFields,
  headerAttributes,
  isCompleteSet,
  readBoolean,
  readDate,
  readHeader,
  readInteger,
  readTarget,
  requireAttribute,
  rootOf,
  statusApplicationControl,
  warn,
  type OtaHeader,
  type OtaHeaderInput,
  type ReadOptions,
  type XmlStandard,
} from './common';
import { detectStandard } from './standard';

export const HOTEL_INV_COUNT_NOTIF_RQ = 'OTA_HotelInvCountNotifRQ';
const SCHEMA_VERSION = '3.000';

/** OpenTravel INV code list values Tidewater reads and writes. */
export const INV_COUNT_TYPE = { physical: '1', definiteAvailable: '2', outOfOrder: '6', alpineBitsOutOfMarket: '9' } as const;

export interface ClosedPeriod {
  from: IsoDate;
  to: IsoDate;
}

export interface HotelInvCountNotifMessage extends OtaHeader {
  standard: XmlStandard;
  hotelCode: string;
  /** AlpineBits CompleteSet: the updates replace everything held for the hotel, not just the dates named. */
  completeSet: boolean;
  updates: AriUpdate[];
  /** AlpineBits closing seasons: the whole hotel is closed (AllInvCode without counts). */
  closedPeriods: ClosedPeriod[];
  warnings: XmlWarning[];
}

export interface HotelInvCountNotifInput extends OtaHeaderInput {
  hotelCode: string;
  updates: readonly AriUpdate[];
  completeSet?: boolean;
  closedPeriods?: readonly ClosedPeriod[];
  /** AlpineBits partners accept CountType 2 and 6 only, so `total` is refused for them. */
  standard?: XmlStandard;
}

const COUNT_RANGE = { min: 0, max: 100_000 };
const COUNT_FIELDS = ['available', 'total', 'outOfOrder'] as const;

export function readHotelInvCountNotif(input: string | Uint8Array | XmlElement, options: ReadOptions = {}): HotelInvCountNotifMessage {
  const root = rootOf(input, HOTEL_INV_COUNT_NOTIF_RQ, options);
  const standard = options.standard ?? detectStandard(root);
  const warnings: XmlWarning[] = [];
  const inventories = childElement(root, 'Inventories');
  if (!inventories) throw errorAt(root, 'missing-field', '<Inventories> is required');
  const hotelCode = requireAttribute(inventories, 'HotelCode');
  const updates: AriUpdate[] = [];
  const closedPeriods: ClosedPeriod[] = [];

  for (const inventory of childElements(inventories, 'Inventory')) {
    const sac = childElement(inventory, 'StatusApplicationControl');
    const counts = childElement(inventory, 'InvCounts');
    if (!sac) {
      // An empty Inventory is how an AlpineBits CompleteSet says "no availability at all".
      if (standard !== 'alpinebits' || counts) warn(warnings, inventory, 'an Inventory without StatusApplicationControl applies to nothing; skipped');
      continue;
    }
    if (!counts && readBoolean(sac, 'AllInvCode') === true && attribute(sac, 'InvTypeCode') === undefined && attribute(sac, 'InvCode') === undefined) {
      closedPeriods.push(readClosedPeriod(sac));
      continue;
    }
    const update: AriUpdate = { ...readTarget(sac, { standard, warnings }) };
    if (counts) {
      for (const count of childElements(counts, 'InvCount')) readInvCount(count, update, warnings);
    } else if (standard !== 'alpinebits') {
      warn(warnings, inventory, 'an Inventory without InvCounts sets nothing; skipped');
      continue;
    }
    if (standard === 'alpinebits' && update.available === undefined) update.available = 0;
    if (COUNT_FIELDS.some((f) => update[f] !== undefined)) updates.push(update);
    else warn(warnings, inventory, 'sets no count Tidewater keeps (CountType 1, 2 or 6); skipped');
  }
  return { ...readHeader(root), standard, hotelCode, completeSet: isCompleteSet(root), updates, closedPeriods, warnings };
}

function readClosedPeriod(sac: XmlElement): ClosedPeriod {
  const from = readDate(sac, 'Start');
  if (from === undefined) throw errorAt(sac, 'missing-field', 'Start is required');
  const to = readDate(sac, 'End') ?? from;
  if (from > to) throw errorAt(sac, 'invalid-date-range', `Start (${from}) is after End (${to}); End is the last night, inclusive`);
  return { from, to };
}

function readInvCount(count: XmlElement, update: AriUpdate, warnings: XmlWarning[]): void {
  const countType = attribute(count, 'CountType');
  const action = attribute(count, 'ActionType');
  if (action === 'Adjustment') {
    // A relative change cannot be applied safely to counts that bookings change concurrently.
    throw errorAt(count, 'unsupported-value', 'ActionType Adjustment is not supported; send absolute counts');
  }
  if (action === 'Used') {
    warn(warnings, count, 'ActionType Used (rooms sold) is counted by the hub itself and was ignored');
    return;
  }
  if (countType === undefined) {
    warn(warnings, count, 'InvCount without CountType cannot be interpreted and was ignored');
    return;
  }
  const field =
    countType === INV_COUNT_TYPE.physical
      ? 'total'
      : countType === INV_COUNT_TYPE.definiteAvailable
        ? 'available'
        : countType === INV_COUNT_TYPE.outOfOrder
          ? 'outOfOrder'
          : undefined;
  if (field === undefined) {
    warn(warnings, count, `CountType ${countType} is not kept by Tidewater and was ignored`);
    return;
  }
  const value = readInteger(count, 'Count', COUNT_RANGE);
  if (value === undefined) throw errorAt(count, 'missing-field', 'Count is required');
  update[field] = value;
}

// ---------------------------------------------------------------------------------------------

export function renderHotelInvCountNotif(message: HotelInvCountNotifInput, now?: () => Date): string {
  assertLength(message.hotelCode, 16, 'hotelCode');
  const closed = message.closedPeriods ?? [];
  if (message.updates.length === 0 && closed.length === 0 && !message.completeSet) {
    throw new RangeError('an OTA_HotelInvCountNotifRQ needs at least one update');
  }
  const inventories: XmlNode[] = message.updates.map((update, i) => {
    const where = `/updates/${i}`;
    assertOnlyFields(update, COUNT_FIELDS, where, `${HOTEL_INV_COUNT_NOTIF_RQ} (rates and restrictions go in OTA_HotelRateAmountNotifRQ / OTA_HotelAvailNotifRQ)`);
    if (message.standard === 'alpinebits' && update.total !== undefined) {
      throw new RangeError(`${where}/total cannot be sent to an AlpineBits partner (FreeRooms knows CountType 2 and 6 only)`);
    }
    const counts = (
      [
        [INV_COUNT_TYPE.physical, update.total, 'total'],
        [INV_COUNT_TYPE.definiteAvailable, update.available, 'available'],
        [INV_COUNT_TYPE.outOfOrder, update.outOfOrder, 'outOfOrder'],
      ] as const
    ).flatMap(([countType, value, field]): XmlNode[] => {
      if (value === undefined) return [];
      if (!Number.isInteger(value) || value < 0) throw new RangeError(`${where}/${field} must be a whole number ≥ 0`);
      return [{ name: 'InvCount', attributes: { CountType: countType, Count: value } }];
    });
    if (counts.length === 0) throw new RangeError(`${where} sets no count`);
    return { name: 'Inventory', children: [statusApplicationControl(update, where), { name: 'InvCounts', children: counts }] };
  });
  closed.forEach((period, i) => {
    if (period.from > period.to) throw new RangeError(`/closedPeriods/${i}: from (${period.from}) is after to (${period.to})`);
    inventories.push({
      name: 'Inventory',
      children: [{ name: 'StatusApplicationControl', attributes: { Start: period.from, End: period.to, AllInvCode: true } }],
    });
  });
  // An AlpineBits CompleteSet with nothing available is sent as a single empty Inventory.
  if (inventories.length === 0) inventories.push({ name: 'Inventory' });
  return renderXmlDocument({
    name: HOTEL_INV_COUNT_NOTIF_RQ,
    attributes: rootAttributes(message, now),
    children: [
      message.completeSet && { name: 'UniqueID', attributes: { Type: '16', ID: '1', Instance: 'CompleteSet' } },
      { name: 'Inventories', attributes: { HotelCode: message.hotelCode }, children: inventories },
    ],
  });
}

/**
 * The AlpineBits schema allows only Version on this root: an EchoToken, TimeStamp or Target that
 * OpenTravel partners expect would make the message invalid for an AlpineBits server.
 */
function rootAttributes(message: HotelInvCountNotifInput, now?: () => Date): Record<string, XmlAttributeValue> {
  const attributes = headerAttributes(message, SCHEMA_VERSION, now);
  if (message.standard !== 'alpinebits') return attributes;
  return { xmlns: attributes.xmlns, Version: attributes.Version };
}
