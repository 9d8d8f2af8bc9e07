import { z } from 'zod';
import { ValidationError, type FieldError } from './errors';
import { isValidTimeZone } from './dates';
import { currencyDecimals, decimalPlaces, isDecimalString, isKnownCurrency, toScaled } from './money';
import type { ChannelConfig, Property, RatePlan } from './property';
import { checkPricing, pricingDocumentSchema, toPricingRules } from './pricing-document';
import { endingProblem } from './pricing';

const CODE = /^[A-Za-z0-9_.-]{1,32}$/;
const code = z.string().regex(CODE, 'must be 1-32 letters, digits, "_", "." or "-"');
const decimalString = z.union([z.string(), z.number()]).transform(String).refine(isDecimalString, 'must be a decimal number');

export const channelTypes = ['ota-xml', 'alpinebits', 'gds', 'direct', 'ical', 'pms'] as const;

export const propertyDocumentSchema = z.object({
  code,
  name: z.string().min(1).max(200),
  timezone: z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Amsterdam'),
  currency: z.string().refine(isKnownCurrency, 'must be an ISO 4217 currency code such as EUR'),
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
        adjust: z
          .union([z.object({ percent: decimalString }).strict(), z.object({ amount: decimalString }).strict()])
          .optional(),
        /** Derived plans only: move the derived rate to the nearest price ending in this (".99", ".00"). */
        rounding: z.object({ ending: z.string() }).strict().optional(),
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
    if (p.rounding) {
      // A root plan's rate is what the PMS pushed; rounding it here would change it behind the PMS's back.
      const problem = p.derivedFrom === undefined ? 'rounding applies to derived plans only (pricing.rounding rounds every price)' : endingProblem(p.rounding.ending, decimals);
      if (problem) errors.push({ pointer: `/ratePlans/${i}/rounding${p.derivedFrom === undefined ? '' : '/ending'}`, detail: problem });
    }
  });

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
  }));
  const channels: ChannelConfig[] = doc.channels.map((c) => ({
    code: c.code,
    type: c.type,
    critical: c.critical,
    roomTypes: c.roomTypes,
    ratePlans: c.ratePlans,
    buffer: c.buffer,
    ...(c.markup !== undefined ? { markup: { percent: c.markup.percent } } : {}),
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
