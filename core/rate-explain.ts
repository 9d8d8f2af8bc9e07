import { daysBetween, isIsoDate, weekdayOf, type IsoDate, type Weekday } from './dates';
import { ValidationError, type FieldError } from './errors';
import { channelCurrency, NO_FX_RATES, type FxRates } from './fx';
import { applyMarkup, convertAmount, currencyDecimals, formatAmount, isNegativeAmount, toScaled } from './money';
import { baseGuests, hasOccupancyPrices, ledgerPricesByGuests, occupancyOf, type AmountsByGuests } from './occupancy';
import { deriveRate, nightOccupancy, NO_PRICING, occupancyPercent, planLineage, priceCell, type ExplainStep, type NightCounts, type NotAppliedRule, type Occupancy } from './pricing';
import { findRatePlan, findRoomType, type ChannelConfig, type Property, type RateAdjustment } from './property';

/** What to explain: one room type × rate plan × night, optionally as one channel is sent it. */
export interface RateExplainRequest {
  roomType: string;
  ratePlan: string;
  date: IsoDate;
  channel?: string;
  /** The day the price is judged from (booking window); today in the property's time zone when absent. */
  asOf?: IsoDate;
}

/** What the ledger holds for that room type and night. */
export interface RateExplainLedger {
  /** Every plan's amount on the night (null: no rate loaded), at least the plan and its parents. */
  rates: ReadonlyMap<string, string | null>;
  /** The room type's counts that night; occupancy is nightOccupancy of them, as channels are priced. */
  occupancy: NightCounts;
  /** Per-guest prices pushed with the plans' rates that night (keys "1", "2", …), where there are any. */
  ratesByGuests?: ReadonlyMap<string, AmountsByGuests | null>;
}

/** One number of guests of a plan with occupancy prices. */
export interface GuestPriceExplained {
  guests: number;
  /** Where its price before the pricing rules comes from. */
  from: 'pushed' | 'rate' | 'offset' | 'extra-adult';
  /** How, checkable by hand: "129.00 − 20.00" for an offset, "129.00 + 1 × 30.00" for extra adults. */
  label: string;
  /** Before the pricing rules, in the property currency. */
  ledger: string;
  /**
   * After the same pricing rules, bound, ending, markup and conversion as `final` (whose count is
   * the base occupancy): what channels taking occupancy prices are sent, and what a direct booking
   * of that many guests pays per room and night. Null when not sold: a negative price, no exchange rate.
   */
  final: string | null;
}

/**
 * The last step for a channel selling in another currency: the marked-up price converted at the
 * night's exchange rate (the latest row of the pair dated on or before the night, core/fx.ts).
 * Its amount is in `to`, every step before it in the property currency.
 */
export interface ConversionStep {
  kind: 'conversion';
  label: string;
  amount: string;
  channel: string;
  from: string;
  to: string;
  rate: string;
  /** The date of the table row the rate comes from. */
  validFrom: IsoDate;
}

export type ExplainResultStep = ExplainStep | ConversionStep;

export interface ExplainResult {
  property: string;
  currency: string;
  roomType: string;
  ratePlan: string;
  date: IsoDate;
  weekday: Weekday;
  asOf: IsoDate;
  daysBeforeArrival: number;
  occupancy: { sold: number; total: number; percent: string };
  /**
   * The channel's own codes for the cell; null when the hub's price is explained. `currency` only
   * for a channel selling in another currency than the property's: the currency of `final`.
   */
  channel: { code: string; roomType: string; ratePlan: string; currency?: string } | null;
  /** The plan's rate in the ledger, which the rules start from; null while no rate is loaded. */
  base: string | null;
  floor: string | null;
  ceiling: string | null;
  /** From the pushed rate through derivation, rules, bounds and rounding to the channel's markup and currency conversion. */
  steps: ExplainResultStep[];
  notApplied: NotAppliedRule[];
  /** The price sent (to the channel, when one is named); null while no rate is loaded. */
  final: string | null;
  /** Why there is no price, when there is none. */
  note?: string;
  /** Plans with occupancy prices only: the number of guests `final` is the price for. */
  baseGuests?: number;
  /** Plans with occupancy prices only: every number of guests from 1 to the room type's maximum. */
  byGuests?: GuestPriceExplained[];
  /** The plan's extra adult and child amounts as sent (markup and conversion, no pricing rules). */
  supplements?: { extraAdult?: string; extraChild?: string };
}

