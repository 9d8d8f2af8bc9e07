import type { Knex } from 'knex';
import type { Logger } from '../../config/logger';
import { addDays, eachDate, todayIn, type IsoDate } from '../../core/dates';
import { SoldOutError } from '../../core/errors';
import type { ChannelConfig } from '../../core/property';
import type { Db, DbHandle } from '../../db/connection';
import { releaseReservation, reserveRooms } from '../../db/ledger-repo';
import { findPropertyById, type StoredProperty } from '../../db/properties-repo';
import { eventBlocks, eventStay, IcalParseError, OWN_UID_SUFFIX, parseCalendar } from '../../mappers/ical';
import { deliveryOptions, sendWithRetry } from '../http-delivery';
import { ChannelRejectedError, TransientChannelError } from '../types';
import {
  findBlocksByUid,
  findOpenIcalIncident,
  listIcalBlocks,
  listIcalChannels,
  resolveIcalIncident,
  retireCancelledBlock,
  tryLockIcalRoom,
  upsertIcalIncident,
  type IcalBlock,
} from './ical-repo';
import { importUrlFor, parseIcalSettings, type IcalSettings } from './ical-settings';

/**
 * Import: each VEVENT of a channel's calendar becomes a block on the ledger — a reservation of one
 * room of the mapped room type per night (DTEND exclusive), source `ical:<channel>`, externalRef the
 * event UID. Each poll diffs the feed against the blocks held:
 *   same UID, same nights          → nothing
 *   same UID, other nights         → release and reserve again, atomically (a savepoint)
 *   UID gone (or cancelled)        → release
 *   new UID                        → reserve
 * A block that does not fit (reserveRooms: SoldOutError) is an overbooking the channel already made:
 * it takes nothing and is recorded in the channel's `ical-conflict` incident until a later poll
 * finds it gone or fitting. A moved block that no longer fits keeps its old nights meanwhile:
 * holding a night too many is recoverable, selling a night the guest is in is not.
 *
 * Safety: a feed that cannot be fetched or read changes nothing (its room's blocks and conflicts
 * stay as they were); so does an unreadable single event, for its UID.
 */

/** Largest calendar we download; a listing's calendar is kilobytes. */
const MAX_FEED_BYTES = 5 * 1024 * 1024;

export function icalSource(channelCode: string): string {
  return `ical:${channelCode}`;
}

export interface IcalImportDeps {
  db: Db;
  logger: Logger;
  /** The clock: "today" in the property's zone bounds what is imported. */
  now?: () => Date;
}

export interface IcalConflict {
  uid: string;
  roomType: string;
  channelRoomType: string;
  checkIn: IsoDate;
  checkOut: IsoDate;
  /** The nights the block asks for (within the horizon). */
  nights: IsoDate[];
  /** The nights that are sold out, with what was left. */
  shortNights: Array<{ date: IsoDate; available: number }>;
  /** Nights still held under this UID from an earlier version of the event (a move that does not fit). */
  held: IsoDate[];
  /** When this conflict was first seen. */
  since: string;
}

export interface IcalRoomOutcome {
  roomType: string;
  channelRoomType: string;
  url?: string;
  /** imported; failed (fetch or parse: nothing changed); busy (another poller holds the room); export-only (no URL). */
  status: 'imported' | 'failed' | 'busy' | 'export-only';
  error?: string;
  events: number;
  warnings: string[];
}

export interface IcalImportResult {
  property: string;
  channel: string;
  rooms: IcalRoomOutcome[];
  taken: string[];
  moved: string[];
  released: string[];
  unchanged: number;
  /** Every conflict of the channel after this poll (including ones carried over from rooms not read now). */
  conflicts: IcalConflict[];
  incident: 'opened' | 'updated' | 'resolved' | 'none';
}

/** The same UID already blocks another room type of this channel: one UID, one block. */
class DuplicateUidError extends Error {
  readonly code = 'ical-duplicate-uid';
}

