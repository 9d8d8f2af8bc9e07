import type { Logger } from '../config/logger';
import type { ChannelView } from '../core/channel-view';
import { todayIn } from '../core/dates';
import { channelCurrency, type FxRates } from '../core/fx';
import type { ChannelConfig, Property } from '../core/property';
import type { DbHandle } from '../db/connection';
import { MISSING_EXCHANGE_RATE, openMissingExchangeRateIncident, resolveMissingExchangeRateIncident } from '../db/fx-repo';
import type { DistributionMetrics } from './metrics';

/**
 * After a sync computed a channel's view: a channel selling in another currency with nights no
 * exchange rate converts gets a missing-exchange-rate incident and one error log line when it
 * opens (not one per sync: a channel without a table would log every few seconds). The incident
 * resolves once a rate dated on or before today exists, because from then on every night a
 * channel is sent converts (core/fx.ts: a night takes the latest row on or before its date).
 */
export async function checkExchangeRates(
  deps: { db: DbHandle; logger: Logger; metrics: Pick<DistributionMetrics, 'incidentsOpened'> },
  ids: { propertyId: number; channelId: number },
  property: Property,
  channel: ChannelConfig,
  view: ChannelView,
  fx: FxRates,
): Promise<void> {
  const to = channelCurrency(property, channel);
  if (to === property.currency) return;
  const missing = view.missingExchangeRate;
  if (missing && missing.nights.length > 0) {
    const details = {
      from: missing.from,
      to: missing.to,
      firstNight: missing.nights[0],
      lastNight: missing.nights[missing.nights.length - 1],
      nights: missing.nights.length,
      action: `load a ${missing.from}→${missing.to} rate dated on or before ${missing.nights[0]}: tidewater fx load FILE`,
    };
    if (await openMissingExchangeRateIncident(deps.db, ids.propertyId, ids.channelId, details)) {
      deps.metrics.incidentsOpened.inc({ kind: MISSING_EXCHANGE_RATE });
      deps.logger.error(
        { channel: channel.code, ...details },
        `channel ${channel.code} sells in ${to} but no ${missing.from}→${to} exchange rate converts these nights: their prices are not sent`,
      );
    }
    return;
  }
  if (fx.rateFor(property.currency, to, todayIn(property.timezone)) && (await resolveMissingExchangeRateIncident(deps.db, ids.propertyId, ids.channelId))) {
    deps.logger.info({ channel: channel.code, from: property.currency, to }, `channel ${channel.code}: ${property.currency}→${to} exchange rate loaded, prices are sent again`);
  }
}