/** Checks a request against the property; pointers name the request's fields (`/roomType`, …). */
export function checkExplainRequest(property: Property, request: RateExplainRequest): FieldError[] {
  const errors: FieldError[] = [];
  const roomType = findRoomType(property, request.roomType);
  const plan = findRatePlan(property, request.ratePlan);
  if (!roomType) errors.push({ pointer: '/roomType', detail: `unknown room type ${request.roomType} for property ${property.code}` });
  if (!plan) errors.push({ pointer: '/ratePlan', detail: `unknown rate plan ${request.ratePlan} for property ${property.code}` });
  else if (roomType && !plan.roomTypes.includes(roomType.code)) {
    errors.push({ pointer: '/ratePlan', detail: `rate plan ${plan.code} is not sold on room type ${roomType.code}` });
  }
  if (!isIsoDate(request.date)) errors.push({ pointer: '/date', detail: 'must be a date in YYYY-MM-DD form' });
  if (request.asOf !== undefined && !isIsoDate(request.asOf)) errors.push({ pointer: '/asOf', detail: 'must be a date in YYYY-MM-DD form' });
  if (request.channel !== undefined) {
    const channel = property.channels.find((c) => c.code === request.channel);
    if (!channel) errors.push({ pointer: '/channel', detail: `unknown channel ${request.channel} for property ${property.code}` });
    else if (roomType && plan && (channel.roomTypes[roomType.code] === undefined || channel.ratePlans[plan.code] === undefined)) {
      errors.push({ pointer: '/channel', detail: `channel ${channel.code} is not sent ${roomType.code}/${plan.code}: it maps no code for it` });
    }
  }
  return errors;
}

/**
 * The chain from the pushed rate to the price a channel is sent, step by step: the root plan's
 * rate as the ledger holds it, each derived plan on the way, the pricing rules, floor, ceiling and
 * price ending (priceCell), the channel's markup (applyMarkup, as channelViewOf applies it) and,
 * for a channel selling in another currency, the conversion at the night's rate from `fx`.
 */
export function explainRate(property: Property, request: RateExplainRequest, ledger: RateExplainLedger, today: IsoDate, fx: FxRates = NO_FX_RATES): ExplainResult {
  const errors = checkExplainRequest(property, request);
  if (errors.length > 0) throw new ValidationError(errors);
  const decimals = currencyDecimals(property.currency);
  const asOf = request.asOf ?? today;
  const channel = request.channel !== undefined ? property.channels.find((c) => c.code === request.channel) : undefined;
  const occupancy = nightOccupancy(ledger.occupancy);
  const sellsIn = channel ? channelCurrency(property, channel) : property.currency;
  const result: ExplainResult = {
    property: property.code,
    currency: property.currency,
    roomType: request.roomType,
    ratePlan: request.ratePlan,
    date: request.date,
    weekday: weekdayOf(request.date),
    asOf,
    daysBeforeArrival: daysBetween(asOf, request.date),
    // `sold` is the rooms taken as the rules judge them; an occupancy step says when the PMS's count decided it.
    occupancy: { sold: occupancy.sold, total: occupancy.total, percent: occupancyPercent(occupancy.sold, occupancy.total) },
    channel: channel
      ? {
          code: channel.code,
          roomType: channel.roomTypes[request.roomType] as string,
          ratePlan: channel.ratePlans[request.ratePlan] as string,
          ...(sellsIn !== property.currency ? { currency: sellsIn } : {}),
        }
      : null,
    base: null,
    floor: null,
    ceiling: null,
    steps: [],
    notApplied: [],
    final: null,
  };

  // Root first: RACK 200.00 → BAR −10% = 180.00 → NRF −10% = 162.00.
  const lineage = planLineage(property, request.ratePlan).reverse();
  let parentAmount: string | undefined;
  for (const code of lineage) {
    const plan = findRatePlan(property, code);
    const amount = ledger.rates.get(code) ?? null;
    if (amount === null) {
      result.note = `no rate loaded for ${code} on ${request.roomType} ${request.date}`;
      return result;
    }
    if (plan?.derivedFrom === undefined || !plan.adjust || parentAmount === undefined) {
      result.steps.push({ kind: 'rate', label: `${code} rate pushed by the PMS`, amount, ratePlan: code });
    } else {
      const expected = deriveRate(parentAmount, plan.adjust, decimals, plan.rounding?.ending);
      result.steps.push({
        kind: 'derived',
        label: `${code} = ${plan.derivedFrom} ${adjustmentText(plan.adjust)}${plan.rounding ? `, ending ${plan.rounding.ending}` : ''}`,
        amount,
        ratePlan: code,
        from: plan.derivedFrom,
        adjust: plan.adjust,
        // The ledger keeps what was derived when the parent was pushed; a later change of `adjust`
        // only applies from the next push, and this says so rather than showing a chain that does not add up.
        ...(expected !== amount ? { note: `the current adjustment would give ${expected}; the ledger still holds the rate derived at the last push` } : {}),
      });
    }
    parentAmount = amount;
  }

  const base = parentAmount as string;
  const priced = priceCell(
    base,
    {
      date: request.date,
      occupancy,
      daysBeforeArrival: result.daysBeforeArrival,
      roomType: request.roomType,
      ratePlans: planLineage(property, request.ratePlan),
    },
    property.pricing ?? NO_PRICING,
    decimals,
  );
  result.base = base;
  result.floor = priced.floor;
  result.ceiling = priced.ceiling;
  result.steps.push(...priced.steps);
  result.notApplied = priced.notApplied;
  let final = priced.final;
  if (channel?.markup && toScaled(channel.markup.percent) !== 0n) {
    final = applyMarkup(final, channel.markup.percent, decimals);
    result.steps.push({
      kind: 'markup',
      label: `${channel.code} markup ${signed(channel.markup.percent)}%`,
      amount: final,
      channel: channel.code,
      detail: { percent: channel.markup.percent },
    });
  }
  if (channel && sellsIn !== property.currency) {
    const rate = fx.rateFor(property.currency, sellsIn, request.date);
    if (!rate) {
      result.note = `no ${property.currency}→${sellsIn} exchange rate dated on or before ${request.date}: ${channel.code} is sent no price for this night (tidewater fx load)`;
      return result;
    }
    final = convertAmount(final, property.currency, sellsIn, rate.rate);
    result.steps.push({
      kind: 'conversion',
      label: `${property.currency}→${sellsIn} at ${rate.rate} (rate from ${rate.validFrom})`,
      amount: final,
      channel: channel.code,
      from: property.currency,
      to: sellsIn,
      rate: rate.rate,
      validFrom: rate.validFrom,
    });
  }
  result.final = final;
  Object.assign(result, explainByGuests(property, request, ledger, base, channel, occupancy, result.daysBeforeArrival, fx));
  return result;
}

