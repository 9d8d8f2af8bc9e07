import { Router } from 'express';
import { z } from 'zod';
import { WEEKDAYS } from '../core/dates';
import { ValidationError } from '../core/errors';
import { PRICING_RULE_KINDS } from '../core/pricing';
import type { ExplainResult } from '../core/rate-explain';
import type { Db } from '../db/connection';
import { explainRateOf } from '../services/rate-explain-service';
import { authorize } from './auth';
import type { Expect, SameShape } from './response-schemas';
import { isoDate, parseQuery } from './schemas';

/** Query of GET /v1/properties/{code}/rates/explain; errors point at `/query/<name>`. */
export const rateExplainQuerySchema = z
  .object({
    roomType: z.string().min(1).meta({ description: 'room type code', example: 'DBL' }),
    ratePlan: z.string().min(1).meta({ description: 'rate plan code', example: 'NRF' }),
    date: isoDate.meta({ description: 'the night, YYYY-MM-DD in the property time zone', example: '2027-03-05' }),
    channel: z.string().min(1).optional().meta({ description: "explain the price as this channel is sent it (its markup and codes)" }),
    asOf: isoDate
      .optional()
      .meta({ description: 'judge the booking window from this day; today in the property time zone when absent', example: '2027-02-01' }),
  })
  .strict();

const money = z.string().regex(/^\d+(\.\d+)?$/).meta({ description: 'a decimal amount in the property currency (never a float)', example: '153.99' });
const base = { label: z.string().meta({ description: 'one line for people, e.g. "Busy (occupancy 16/20 = 80% ≥ 75%)"' }), amount: money.meta({ description: 'the running price after this step' }) };

const explainStepSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('rate'), ...base, ratePlan: z.string() }),
  z.object({
    kind: z.literal('derived'),
    ...base,
    ratePlan: z.string(),
    from: z.string().meta({ description: 'the parent plan' }),
    adjust: z.union([z.object({ percent: z.string() }), z.object({ amount: z.string() })]),
    note: z.string().optional().meta({ description: 'when the ledger holds a rate derived under an earlier adjustment' }),
  }),
  z.object({ kind: z.literal('rule'), ...base, rule: z.string(), ruleKind: z.enum(PRICING_RULE_KINDS), factor: z.string(), reason: z.string() }),
  z.object({ kind: z.enum(['floor', 'ceiling']), ...base, percent: z.string().meta({ description: 'of the base rate' }) }),
  z.object({ kind: z.literal('rounding'), ...base, ending: z.string(), note: z.string().optional().meta({ description: 'when a bound moved or skipped the ending' }) }),
  z.object({ kind: z.literal('markup'), ...base, channel: z.string(), detail: z.record(z.string(), z.string()) }),
  z.object({
    kind: z.literal('conversion'),
    ...base,
    amount: money.meta({ description: "the price in the channel's currency (`to`), rounded to its decimals" }),
    channel: z.string(),
    from: z.string().meta({ description: 'the property currency', example: 'EUR' }),
    to: z.string().meta({ description: "the channel's currency", example: 'GBP' }),
    rate: z.string().meta({ description: 'units of `to` for one unit of `from`', example: '0.8563' }),
    validFrom: z.string().meta({ description: 'the date of the exchange rate row used: the latest of the pair on or before the night', example: '2027-03-01' }),
  }),
]);

/** The answer of GET /v1/properties/{code}/rates/explain (core/rate-explain.ts ExplainResult). */
export const rateExplainResultSchema = z
  .object({
    property: z.string(),
    currency: z.string(),
    roomType: z.string(),
    ratePlan: z.string(),
    date: z.string(),
    weekday: z.enum(WEEKDAYS),
    asOf: z.string().meta({ description: 'the day the booking window is counted from' }),
    daysBeforeArrival: z.number().int(),
    occupancy: z.object({ sold: z.number().int().meta({ description: "rooms taken: sold through the hub, or more when the PMS's own available count says so" }), total: z.number().int(), percent: z.string().meta({ description: 'rooms taken ÷ total, one decimal at most' }) }),
    channel: z
      .object({
        code: z.string(),
        roomType: z.string(),
        ratePlan: z.string(),
        currency: z.string().optional().meta({ description: "only for a channel selling in another currency than the property's: the currency of `final`" }),
      })
      .nullable()
      .meta({ description: "the channel's own codes; null without ?channel=" }),
    base: money.nullable().meta({ description: "the plan's rate in the ledger; null while no rate is loaded" }),
    floor: money.nullable(),
    ceiling: money.nullable(),
    steps: z.array(explainStepSchema),
    notApplied: z.array(z.object({ rule: z.string(), ruleKind: z.enum(PRICING_RULE_KINDS), reason: z.string() })),
    final: money.nullable().meta({ description: "the price sent (to the channel when one is named, in its currency); null while no rate is loaded or no exchange rate converts it" }),
    note: z.string().optional(),
    baseGuests: z.number().int().optional().meta({ description: 'plans with occupancy prices only: the number of guests `final` is the price for' }),
    byGuests: z
      .array(
        z.object({
          guests: z.number().int(),
          from: z.enum(['pushed', 'rate', 'offset', 'extra-adult']).meta({ description: "where the count's price before the pricing rules comes from" }),
          label: z.string(),
          ledger: money.meta({ description: 'before the pricing rules, in the property currency' }),
          final: money.nullable().meta({ description: 'after the same rules, markup and conversion as `final`; null when not sold' }),
        }),
      )
      .optional()
      .meta({ description: "plans with occupancy prices only: each number of guests from 1 to the room type's maximum, as channels taking occupancy prices are sent it and a direct booking of that party pays per room and night" }),
    supplements: z
      .object({ extraAdult: money.optional(), extraChild: money.optional() })
      .optional()
      .meta({ description: "the plan's extra adult and child amounts as sent: markup and conversion, no pricing rules" }),
  })
  .meta({ id: 'RateExplanation' });

/** Fails to compile when ExplainResult and its documented schema part ways. */
export type RateExplainMatchesItsSchema = Expect<SameShape<ExplainResult, z.input<typeof rateExplainResultSchema>>>;

export function ratesRouter(db: Db): Router {
  const router = Router();

  router.get('/v1/properties/:code/rates/explain', async (req, res) => {
    authorize(res, req.params.code, ['admin', 'pms']);
    const query = parseQuery(rateExplainQuerySchema, req.query);
    try {
      const result: ExplainResult = await explainRateOf(db, req.params.code, {
        roomType: query.roomType,
        ratePlan: query.ratePlan,
        date: query.date,
        ...(query.channel !== undefined ? { channel: query.channel } : {}),
        ...(query.asOf !== undefined ? { asOf: query.asOf } : {}),
      });
      res.json(result);
    } catch (error) {
      // The service names the request's fields; here they are query parameters.
      if (error instanceof ValidationError) throw new ValidationError(error.errors.map((e) => ({ ...e, pointer: `/query${e.pointer}` })));
      throw error;
    }
  });

  return router;
}
