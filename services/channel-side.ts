import type { ChannelView } from '../core/channel-view';
import type { IsoDate } from '../core/dates';
import type { ChannelConfig } from '../core/property';
import type { Db } from '../db/connection';
import type { StoredProperty } from '../db/properties-repo';
import { readAckedView } from '../db/sync-repo';
import { channelCurrency } from '../core/fx';
import { currencyDecimals } from '../core/money';
import { readJsonView } from '../connectors/shared/json-view';
import type { ChannelConnector } from '../connectors/types';

export type ChannelSideSource = 'channel' | 'acknowledged';

/**
 * What a channel shows, from the same sources as reconciliation: the channel's own view where it
 * offers one (its connector's readAri, or a JSON export at settings.viewEndpoint), else what it
 * last acknowledged. Reconciliation and rate parity both read channels through it.
 */
export async function readChannelSide(
  db: Db,
  stored: StoredProperty,
  channel: ChannelConfig,
  connector: ChannelConnector | undefined,
  range: { from: IsoDate; to: IsoDate },
): Promise<{ view: ChannelView; source: ChannelSideSource }> {
  if (connector?.readAri) return { view: await connector.readAri({ property: stored.property, channel }, range), source: 'channel' };
  if (typeof channel.settings?.viewEndpoint === 'string') return { view: await readJsonView(channel, range), source: 'channel' };
  return { view: await readAcknowledgedSide(db, stored, channel, range), source: 'acknowledged' };
}

/** What the channel last acknowledged over a range, in Tidewater codes. */
export async function readAcknowledgedSide(db: Db, stored: StoredProperty, channel: ChannelConfig, range: { from: IsoDate; to: IsoDate }): Promise<ChannelView> {
  const channelId = stored.channelIds.get(channel.code);
  if (channelId === undefined) return { inventory: [], rates: [] };
  const spans = [...stored.roomTypeIds.values()].map((roomTypeId) => ({ roomTypeId, from: range.from, to: range.to }));
  const codes = {
    roomType: new Map([...stored.roomTypeIds].map(([code, id]) => [id, code])),
    ratePlan: new Map([...stored.ratePlanIds].map(([code, id]) => [id, code])),
  };
  // Acknowledged prices are in the channel's currency.
  return readAckedView(db, channelId, spans, codes, currencyDecimals(channelCurrency(stored.property, channel)));
}
