import type { IsoDate } from './dates';
import { currencyDecimals, formatAmount, isDecimalString, toScaled } from './money';

/** One room stay of a booking as reconciliation compares it: Tidewater codes (after the channel's mapping). */
export interface ReconciledStay {
  roomType: string;
  ratePlan?: string;
  checkIn: IsoDate;
  checkOut: IsoDate;
  rooms: number;
}

/** A booking on one side of the comparison: as the channel holds it, or as Tidewater does. */
export interface ReconciledBooking {
  /** The channel's id for the booking: the key both sides share. */
  channelBookingId: string;
  /** Tidewater's id (Tidewater's side only). */
  bookingId?: string;
  status: 'confirmed' | 'cancelled';
  /** The revision this side last saw; tells a missed update (channel newer) from an edit (same revision). */
  revision?: string;
  /** In the order the channel sent them: Tidewater stores a booking's stays in that order. */
  stays: ReconciledStay[];
  total: { amount: string; currency: string } | null;
}

export const BOOKING_FIELDS = ['checkIn', 'checkOut', 'roomType', 'rooms', 'status', 'total'] as const;
export type BookingField = (typeof BOOKING_FIELDS)[number];

export const BOOKING_ISSUES = ['missing-in-tidewater', 'missing-on-channel', 'differs'] as const;
export type BookingIssue = (typeof BOOKING_ISSUES)[number];

/** One difference between a channel's bookings and Tidewater's. */
export interface BookingFinding {
  issue: BookingIssue;
  channelBookingId: string;
  /** Tidewater's id, when Tidewater has the booking. */
  bookingId: string | null;
  /** `booking` when one side does not have the booking at all. */
  field: 'booking' | BookingField;
  /** What Tidewater holds; null: nothing. */
  tidewater: string | null;
  /** What the channel holds; null: nothing. */
  channel: string | null;
  /** First night and its room type (from Tidewater's side when it has the booking): where the finding sorts and is stored. */
  checkIn: IsoDate;
  roomType: string;
  tidewaterRevision?: string;
  channelRevision?: string;
}

const overlaps = (b: ReconciledBooking, range: { from: IsoDate; to: IsoDate }) => b.stays.some((s) => s.checkIn <= range.to && s.checkOut > range.from);

/**
 * Every difference between the bookings a channel holds and the ones Tidewater holds for it, in a
 * range of nights (`to` inclusive). Bookings are matched by the channel's booking id; a booking
 * only one side has is a finding when its stay touches the range there. A cancelled booking the
 * other side lacks is no finding: it holds no room and moves no money. When either side has the
 * booking cancelled only the status is compared, since the stays of a cancellation mean nothing.
 */
export function findBookingDrift(tidewater: readonly ReconciledBooking[], channel: readonly ReconciledBooking[], range: { from: IsoDate; to: IsoDate }): BookingFinding[] {
  const ours = new Map(tidewater.map((b) => [b.channelBookingId, b]));
  const theirs = new Map(channel.map((b) => [b.channelBookingId, b]));
  const findings: BookingFinding[] = [];
  for (const b of channel) {
    if (ours.has(b.channelBookingId) || b.status === 'cancelled' || !overlaps(b, range)) continue;
    findings.push({ issue: 'missing-in-tidewater', channelBookingId: b.channelBookingId, bookingId: null, field: 'booking', tidewater: null, channel: describeBooking(b), ...anchor(b), ...revisions(undefined, b) });
  }
  for (const t of tidewater) {
    const c = theirs.get(t.channelBookingId);
    if (!c) {
      if (t.status === 'cancelled' || !overlaps(t, range)) continue;
      findings.push({ issue: 'missing-on-channel', channelBookingId: t.channelBookingId, bookingId: t.bookingId ?? null, field: 'booking', tidewater: describeBooking(t), channel: null, ...anchor(t), ...revisions(t, undefined) });
      continue;
    }
    for (const [field, ourValue, theirValue] of compareBookings(t, c)) {
      findings.push({
        issue: 'differs',
        channelBookingId: t.channelBookingId,
        bookingId: t.bookingId ?? null,
        field,
        tidewater: ourValue,
        channel: theirValue,
        ...anchor(t.stays.length > 0 ? t : c),
        ...revisions(t, c),
      });
    }
  }
  const order = (f: BookingFinding) => `${f.checkIn}|${f.channelBookingId}|${f.field === 'booking' ? -1 : BOOKING_FIELDS.indexOf(f.field)}`;
  return findings.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

function compareBookings(t: ReconciledBooking, c: ReconciledBooking): Array<[BookingField, string | null, string | null]> {
  if (t.status !== c.status) return [['status', t.status, c.status]];
  if (t.status === 'cancelled') return [];
  const out: Array<[BookingField, string | null, string | null]> = [];
  const joined = (b: ReconciledBooking, pick: (s: ReconciledStay) => string) => b.stays.map(pick).join(' + ');
  const pickers: Array<[BookingField, (s: ReconciledStay) => string]> = [
    ['checkIn', (s) => s.checkIn],
    ['checkOut', (s) => s.checkOut],
    ['roomType', (s) => s.roomType],
    ['rooms', (s) => String(s.rooms)],
  ];
  for (const [field, pick] of pickers) {
    const ours = joined(t, pick);
    const theirs = joined(c, pick);
    if (ours !== theirs) out.push([field, ours, theirs]);
  }
  if (!sameTotal(t.total, c.total)) out.push(['total', describeTotal(t.total), describeTotal(c.total)]);
  return out;
}

/** Totals are equal as amounts ("258" and "258.00" are), not as strings. */
export function sameTotal(a: ReconciledBooking['total'], b: ReconciledBooking['total']): boolean {
  if (a === null || b === null) return a === b;
  if (a.currency !== b.currency) return false;
  if (!isDecimalString(a.amount) || !isDecimalString(b.amount)) return a.amount === b.amount;
  return toScaled(a.amount) === toScaled(b.amount);
}

function describeTotal(total: ReconciledBooking['total']): string | null {
  if (total === null) return null;
  let amount = total.amount;
  try {
    if (isDecimalString(amount)) amount = formatAmount(amount, currencyDecimals(total.currency));
  } catch {
    // An unknown currency code: show the amount as the side stated it.
  }
  return `${amount} ${total.currency}`;
}

/** One line a person can read: "confirmed DBL×1 2027-04-03→2027-04-05, 258.00 EUR". */
export function describeBooking(b: ReconciledBooking): string {
  const stays = b.stays.map((s) => `${s.roomType}×${s.rooms} ${s.checkIn}→${s.checkOut}`).join(' + ');
  const total = describeTotal(b.total);
  return [`${b.status}${stays ? ` ${stays}` : ''}`, total].filter((p) => p !== null).join(', ');
}

function anchor(b: ReconciledBooking): { checkIn: IsoDate; roomType: string } {
  const first = [...b.stays].sort((x, y) => (x.checkIn < y.checkIn ? -1 : x.checkIn > y.checkIn ? 1 : 0))[0];
  return { checkIn: first?.checkIn ?? '', roomType: first?.roomType ?? '' };
}

function revisions(t: ReconciledBooking | undefined, c: ReconciledBooking | undefined): { tidewaterRevision?: string; channelRevision?: string } {
  return { ...(t?.revision !== undefined ? { tidewaterRevision: t.revision } : {}), ...(c?.revision !== undefined ? { channelRevision: c.revision } : {}) };
}
