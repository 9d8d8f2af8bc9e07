import { z } from 'zod';
import { ValidationError, type FieldError } from './errors';
import { isValidTimeZone } from './dates';
import { currencyDecimals, decimalPlaces, isDecimalString, isKnownCurrency, toScaled } from './money';
import { RESTRICTION_FIELDS, type ChannelConfig, type OccupancyPricing, type Property, type RatePlan } from './property';
import { baseGuests, DEFAULT_BASE_GUESTS } from './occupancy';
import { checkPricing, pricingDocumentSchema, toPricingRules } from './pricing-document';
import { endingProblem } from './pricing';

const CODE = /^[A-Za-z0-9_.-]{1,32}$/;
const code = z.string().regex(CODE, 'must be 1-32 letters, digits, "_", "." or "-"');
const decimalString = z.union([z.string(), z.number()]).transform(String).refine(isDecimalString, 'must be a decimal number');
const adjustSchema = z.union([z.object({ percent: decimalString }).strict(), z.object({ amount: decimalString }).strict()]);

export const channelTypes = ['ota-xml', 'alpinebits', 'gds', 'direct', 'ical', 'pms'] as const;

/**
 * A currency hotels can sell in: ISO 4217 with at most 3 decimals. Accounting units such as CLF and
 * UYW have 4, which OpenTravel and AlpineBits amounts cannot carry; refused here rather than at
 * delivery, where the message could only fail.
 */
const sellableCurrency = (example: string) =>
  z
    .string()
    .refine(isKnownCurrency, `must be an ISO 4217 currency code such as ${example}`)
    .superRefine((c, ctx) => {
      if (isKnownCurrency(c) && currencyDecimals(c) > 3) ctx.addIssue({ code: 'custom', message: `${c} has ${currencyDecimals(c)} decimals; channels carry amounts with at most 3` });
    });