/**
 * The per-guest part of an explanation: each count's ledger price (ledgerPricesByGuests, as
 * channelViewOf has them) and where it comes from, and the same chain as the base price on it:
 * priceCell, the channel's markup, the conversion. Nothing for a plan without occupancy prices.
 */
function explainByGuests(
  property: Property,
  request: RateExplainRequest,
  ledger: RateExplainLedger,
  base: string,
  channel: ChannelConfig | undefined,
  occupancy: Occupancy,
  daysBeforeArrival: number,
  fx: FxRates,
): Pick<ExplainResult, 'baseGuests' | 'byGuests' | 'supplements'> {
  const settings = occupancyOf(property, request.ratePlan);
  const pushed = ledger.ratesByGuests?.get(request.ratePlan) ?? null;
  if (!hasOccupancyPrices(settings, pushed)) return {};
  const decimals = currencyDecimals(property.currency);
  const maxOccupancy = findRoomType(property, request.roomType)?.maxOccupancy ?? 1;
  const baseCount = baseGuests(settings, maxOccupancy);
  const sellsIn = channel ? channelCurrency(property, channel) : property.currency;
  const fxRate = sellsIn !== property.currency ? fx.rateFor(property.currency, sellsIn, request.date) : undefined;
  const markup = channel?.markup && toScaled(channel.markup.percent) !== 0n ? channel.markup.percent : undefined;
  const toChannel = (amount: string): string | null => {
    const marked = markup === undefined ? amount : applyMarkup(amount, markup, decimals);
    if (sellsIn === property.currency) return marked;
    return fxRate ? convertAmount(marked, property.currency, sellsIn, fxRate.rate) : null;
  };
  const context = { date: request.date, occupancy, daysBeforeArrival, roomType: request.roomType, ratePlans: planLineage(property, request.ratePlan) };
  const prices = ledgerPricesByGuests({ amount: base, pushed, occupancy: settings, maxOccupancy, decimals });
  const byGuests = Object.entries(prices).map(([key, price]): GuestPriceExplained => {
    const guests = Number(key);
    const offset = settings?.offsets[key];
    const [from, label]: [GuestPriceExplained['from'], string] =
      pushed?.[key] !== undefined
        ? ['pushed', `${price} pushed by the PMS for ${guests}`]
        : guests === baseCount
          ? ['rate', `the rate, for the base occupancy of ${baseCount}`]
          : offset !== undefined
            ? ['offset', `${base} ${adjustmentText(offset)}`]
            : guests > baseCount && settings?.extraAdult !== undefined
              ? ['extra-adult', `${base} + ${guests - baseCount} × ${settings.extraAdult}`]
              : ['rate', `the rate: no price of its own for ${guests}`];
    const final = isNegativeAmount(price) ? null : toChannel(priceCell(price, context, property.pricing ?? NO_PRICING, decimals).final);
    return { guests, from, label, ledger: price, final };
  });
  const supplement = (amount: string | undefined) => (amount === undefined ? undefined : toChannel(formatAmount(amount, decimals)) ?? undefined);
  const extraAdult = supplement(settings?.extraAdult);
  const extraChild = supplement(settings?.extraChild);
  return {
    baseGuests: baseCount,
    byGuests,
    ...(extraAdult !== undefined || extraChild !== undefined
      ? { supplements: { ...(extraAdult !== undefined ? { extraAdult } : {}), ...(extraChild !== undefined ? { extraChild } : {}) } }
      : {}),
  };
}

/** "−10%", "+12.5%", "− 5.00": a real minus sign, as a revenue manager would write it. */
export function adjustmentText(adjust: RateAdjustment): string {
  return 'percent' in adjust ? `${signed(adjust.percent)}%` : signed(adjust.amount).replace(/^([+−])/, '$1 ');
}

function signed(value: string): string {
  return value.startsWith('-') ? `−${value.slice(1)}` : `+${value}`;
}
