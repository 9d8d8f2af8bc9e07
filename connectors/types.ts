import type { ChannelView } from '../core/channel-view';
import type { IsoDate } from '../core/dates';
import type { ChannelConfig, Property } from '../core/property';
import type { ChannelReservation } from '../core/reservation-message';

/** Everything a connector needs to talk to one channel of one property. */
export interface ChannelContext {
  property: Property;
  channel: ChannelConfig;
  /** A correlation id carried from the ledger change to the channel's request, for logs. */
  correlationId?: string;
}

export interface ChannelCapabilities {
  /** Most nights × room types × plans one request may carry. */
  maxCellsPerMessage: number;
  /** Requests per second the channel accepts; the worker paces itself below it. */
  requestsPerSecond: number;
  /** Whether `readAri` returns the channel's own current view (for reconciliation). */
  canReadAri: boolean;
  /** Whether `readBookings` can ask this channel for its bookings (absent: it cannot). */
  canReadBookings?: boolean;
  /** Whether `readSoldCounts` can ask this PMS for its sold counts (absent: it cannot). */
  canReadSoldCounts?: boolean;
}

/** Rooms a PMS counts as sold through the hub for one of its room types on one night, in the PMS's codes. */
export interface PmsSoldCount {
  roomType: string;
  date: IsoDate;
  sold: number;
}

export interface PushResult {
  /** Messages (HTTP requests) sent. */
  messages: number;
  /** Channel warnings that did not reject the message (OTA Warnings). */
  warnings: string[];
}

/**
 * One shared interface for every kind of channel. A connector translates Tidewater's view (already
 * filtered to mapped codes and reduced by buffers) into the channel's messages; it never decides
 * what to send: the sync worker does.
 */
export interface ChannelConnector {
  readonly type: ChannelConfig['type'];
  /** Non-critical channels of this type gather changes this long before a sync (critical ones: never). */
  readonly batchIntervalMs: number;
  capabilities(channel: ChannelConfig): ChannelCapabilities;
  /** Sends the changed cells. Throws ChannelRejectedError (permanent) or TransientChannelError (retry). */
  pushAri(context: ChannelContext, changes: ChannelView): Promise<PushResult>;
  /** The channel's own current view for a range, in Tidewater codes, where the channel has one. */
  readAri?(context: ChannelContext, range: { from: IsoDate; to: IsoDate }): Promise<ChannelView>;
  /**
   * The channel's bookings as it holds them now, whose stay touches the range (`to` inclusive), in
   * the channel's own codes; cancelled ones included. Read-only: nothing is acknowledged.
   */
  readBookings?(context: ChannelContext, range: { from: IsoDate; to: IsoDate }): Promise<ChannelReservation[]>;
  /** A PMS's rooms sold through the hub per room type and night over the range, in the PMS's codes. */
  readSoldCounts?(context: ChannelContext, range: { from: IsoDate; to: IsoDate }): Promise<PmsSoldCount[]>;
  /** Delivers a booking (new, modified or cancelled) to a PMS; resolves with the PMS's own reference = its acknowledgement. */
  deliverReservation?(context: ChannelContext, booking: ReservationDelivery): Promise<{ pmsReference: string }>;
  /**
   * Descriptive content the channel must hold before its ARI makes sense (AlpineBits: the room
   * categories). The sync worker sends it before ARI whenever its fingerprint differs from the one
   * the channel last settled, so it goes out on a channel's first sync and after each change.
   */
  readonly content?: ChannelContentSync;
}

export interface ChannelContentSync {
  /** Identifies what `push` would send now (no I/O): an equal fingerprint means nothing to send. */
  fingerprint(context: ChannelContext): string;
  /** Sends the content. Throws ChannelRejectedError (permanent) or TransientChannelError (retry). */
  push(context: ChannelContext): Promise<ContentPushResult>;
}

export type ContentPushResult =
  | { status: 'accepted'; messages: number; warnings: string[] }
  /**
   * Not sent, and sending again would not change that (the server does not take this content, or
   * there is nothing a channel could hold): said once, not retried until the content changes.
   */
  | { status: 'skipped'; reason: string };

/** A booking as a PMS receives it: the PMS's room and rate codes, personal data only where needed. */
export interface ReservationDelivery {
  bookingId: string;
  /** Where the booking came from (channel code, or `direct`). */
  source: string;
  sourceReference: string | null;
  status: 'confirmed' | 'cancelled' | 'held' | 'manual-recovery';
  revision: string | null;
  roomStays: Array<{ roomType: string; ratePlan?: string; checkIn: IsoDate; checkOut: IsoDate; rooms: number; adults?: number; children?: number }>;
  total: { amount: string; currency: string } | null;
  guest?: { firstName?: string; lastName?: string; email?: string; phone?: string };
}

/** The channel refused the message for good (OTA Errors, HTTP 4xx): dead-letter it, never retry. */
export class ChannelRejectedError extends Error {
  readonly code = 'channel-rejected';
  constructor(
    message: string,
    readonly status?: number,
    readonly partnerErrors: string[] = [],
  ) {
    super(message);
    this.name = 'ChannelRejectedError';
  }
}

/** A failure worth retrying later (timeouts, 5xx, 429, network errors). */
export class TransientChannelError extends Error {
  readonly code = 'channel-unavailable';
  constructor(
    message: string,
    readonly waitMs?: number,
  ) {
    super(message);
    this.name = 'TransientChannelError';
  }
}