export async function importIcalCalendar(deps: IcalImportDeps, stored: StoredProperty, channel: ChannelConfig): Promise<IcalImportResult> {
  const { db, logger } = deps;
  const now = deps.now?.() ?? new Date();
  const channelId = stored.channelIds.get(channel.code);
  if (channelId === undefined) throw new Error(`channel ${channel.code} of ${stored.property.code} is not active`);
  const settings = parseIcalSettings(channel);
  const today = todayIn(stored.property.timezone, now);
  // Yesterday is the oldest night the ledger still changes (ARI refuses older pushes); beyond the
  // horizon a block would only create cells nobody sells.
  const window = { from: addDays(today, -1), until: addDays(today, settings.horizonDays) };
  const result: IcalImportResult = {
    property: stored.property.code,
    channel: channel.code,
    rooms: [],
    taken: [],
    moved: [],
    released: [],
    unchanged: 0,
    conflicts: [],
    incident: 'none',
  };
  const found: IcalConflict[] = [];

  // In code order: the stored document's key order is jsonb's, and results should not depend on it.
  for (const [roomType, channelRoomType] of Object.entries(channel.roomTypes).sort(([a], [b]) => a.localeCompare(b))) {
    const roomTypeId = stored.roomTypeIds.get(roomType);
    if (roomTypeId === undefined) continue;
    const outcome: IcalRoomOutcome = { roomType, channelRoomType, status: 'export-only', events: 0, warnings: [] };
    result.rooms.push(outcome);
    const url = importUrlFor(channel, settings, channelRoomType);
    if (!url) continue;
    outcome.url = url;

    let wanted: ReturnType<typeof wantedBlocks>;
    try {
      const response = await sendWithRetry(
        { method: 'GET', url, maxRedirects: 5, maxContentLength: MAX_FEED_BYTES, headers: { accept: 'text/calendar, text/plain;q=0.8, */*;q=0.5' } },
        deliveryOptions(channel),
      );
      wanted = wantedBlocks(response.data, stored.property.timezone, window);
    } catch (error) {
      if (!(error instanceof ChannelRejectedError || error instanceof TransientChannelError || error instanceof IcalParseError)) throw error;
      outcome.status = 'failed';
      outcome.error = error.message;
      logger.warn({ property: stored.property.code, channel: channel.code, room: channelRoomType, error: error.message }, 'iCal calendar could not be read; its blocks stay as they are');
      continue;
    }
    outcome.events = wanted.events;
    outcome.warnings = wanted.warnings;

    const applied = await db.transaction(async (trx) => {
      if (!(await tryLockIcalRoom(trx, channelId, roomTypeId))) return undefined;
      return applyRoom(trx, stored, { channel: channel.code, roomType, roomTypeId, channelRoomType }, wanted, window, now);
    });
    if (!applied) {
      outcome.status = 'busy';
      continue;
    }
    outcome.status = 'imported';
    outcome.warnings.push(...applied.warnings);
    result.taken.push(...applied.taken);
    result.moved.push(...applied.moved);
    result.released.push(...applied.released);
    result.unchanged += applied.unchanged;
    found.push(...applied.conflicts);
    if (applied.taken.length + applied.moved.length + applied.released.length > 0) {
      logger.info(
        { property: stored.property.code, channel: channel.code, room: channelRoomType, taken: applied.taken, moved: applied.moved, released: applied.released },
        'iCal blocks updated',
      );
    }
  }

  await recordConflicts(deps, stored, channel, channelId, result, found, now);
  return result;
}

interface Wanted {
  /** UID → nights (inside the window) the channel holds. */
  blocks: Map<string, Set<IsoDate>>;
  /** UIDs of events that could not be read: whatever we hold for them stays. */
  keep: Set<string>;
  events: number;
  warnings: string[];
}

function wantedBlocks(text: string, timeZone: string, window: { from: IsoDate; until: IsoDate }): Wanted {
  const parsed = parseCalendar(text);
  const wanted: Wanted = { blocks: new Map(), keep: new Set(), events: parsed.events.length, warnings: [...parsed.warnings] };
  for (const skipped of parsed.skipped) if (skipped.uid) wanted.keep.add(skipped.uid);
  for (const event of parsed.events) {
    if (event.uid.endsWith(OWN_UID_SUFFIX)) {
      wanted.warnings.push(`event ${event.uid} is one of our own exported blocks (the channel re-exports imports): ignored`);
      continue;
    }
    // A cancelled or transparent event is listed but holds nothing: as if it were gone.
    if (!eventBlocks(event)) continue;
    const stay = eventStay(event, timeZone);
    const from = stay.checkIn > window.from ? stay.checkIn : window.from;
    const until = stay.checkOut < window.until ? stay.checkOut : window.until;
    const nights = wanted.blocks.get(event.uid) ?? new Set<IsoDate>();
    // Several VEVENTs with one UID (recurrence overrides) are one block: the union of their nights.
    if (from < until) for (const d of eachDate(from, addDays(until, -1))) nights.add(d);
    wanted.blocks.set(event.uid, nights);
  }
  return wanted;
}

interface RoomRef {
  channel: string;
  roomType: string;
  roomTypeId: number;
  channelRoomType: string;
}

interface Action {
  uid: string;
  block?: IcalBlock;
  nights: IsoDate[];
}

