import { z } from 'zod';
import type { ChannelConfig } from '../../core/property';

/**
 * What an `ical` channel may set in its property document:
 *
 *   credentials.feedSecret   signs the export URLs (no secret: no export feed at all)
 *   settings.importUrls      channel room code → URL of the channel's own .ics for that listing
 *   settings.horizonDays     nights ahead that the export lists and the import takes (default 365)
 *   settings.pollIntervalMs  how often this channel's calendars are fetched (default: the poller's)
 *   settings.summary         SUMMARY of exported events (default "Not available")
 *   settings.timeoutMs, attempts   as for every HTTP connector
 *
 * Import URL rule: `settings.importUrls[channelRoomCode]` when present (real Airbnb / VRBO export
 * links are opaque per listing, so they must be listed); otherwise `{endpoint}/{channelRoomCode}.ics`
 * when the channel has an `endpoint`; otherwise that room type is export-only.
 */
export interface IcalSettings {
  importUrls: Record<string, string>;
  horizonDays: number;
  pollIntervalMs?: number;
  summary?: string;
}

export const DEFAULT_HORIZON_DAYS = 365;

const settingsSchema = z.object({
  importUrls: z.record(z.string(), z.url()).default({}),
  // Three years is more than any rental calendar shows; beyond it a block would only cost cells.
  horizonDays: z.number().int().min(1).max(1096).default(DEFAULT_HORIZON_DAYS),
  pollIntervalMs: z.number().int().min(1000).optional(),
  summary: z.string().min(1).max(200).optional(),
});

/** The channel's settings do not fit the schema above. */
export class IcalConfigError extends Error {
  readonly code = 'ical-config-invalid';
  constructor(
    readonly channel: string,
    readonly problems: string[],
  ) {
    super(`channel ${channel}: ${problems.join('; ')}`);
    this.name = 'IcalConfigError';
  }
}

export function parseIcalSettings(channel: ChannelConfig): IcalSettings {
  const parsed = settingsSchema.safeParse(channel.settings ?? {});
  if (!parsed.success) {
    throw new IcalConfigError(
      channel.code,
      parsed.error.issues.map((i) => `settings/${i.path.join('/')}: ${i.message}`),
    );
  }
  const s = parsed.data;
  return {
    importUrls: s.importUrls,
    horizonDays: s.horizonDays,
    ...(s.pollIntervalMs !== undefined ? { pollIntervalMs: s.pollIntervalMs } : {}),
    ...(s.summary !== undefined ? { summary: s.summary } : {}),
  };
}

/** Where the channel's calendar for one of its rooms is fetched from, or undefined (export-only). */
export function importUrlFor(channel: ChannelConfig, settings: IcalSettings, channelRoomCode: string): string | undefined {
  const listed = settings.importUrls[channelRoomCode];
  if (listed) return listed;
  if (!channel.endpoint) return undefined;
  return `${channel.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(channelRoomCode)}.ics`;
}
