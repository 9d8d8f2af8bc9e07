import { z } from 'zod';
import { addYears, isIsoDate } from '../core/dates';
import { ValidationError } from '../core/errors';
import { zodIssuesToFieldErrors } from '../core/property-document';

// `format` only tells the OpenAPI document what the refinement checks; validation stays the refinement.
export const isoDate = z.string().refine(isIsoDate, 'must be a date in YYYY-MM-DD form').meta({ format: 'date' });

export const ledgerViewQuerySchema = z
  .object({
    from: isoDate.meta({ description: 'first night shown' }),
    to: isoDate.meta({ description: 'last night shown (inclusive); at most 3 years after `from`' }),
    roomType: z.string().min(1).optional().meta({ description: 'only this room type' }),
    ratePlan: z.string().min(1).optional().meta({ description: 'only this rate plan' }),
  })
  .refine((q) => q.from <= q.to, { path: ['to'], message: 'must not be before from' })
  .refine((q) => q.to < addYears(q.from, 3), { path: ['to'], message: 'a view may cover at most 3 years' });

/** `POST …/reconciliation`: which nights and channels to compare; all channels over the next 365 nights by default. */
export const reconciliationQuerySchema = z.object({
  from: isoDate.optional().meta({ description: 'first night compared; today at the property by default' }),
  to: isoDate.optional().meta({ description: 'last night compared (inclusive); `from` + 364 days by default' }),
  channel: z.string().min(1).optional().meta({ description: 'only this channel' }),
});

export const idempotencyKeySchema = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII');

/** Parses query parameters; errors point at `/query/<name>`. */
export function parseQuery<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodIssuesToFieldErrors(parsed.error.issues, '/query'));
  return parsed.data;
}

export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const parsed = idempotencyKeySchema.safeParse(header);
  if (!parsed.success) throw new ValidationError([{ pointer: '/headers/idempotency-key', detail: parsed.error.issues[0]?.message ?? 'invalid' }]);
  return parsed.data;
}

/**
 * GET …/report: the same options as `tidewater report`. `check` stays lenient (anything but "true"
 * is off) as it always was; the parity options are validated like the CLI's.
 */
export const reportQuerySchema = z.object({
  check: z.string().optional().meta({ description: '`true` adds the sold = Σ bookings invariant check (`invariant`)' }),
  parityDays: z.coerce.number().int().min(1).max(365).optional().meta({ description: 'nights from today compared for rate parity (default 30), like `--parity-days`' }),
  parityTolerance: z.string().regex(/^\d{1,3}(\.\d{1,4})?$/, 'must be a percentage such as 0.5').optional().meta({ description: 'price spread in percent tolerated across channels (default 0.5), like `--parity-tolerance`' }),
});