async function applyRoom(
  trx: DbHandle,
  stored: StoredProperty,
  room: RoomRef,
  wanted: Wanted,
  window: { from: IsoDate; until: IsoDate },
  now: Date,
) {
  const source = icalSource(room.channel);
  const out = { taken: [] as string[], moved: [] as string[], released: [] as string[], unchanged: 0, conflicts: [] as IcalConflict[], warnings: [] as string[] };
  const held = new Map((await listIcalBlocks(trx, stored.id, source, room.roomTypeId)).map((b) => [b.uid, b]));
  const inWindow = (d: IsoDate) => d >= window.from && d < window.until;

  const actions: Action[] = [];
  for (const uid of [...new Set([...held.keys(), ...wanted.blocks.keys()])].sort()) {
    const block = held.get(uid);
    const nights = [...(wanted.blocks.get(uid) ?? [])].sort();
    // Compare inside the window only: a stay that began last week must not look "moved" each day.
    const current = block ? block.nights.filter(inWindow) : [];
    if (wanted.keep.has(uid) || sameDates(current, nights)) {
      out.unchanged++;
      continue;
    }
    actions.push({ uid, nights, ...(block ? { block } : {}) });
  }
  if (actions.length === 0) return out;

  // Take every cell this poll may touch, in the global (room type, date) order, before releasing
  // or reserving anything: release-then-reserve would otherwise lock in two rounds and could
  // deadlock with a booking locking the same nights in order.
  await lockCells(trx, stored.id, room.roomTypeId, actions.flatMap((a) => [...a.nights, ...(a.block?.nights ?? [])]));

  for (const action of actions) {
    const { uid, block, nights } = action;
    if (nights.length === 0) {
      if (block) {
        await releaseReservation(trx, stored, block.reservationId);
        out.released.push(uid);
      }
      continue;
    }
    try {
      // A savepoint: a block that does not fit leaves everything, including its old nights, as it was.
      await trx.transaction(async (sp) => {
        if (block) await releaseReservation(sp, stored, block.reservationId);
        for (const other of await findBlocksByUid(sp, stored.id, source, uid)) {
          if (other.status !== 'cancelled') throw new DuplicateUidError(`UID ${uid} already blocks another room type of channel ${room.channel}`);
          await retireCancelledBlock(sp, other.id);
        }
        await reserveRooms(sp, stored, {
          source,
          externalRef: uid,
          status: 'confirmed',
          nights: nights.map((date) => ({ roomType: room.roomType, date, rooms: 1 })),
        });
      });
      (block ? out.moved : out.taken).push(uid);
    } catch (error) {
      if (error instanceof DuplicateUidError) {
        out.warnings.push(error.message);
        continue;
      }
      if (!(error instanceof SoldOutError)) throw error;
      out.conflicts.push({
        uid,
        roomType: room.roomType,
        channelRoomType: room.channelRoomType,
        checkIn: nights[0] as IsoDate,
        checkOut: addDays(nights[nights.length - 1] as IsoDate, 1),
        nights,
        shortNights: error.nights.map((n) => ({ date: n.date, available: n.available })),
        held: block ? block.nights.filter(inWindow) : [],
        since: now.toISOString(),
      });
    }
  }
  return out;
}

/** Creates missing cells and locks them, in the global lock order (README: Lock order). */
async function lockCells(trx: DbHandle, propertyId: number, roomTypeId: number, dates: IsoDate[]): Promise<void> {
  const unique = [...new Set(dates)].sort();
  if (unique.length === 0) return;
  await trx.raw(
    `INSERT INTO inventory_cells (property_id, room_type_id, stay_date, total)
     SELECT ?, rt.id, d.stay_date, rt.rooms FROM unnest(?::date[]) AS d(stay_date) JOIN room_types rt ON rt.id = ?
     ORDER BY d.stay_date
     ON CONFLICT DO NOTHING`,
    [propertyId, unique, roomTypeId] as unknown as Knex.RawBinding[],
  );
  await trx.raw(
    `SELECT 1 FROM inventory_cells WHERE property_id = ? AND room_type_id = ? AND stay_date = ANY(?::date[])
     ORDER BY room_type_id, stay_date FOR UPDATE`,
    [propertyId, roomTypeId, unique] as unknown as Knex.RawBinding[],
  );
}

