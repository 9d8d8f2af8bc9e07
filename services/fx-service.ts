import { addDays, todayIn } from '../core/dates';
import { parseExchangeRateFile, type ExchangeRate } from '../core/fx';
import type { Db } from '../db/connection';
import { channelsConverting, upsertExchangeRates } from '../db/fx-repo';
import { markChannelsDirty } from '../db/sync-repo';
import { SYNC_HORIZON_DAYS } from './property-service';

export interface FxLoadResult {
  rows: number;
  added: number;
  changed: number;
  unchanged: number;
  /** Channels whose converted prices are re-checked (marked dirty) because a rate of theirs is new or changed. */
  channelsMarked: number;
}

/**
 * Loads a rate file (CSV or JSON, core/fx.ts parseExchangeRateFile) into the table in one
 * transaction, and marks dirty every channel selling in a pair whose rates changed, from the first
 * night a changed row converts (not before today) to the sync horizon: a row converts the nights
 * from its date on, and the sync's diff then sends only the prices that really moved.
 */
export async function loadExchangeRates(db: Db, text: string, file: string, now: Date = new Date()): Promise<FxLoadResult> {
  const rows = parseExchangeRateFile(text, file);
  return db.transaction(async (trx) => {
    const { added, changed, unchanged } = await upsertExchangeRates(trx, rows);
    const firstChanged = new Map<string, string>();
    for (const r of [...added, ...changed]) {
      const key = pairKey(r);
      const seen = firstChanged.get(key);
      if (seen === undefined || r.validFrom < seen) firstChanged.set(key, r.validFrom);
    }
    let channelsMarked = 0;
    if (firstChanged.size > 0) {
      for (const c of await channelsConverting(trx)) {
        const first = firstChanged.get(pairKey(c));
        if (first === undefined) continue;
        const today = todayIn(c.timezone, now);
        const to = addDays(today, SYNC_HORIZON_DAYS);
        const from = first > today ? first : today;
        if (from > to) continue;
        await markChannelsDirty(trx, [c.channelId], { from, to });
        channelsMarked++;
      }
    }
    return { rows: rows.length, added: added.length, changed: changed.length, unchanged, channelsMarked };
  });
}

function pairKey(r: Pick<ExchangeRate, 'from' | 'to'>): string {
  return `${r.from}>${r.to}`;
}
