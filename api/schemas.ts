import { z } from 'zod';
import { addYears, isIsoDate } from '../core/dates';
import { ValidationError } from '../core/errors';
import { zodIssuesToFieldErrors } from '../core/property-document';

const isoDate = z.string().refine(isIsoDate, 'must be a date in YYYY-MM-DD form');

export const ledgerViewQuerySchema = z
  .object({
    from: isoDate,
    to: isoDate,
    roomType: z.string().min(1).optional(),
    ratePlan: z.string().min(1).optional(),
  })
  .refine((q) => q.from <= q.to, { path: ['to'], message: 'must not be before from' })
  .refine((q) => q.to < addYears(q.from, 3), { path: ['to'], message: 'a view may cover at most 3 years' });

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