export const propertyDocumentSchema = z.object({
  code,
  name: z.string().min(1).max(200),
  timezone: z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Amsterdam'),
  currency: sellableCurrency('EUR'),
  roomTypes: z
    .array(
      z.object({
        code,
        name: z.string().min(1).max(200).optional(),
        rooms: z.number().int().min(0).max(100_000),
        maxOccupancy: z.number().int().min(1).max(100).default(2),
      }),
    )
    .min(1),
  ratePlans: z
    .array(
      z.object({
        code,
        name: z.string().min(1).max(200).optional(),
        roomTypes: z.array(code).optional(),
        derivedFrom: code.optional(),
        adjust: adjustSchema.optional(),
        /** Derived plans only: move the derived rate to the nearest price ending in this (".99", ".00"). */
        rounding: z.object({ ending: z.string() }).strict().optional(),
        /** Prices per number of guests (core/occupancy.ts); derived plans without one inherit their parent's. */
        occupancy: z
          .object({
            base: z.number().int().min(1).max(100),
            offsets: z.record(z.string(), adjustSchema).default({}),
            extraAdult: decimalString.optional(),
            extraChild: decimalString.optional(),
          })
          .strict()
          .optional(),
        /** Derived plans only: restrictions the plan keeps; the parent's pushes of them do not flow down. */
        ownRestrictions: z.array(z.enum(RESTRICTION_FIELDS)).max(RESTRICTION_FIELDS.length).optional(),
      }),
    )
    .default([]),
  channels: z
    .array(
      z.object({
        code,
        type: z.enum(channelTypes),
        endpoint: z.url().optional(),
        critical: z.boolean().default(false),
        hotelCode: z.string().min(1).max(64).optional(),
        credentials: z.record(z.string(), z.string()).optional(),
        roomTypes: z.record(z.string(), z.string().min(1).max(64)).default({}),
        ratePlans: z.record(z.string(), z.string().min(1).max(64)).default({}),
        buffer: z.object({ rooms: z.number().int().min(0).max(10_000) }).default({ rooms: 0 }),
        markup: z.object({ percent: decimalString }).strict().optional(),
        /** The currency the channel sells in, when not the property's: prices are converted at the loaded exchange rates. */
        currency: sellableCurrency('GBP').optional(),
        settings: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .default([]),
  /** Pricing rules (core/pricing-document.ts); absent: channels get the pushed rates as they are. */
  pricing: pricingDocumentSchema.optional(),
});

export type PropertyDocument = z.input<typeof propertyDocumentSchema>;

export function zodIssuesToFieldErrors(issues: readonly z.core.$ZodIssue[], prefix = ''): FieldError[] {
  return issues.map((issue) => ({
    pointer: prefix + issue.path.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join(''),
    detail: issue.message,
  }));
}

/**
 * Validates a property document: shape first, then the cross-references a schema cannot see
 * (duplicate codes, derivation chains, channel mappings). Throws one ValidationError listing all.
 */
export function parsePropertyDocument(input: unknown): Property {
  const parsed = propertyDocumentSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodIssuesToFieldErrors(parsed.error.issues));
  const doc = parsed.data;
  const errors: FieldError[] = [];
  const decimals = currencyDecimals(doc.currency);

  const roomCodes = new Set<string>();
  doc.roomTypes.forEach((r, i) => {
    if (roomCodes.has(r.code)) errors.push({ pointer: `/roomTypes/${i}/code`, detail: `duplicate room type ${r.code}` });
    roomCodes.add(r.code);
  });

  const planByCode = new Map<string, (typeof doc.ratePlans)[number]>();
  doc.ratePlans.forEach((p, i) => {
    if (planByCode.has(p.code)) errors.push({ pointer: `/ratePlans/${i}/code`, detail: `duplicate rate plan ${p.code}` });
    planByCode.set(p.code, p);
  });

  doc.ratePlans.forEach((p, i) => {
    p.roomTypes?.forEach((rt, j) => {
      if (!roomCodes.has(rt)) errors.push({ pointer: `/ratePlans/${i}/roomTypes/${j}`, detail: `unknown room type ${rt}` });
    });
    if (p.derivedFrom !== undefined) {
      if (!planByCode.has(p.derivedFrom)) {
        errors.push({ pointer: `/ratePlans/${i}/derivedFrom`, detail: `unknown rate plan ${p.derivedFrom}` });
      } else if (derivationCycle(p.code, planByCode)) {
        errors.push({ pointer: `/ratePlans/${i}/derivedFrom`, detail: `derivation cycle: ${derivationCycle(p.code, planByCode)}` });
      }
      if (!p.adjust) errors.push({ pointer: `/ratePlans/${i}/adjust`, detail: 'a derived plan needs adjust.percent or adjust.amount' });
      if (p.adjust && 'amount' in p.adjust && decimalPlaces(p.adjust.amount) > decimals) {
        errors.push({ pointer: `/ratePlans/${i}/adjust/amount`, detail: `${doc.currency} has ${decimals} decimals` });
      }
    } else if (p.adjust) {
      errors.push({ pointer: `/ratePlans/${i}/adjust`, detail: 'adjust needs derivedFrom' });
    }
    if (p.ownRestrictions !== undefined) {
      if (p.derivedFrom === undefined) errors.push({ pointer: `/ratePlans/${i}/ownRestrictions`, detail: 'ownRestrictions applies to derived plans only: a plan without a parent inherits nothing' });
      const seen = new Set<string>();
      p.ownRestrictions.forEach((f, k) => {
        if (seen.has(f)) errors.push({ pointer: `/ratePlans/${i}/ownRestrictions/${k}`, detail: `${f} is listed twice` });
        seen.add(f);
      });
    }
    if (p.rounding) {
      // A root plan's rate is what the PMS pushed; rounding it here would change it behind the PMS's back.
      const problem = p.derivedFrom === undefined ? 'rounding applies to derived plans only (pricing.rounding rounds every price)' : endingProblem(p.rounding.ending, decimals);
      if (problem) errors.push({ pointer: `/ratePlans/${i}/rounding${p.derivedFrom === undefined ? '' : '/ending'}`, detail: problem });
    }
  });
  errors.push(...checkOccupancy(doc.ratePlans, planByCode, new Map(doc.roomTypes.map((r) => [r.code, r.maxOccupancy])), doc.currency, decimals));

  const channelCodes = new Set<string>();
  doc.channels.forEach((c, i) => {
    if (channelCodes.has(c.code)) errors.push({ pointer: `/channels/${i}/code`, detail: `duplicate channel ${c.code}` });
    channelCodes.add(c.code);
    for (const rt of Object.keys(c.roomTypes)) {
      if (!roomCodes.has(rt)) errors.push({ pointer: `/channels/${i}/roomTypes/${rt}`, detail: `unknown room type ${rt}` });
    }
    for (const rp of Object.keys(c.ratePlans)) {
      if (!planByCode.has(rp)) errors.push({ pointer: `/channels/${i}/ratePlans/${rp}`, detail: `unknown rate plan ${rp}` });
    }
    // -100 % or less would send a price of zero or below; 1000 % is beyond any real markup, so a typo.
    if (c.markup && (toScaled(c.markup.percent) <= toScaled('-100') || toScaled(c.markup.percent) > toScaled('1000'))) {
      errors.push({ pointer: `/channels/${i}/markup/percent`, detail: 'must be above -100 and at most 1000' });
    }
  });

  if (doc.pricing) {
    errors.push(
      ...checkPricing(doc.pricing, { roomTypes: roomCodes, ratePlans: new Set(planByCode.keys()), currency: doc.currency, currencyDecimals: decimals }),
    );
  }

  if (errors.length > 0) throw new ValidationError(errors);

  const ratePlans: RatePlan[] = doc.ratePlans.map((p) => ({
    code: p.code,
    name: p.name ?? p.code,
    roomTypes: p.roomTypes ?? inheritedRoomTypes(p.code, planByCode, [...roomCodes]),
    ...(p.derivedFrom !== undefined ? { derivedFrom: p.derivedFrom } : {}),
    ...(p.adjust ? { adjust: p.adjust } : {}),
    ...(p.rounding ? { rounding: { ending: p.rounding.ending } } : {}),
    ...(p.occupancy ? { occupancy: toOccupancyPricing(p.occupancy) } : {}),
    ...(p.ownRestrictions !== undefined && p.ownRestrictions.length > 0 ? { ownRestrictions: [...p.ownRestrictions] } : {}),
  }));
  const channels: ChannelConfig[] = doc.channels.map((c) => ({
    code: c.code,
    type: c.type,
    critical: c.critical,
    roomTypes: c.roomTypes,
    ratePlans: c.ratePlans,
    buffer: c.buffer,
    ...(c.markup !== undefined ? { markup: { percent: c.markup.percent } } : {}),
    ...(c.currency !== undefined ? { currency: c.currency } : {}),
    ...(c.endpoint !== undefined ? { endpoint: c.endpoint } : {}),
    ...(c.hotelCode !== undefined ? { hotelCode: c.hotelCode } : {}),
    ...(c.credentials !== undefined ? { credentials: c.credentials } : {}),
    ...(c.settings !== undefined ? { settings: c.settings } : {}),
  }));
  return {
    code: doc.code,
    name: doc.name,
    timezone: doc.timezone,
    currency: doc.currency,
    roomTypes: doc.roomTypes.map((r) => ({ code: r.code, name: r.name ?? r.code, rooms: r.rooms, maxOccupancy: r.maxOccupancy })),
    ratePlans,
    channels,
    ...(doc.pricing ? { pricing: toPricingRules(doc.pricing) } : {}),
  };
}

type PlanLike = { code: string; derivedFrom?: string | undefined; roomTypes?: string[] | undefined };
type DocumentOccupancy = NonNullable<PropertyDocumentOutput['ratePlans'][number]['occupancy']>;
type PropertyDocumentOutput = z.output<typeof propertyDocumentSchema>;

function toOccupancyPricing(o: DocumentOccupancy): OccupancyPricing {
  return {
    base: o.base,
    offsets: o.offsets,
    ...(o.extraAdult !== undefined ? { extraAdult: o.extraAdult } : {}),
    ...(o.extraChild !== undefined ? { extraChild: o.extraChild } : {}),
  };
}

/**
 * Occupancy settings against the room types each plan sells: the base occupancy fits every room
 * type (it is what the rate is the price for), an offset names a guest count some room type of the
 * plan sleeps (counts above a room type's maximum simply do not apply to it), no offset or extra
 * amount can take a price below zero on its own (an amount offset is checked against each pushed
 * rate instead, core/ari.ts), and a derived plan keeps its parent's base, since its rate is the
 * parent's adjusted and so the price for the same number of guests.
 */
function checkOccupancy(
  plans: ReadonlyArray<PlanLike & { occupancy?: DocumentOccupancy | undefined }>,
  planByCode: Map<string, PlanLike & { occupancy?: DocumentOccupancy | undefined }>,
  maxOccupancy: ReadonlyMap<string, number>,
  currency: string,
  decimals: number,
): FieldError[] {
  const errors: FieldError[] = [];
  const allRooms = [...maxOccupancy.keys()];
  const inheritedFrom = (code: string | undefined): { occupancy: DocumentOccupancy; from: string } | undefined => {
    const seen = new Set<string>();
    while (code !== undefined && !seen.has(code)) {
      seen.add(code);
      const plan = planByCode.get(code);
      if (plan?.occupancy) return { occupancy: plan.occupancy, from: code };
      code = plan?.derivedFrom;
    }
    return undefined;
  };
  plans.forEach((p, i) => {
    // Not inheritedRoomTypes: a derivation cycle (reported above) must not loop here.
    let rooms = p.roomTypes;
    for (let current = p, seen = new Set<string>(); rooms === undefined && current.derivedFrom !== undefined && !seen.has(current.code); ) {
      seen.add(current.code);
      const parent = planByCode.get(current.derivedFrom);
      if (!parent) break;
      rooms = parent.roomTypes;
      current = parent;
    }
    rooms = (rooms ?? allRooms).filter((r) => maxOccupancy.has(r));
    if (rooms.length === 0) return;
    const smallest = rooms.reduce((a, b) => ((maxOccupancy.get(b) as number) < (maxOccupancy.get(a) as number) ? b : a));
    const smallestMax = maxOccupancy.get(smallest) as number;
    const largestMax = Math.max(...rooms.map((r) => maxOccupancy.get(r) as number));
    const own = p.occupancy;
    if (!own) {
      const inherited = inheritedFrom(p.derivedFrom);
      if (inherited && inherited.occupancy.base > smallestMax) {
        errors.push({ pointer: `/ratePlans/${i}/roomTypes`, detail: `inherits occupancy base ${inherited.occupancy.base} from ${inherited.from}, but room type ${smallest} sleeps at most ${smallestMax}` });
      }
      return;
    }
    const at = `/ratePlans/${i}/occupancy`;
    if (own.base > smallestMax) errors.push({ pointer: `${at}/base`, detail: `room type ${smallest} of this plan sleeps at most ${smallestMax}` });
    if (p.derivedFrom !== undefined) {
      const parentBase = inheritedFrom(p.derivedFrom)?.occupancy.base ?? DEFAULT_BASE_GUESTS;
      if (rooms.some((r) => baseGuests({ base: parentBase, offsets: {} }, maxOccupancy.get(r) as number) !== baseGuests({ base: own.base, offsets: {} }, maxOccupancy.get(r) as number))) {
        errors.push({ pointer: `${at}/base`, detail: `must be ${parentBase}, as for ${p.derivedFrom}: a derived plan's rate is its parent's adjusted, so the price for the same number of guests` });
      }
    }
    for (const [key, adjust] of Object.entries(own.offsets)) {
      const where = `${at}/offsets/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const guests = /^[1-9]\d{0,2}$/.test(key) ? Number(key) : undefined;
      if (guests === undefined || guests > largestMax) {
        errors.push({ pointer: where, detail: `must be a number of guests from 1 to ${largestMax}, the most any room type of this plan sleeps` });
      } else if (guests === own.base) {
        errors.push({ pointer: where, detail: `${guests} is the base occupancy, whose price is the rate itself` });
      }
      if ('percent' in adjust && toScaled(adjust.percent) <= toScaled('-100')) {
        errors.push({ pointer: `${where}/percent`, detail: 'must be above -100: the price for a number of guests is never zero or below' });
      }
      if ('amount' in adjust && decimalPlaces(adjust.amount) > decimals) errors.push({ pointer: `${where}/amount`, detail: `${currency} has ${decimals} decimals` });
    }
    for (const field of ['extraAdult', 'extraChild'] as const) {
      const amount = own[field];
      if (amount === undefined) continue;
      if (toScaled(amount) < 0n) errors.push({ pointer: `${at}/${field}`, detail: 'must not be negative' });
      else if (decimalPlaces(amount) > decimals) errors.push({ pointer: `${at}/${field}`, detail: `${currency} has ${decimals} decimals` });
    }
  });
  return errors;
}

function derivationCycle(start: string, plans: Map<string, PlanLike>): string | undefined {
  const seen = [start];
  let current = plans.get(start)?.derivedFrom;
  while (current !== undefined) {
    seen.push(current);
    if (current === start) return seen.join(' → ');
    if (seen.indexOf(current) !== seen.length - 1) return undefined; // a cycle further up the chain, reported there
    current = plans.get(current)?.derivedFrom;
  }
  return undefined;
}

function inheritedRoomTypes(planCode: string, plans: Map<string, PlanLike>, all: string[]): string[] {
  let current = plans.get(planCode);
  while (current) {
    if (current.roomTypes) return current.roomTypes;
    current = current.derivedFrom !== undefined ? plans.get(current.derivedFrom) : undefined;
  }
  return all;
}

/** Serialises a Property back to its document form (what GET returns). */
export function toPropertyDocument(property: Property): PropertyDocument {
  return {
    code: property.code,
    name: property.name,
    timezone: property.timezone,
    currency: property.currency,
    roomTypes: property.roomTypes.map((r) => ({ ...r })),
    ratePlans: property.ratePlans.map((p) => ({ ...p })),
    channels: property.channels.map((c) => ({ ...c })),
    ...(property.pricing ? { pricing: property.pricing } : {}),
  };
}
