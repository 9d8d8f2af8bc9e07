import type { Knex } from 'knex';
import { channelCurrency, fxRatesOf, NO_FX_RATES, type ExchangeRate, type FxRates } from '../core/fx';
import type { Property } from '../core/property';
import type { DbHandle } from './connection';

/** The incident a channel gets while it has prices no exchange rate converts. */
export const MISSING_EXCHANGE_RATE = 'missing-exchange-rate';

type RateRow = { from_currency: string; to_currency: string; valid_from: string; rate: string };

/** Postgres numeric(20,8) as text ("0.85630000") back to the rate as written ("0.8563"). */
function rateText(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}

function toExchangeRate(r: RateRow): ExchangeRate {
  return { from: r.from_currency, to: r.to_currency, validFrom: r.valid_from, rate: rateText(r.rate) };
}

/**
 * Adds or replaces rates by (from, to, valid from), all or nothing. Returns the rows that are new or
 * carry another rate than before: only they change a converted price. A row loaded again with the
 * same rate is left alone (its loaded_at too), so reloading a file marks nothing for a resend.
 */
export async function upsertExchangeRates(db: DbHandle, rows: readonly ExchangeRate[]): Promise<{ added: ExchangeRate[]; changed: ExchangeRate[]; unchanged: number }> {
  const added: ExchangeRate[] = [];
  const changed: ExchangeRate[] = [];
  for (let k = 0; k < rows.length; k += 1000) {
    const chunk = rows.slice(k, k + 1000);
    const { rows: written } = await db.raw<{ rows: Array<RateRow & { inserted: boolean }> }>(
      `INSERT INTO exchange_rates (from_currency, to_currency, valid_from, rate)
       SELECT * FROM unnest(?::text[], ?::text[], ?::date[], ?::numeric[])
       ON CONFLICT (from_currency, to_currency, valid_from) DO UPDATE SET rate = EXCLUDED.rate, loaded_at = now()
         WHERE exchange_rates.rate <> EXCLUDED.rate
       RETURNING from_currency, to_currency, to_char(valid_from, 'YYYY-MM-DD') AS valid_from, rate::text AS rate, (xmax = 0) AS inserted`,
      [chunk.map((r) => r.from), chunk.map((r) => r.to), chunk.map((r) => r.validFrom), chunk.map((r) => r.rate)] as unknown as Knex.RawBinding[],
    );
    for (const r of written) (r.inserted ? added : changed).push(toExchangeRate(r));
  }
  return { added, changed, unchanged: rows.length - added.length - changed.length };
}

/** Rows of the table, optionally of one side or pair, ordered by pair and date. */
export async function readExchangeRates(db: DbHandle, filter: { from?: string; to?: string; pairs?: ReadonlyArray<{ from: string; to: string }> } = {}): Promise<ExchangeRate[]> {
  let query = db('exchange_rates').select<RateRow[]>('from_currency', 'to_currency', db.raw(`to_char(valid_from, 'YYYY-MM-DD') AS valid_from`), db.raw('rate::text AS rate'));
  if (filter.from !== undefined) query = query.where('from_currency', filter.from);
  if (filter.to !== undefined) query = query.where('to_currency', filter.to);
  if (filter.pairs !== undefined) {
    if (filter.pairs.length === 0) return [];
    const pairs = filter.pairs;
    query = query.where((q) => {
      for (const p of pairs) void q.orWhere({ from_currency: p.from, to_currency: p.to });
    });
  }
  const rows = await query.orderBy([{ column: 'from_currency' }, { column: 'to_currency' }, { column: 'valid_from' }]);
  return rows.map(toExchangeRate);
}

/**
 * The rates a property's channels convert at, read once per sync run, reconciliation or report:
 * only the pairs its channels sell in, and no query at all when every channel sells in the
 * property's currency.
 */
export async function readFxRatesFor(db: DbHandle, property: Pick<Property, 'currency' | 'channels'>): Promise<FxRates> {
  const to = [...new Set(property.channels.map((c) => channelCurrency(property, c)).filter((c) => c !== property.currency))];
  if (to.length === 0) return NO_FX_RATES;
  return fxRatesOf(await readExchangeRates(db, { pairs: to.map((currency) => ({ from: property.currency, to: currency })) }));
}

/** When the table last changed (null: empty), for caches of converted prices. */
export async function exchangeRatesVersion(db: DbHandle): Promise<string | null> {
  const row = await db('exchange_rates').first<{ version: string | null }>(db.raw(`max(loaded_at)::text AS version`));
  return row?.version ?? null;
}

/** Active channels that sell in another currency than their property's, per pair, with what a resend needs. */
export async function channelsConverting(db: DbHandle): Promise<Array<{ channelId: number; propertyId: number; timezone: string; from: string; to: string }>> {
  const { rows } = await db.raw<{ rows: Array<{ channel_id: number; property_id: number; timezone: string; from_currency: string; to_currency: string }> }>(
    `SELECT c.id AS channel_id, p.id AS property_id, p.timezone, p.currency AS from_currency, ch->>'currency' AS to_currency
     FROM properties p
     CROSS JOIN LATERAL jsonb_array_elements(p.document->'channels') ch
     JOIN channels c ON c.property_id = p.id AND c.code = ch->>'code' AND c.active
     WHERE ch->>'currency' IS NOT NULL AND ch->>'currency' <> p.currency`,
  );
  return rows.map((r) => ({ channelId: r.channel_id, propertyId: r.property_id, timezone: r.timezone, from: r.from_currency, to: r.to_currency }));
}

/**
 * Opens the channel's missing-exchange-rate incident, or refreshes its details if one is open
 * (one open incident per channel and kind: incidents_one_open). True when this call opened it, so
 * the caller logs once per incident rather than once per sync.
 */
export async function openMissingExchangeRateIncident(db: DbHandle, propertyId: number, channelId: number, details: Record<string, unknown>): Promise<boolean> {
  const inserted = await db.raw<{ rows: { id: number }[] }>(
    `INSERT INTO incidents (property_id, channel_id, kind, status, details) VALUES (?, ?, ?, 'open', ?::jsonb)
     ON CONFLICT DO NOTHING RETURNING id`,
    [propertyId, channelId, MISSING_EXCHANGE_RATE, JSON.stringify(details)],
  );
  if (inserted.rows.length > 0) return true;
  await db('incidents').where({ property_id: propertyId, channel_id: channelId, kind: MISSING_EXCHANGE_RATE, status: 'open' }).update({ details: JSON.stringify(details) });
  return false;
}

/** Resolves the channel's open missing-exchange-rate incident; true when there was one. */
export async function resolveMissingExchangeRateIncident(db: DbHandle, propertyId: number, channelId: number): Promise<boolean> {
  const updated = await db('incidents')
    .where({ property_id: propertyId, channel_id: channelId, kind: MISSING_EXCHANGE_RATE, status: 'open' })
    .update({ status: 'resolved', resolved_at: db.fn.now() });
  return updated > 0;
}