function sameDates(a: IsoDate[], b: IsoDate[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Keeps the channel's one open `ical-conflict` incident in step with the conflicts found. The
 * partial unique index allows one open incident per (property, kind, channel), so all of a
 * channel's conflicts live in one: its top-level uid/roomType/nights describe the first (the
 * oldest), `conflicts` lists every one. Conflicts of rooms that could not be read this time are
 * carried over: not knowing is not the same as resolved.
 */
async function recordConflicts(
  deps: IcalImportDeps,
  stored: StoredProperty,
  channel: ChannelConfig,
  channelId: number,
  result: IcalImportResult,
  found: IcalConflict[],
  now: Date,
): Promise<void> {
  const { db, logger } = deps;
  const previous = await findOpenIcalIncident(db, stored.id, channelId);
  const before = Array.isArray(previous?.details.conflicts) ? (previous.details.conflicts as IcalConflict[]) : [];
  const key = (c: { roomType: string; uid: string }) => `${c.roomType}|${c.uid}`;
  const since = new Map(before.map((c) => [key(c), c.since]));
  const unread = new Set(result.rooms.filter((r) => r.status === 'failed' || r.status === 'busy').map((r) => r.roomType));
  const conflicts = [...found.map((c) => ({ ...c, since: since.get(key(c)) ?? c.since })), ...before.filter((c) => unread.has(c.roomType))].sort((a, b) =>
    a.since === b.since ? key(a).localeCompare(key(b)) : a.since.localeCompare(b.since),
  );
  result.conflicts = conflicts;

  if (conflicts.length > 0) {
    const first = conflicts[0] as IcalConflict;
    result.incident = await upsertIcalIncident(db, stored.id, channelId, {
      channel: channel.code,
      uid: first.uid,
      roomType: first.roomType,
      channelRoomType: first.channelRoomType,
      checkIn: first.checkIn,
      checkOut: first.checkOut,
      nights: first.nights,
      shortNights: first.shortNights,
      count: conflicts.length,
      conflicts,
    });
    for (const c of found) {
      if (since.has(key(c))) continue;
      logger.warn(
        { property: stored.property.code, channel: channel.code, uid: c.uid, roomType: c.roomType, checkIn: c.checkIn, checkOut: c.checkOut, shortNights: c.shortNights },
        'iCal block overlaps sold-out nights: not taken, ical-conflict incident open',
      );
    }
    return;
  }
  if (previous && (await resolveIcalIncident(db, previous, { at: now.toISOString(), reason: 'every block of the channel is taken or gone' }))) {
    result.incident = 'resolved';
    logger.warn({ property: stored.property.code, channel: channel.code }, 'iCal conflicts cleared: incident resolved');
  }
}

export interface IcalPollingOptions {
  db: Db;
  logger: Logger;
  /** How often every iCal channel is considered; a channel's `settings.pollIntervalMs` may slow it down. */
  intervalMs?: number;
  now?: () => Date;
}

export interface IcalPoller {
  /** Polls every iCal channel now (ignoring per-channel intervals), after any poll in progress. */
  pollNow(): Promise<IcalImportResult[]>;
  stop(): Promise<void>;
}

export const DEFAULT_ICAL_POLL_MS = 5 * 60_000;

/**
 * Polls the calendars of every active `ical` channel, one channel after another, forever; one poll
 * at a time per process (and per channel room across processes, by lock). Failures are logged and
 * retried on the next round. Start it next to the distribution; `stop()` waits for a running poll.
 */
export function startIcalPolling(options: IcalPollingOptions): IcalPoller {
  const { db, logger } = options;
  const intervalMs = options.intervalMs ?? DEFAULT_ICAL_POLL_MS;
  const deps: IcalImportDeps = { db, logger, ...(options.now ? { now: options.now } : {}) };
  const lastPolled = new Map<number, number>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<IcalImportResult[]> = Promise.resolve([]);

  const pollAll = async (force: boolean): Promise<IcalImportResult[]> => {
    const results: IcalImportResult[] = [];
    let channels: Awaited<ReturnType<typeof listIcalChannels>>;
    try {
      channels = await listIcalChannels(db);
    } catch (error) {
      logger.error({ err: error }, 'iCal polling could not list channels; retrying next round');
      return results;
    }
    for (const row of channels) {
      if (stopped && !force) break;
      try {
        const stored = await findPropertyById(db, row.propertyId);
        const channel = stored?.property.channels.find((c) => c.code === row.code && c.type === 'ical');
        if (!stored || !channel) continue;
        const settings: IcalSettings = parseIcalSettings(channel);
        const every = settings.pollIntervalMs ?? 0;
        if (!force && Date.now() - (lastPolled.get(row.id) ?? 0) < every) continue;
        lastPolled.set(row.id, Date.now());
        results.push(await importIcalCalendar(deps, stored, channel));
      } catch (error) {
        logger.error({ err: error, channel: row.code, propertyId: row.propertyId }, 'iCal import failed; retrying next round');
      }
    }
    return results;
  };

  const run = (force: boolean): Promise<IcalImportResult[]> => {
    current = current.catch(() => []).then(() => pollAll(force));
    return current;
  };

  const loop = () => {
    if (stopped) return;
    void run(false).finally(() => {
      if (!stopped) timer = setTimeout(loop, intervalMs);
    });
  };
  // The first round right away: a restart should not leave calendars a whole interval stale.
  timer = setTimeout(loop, 0);

  return {
    pollNow: () => run(true),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current.catch(() => undefined);
    },
  };
}
