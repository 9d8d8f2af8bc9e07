/**
 * The JSON the HTTP API answers with, as zod schemas: api/openapi.ts documents them, and the routers
 * type what they send as `z.input<…>` of them (with `satisfies`), so an answer and its documentation
 * cannot part ways without a compile error. They are never used to parse: a route answers exactly
 * what it built.
 *
 * `z.input`, not `z.output`, because the routers hand express the values before JSON serialisation:
 * timestamps are `z.date()` (a `Date` in the router, a `date-time` string on the wire).
 *
 * Schemas with a `.meta({ id })` become named components of the OpenAPI document.
 */
import { z } from 'zod';
import { bookingStatuses } from '../core/booking';
import { RATE_FIELDS, RESTRICTION_FIELDS } from '../core/reconcile';
import { BOOKING_FIELDS, BOOKING_ISSUES } from '../core/booking-reconcile';
import type { ReadyChecks } from './health-router';
import type { Problem } from './problem';

/** For compile-time checks that a hand-built answer type and its documented schema are the same. */
export type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type Expect<T extends true> = T;

const calendarDate = z.iso.date().meta({ description: 'a calendar day at the property, YYYY-MM-DD' });
const money = z
  .string()
  .regex(/^\d+(\.\d+)?$/)
  .meta({ description: 'a decimal amount in the property currency, with its number of decimals (never a float)', example: '258.00' });
const count = z.number().int().min(0);

// ---- errors -------------------------------------------------------------------------------------

export const fieldErrorSchema = z
  .object({
    pointer: z.string().meta({ description: 'JSON pointer (RFC 6901) of the offending field, e.g. `/updates/3/rate`; `/query/<name>` and `/headers/<name>` for query parameters and headers' }),
    detail: z.string(),
  })
  .meta({ id: 'FieldError' });

/** api/problem.ts `Problem`; the type check below keeps the two the same. */
export const problemSchema = z
  .object({
    type: z.url().meta({ description: 'https://tidewater.dev/problems/<code>, e.g. …/validation-failed, …/sold-out' }),
    title: z.string().meta({ description: 'short, stable title of the problem type' }),
    status: z.number().int().min(400).max(599),
    detail: z.string().meta({ description: 'what went wrong with this request' }),
    instance: z.string().optional().meta({ description: 'the request path' }),
    errors: z.array(fieldErrorSchema).optional().meta({ description: 'every bad field, for validation and not-bookable problems' }),
  })
  .loose()
  .meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json). Some problem types add members, see the response.' });

/** Fails to compile when api/problem.ts builds problems that the documented schema does not describe. */
export type ProblemMatchesItsSchema = Expect<SameShape<Problem, z.input<typeof problemSchema>>>;

export const shortNightSchema = z.object({
  roomType: z.string(),
  date: calendarDate,
  requested: count,
  available: count,
});

export const soldOutProblemSchema = z
  .intersection(
    problemSchema,
    z.object({ nights: z.array(shortNightSchema).optional().meta({ description: 'sold-out: each night without enough rooms' }) }),
  )
  .meta({ id: 'SoldOutProblem', description: 'sold-out (with `nights`), or request-in-progress when the first request with this Idempotency-Key has not finished' });

export const paymentDeclinedProblemSchema = z
  .intersection(problemSchema, z.object({ bookingId: z.string().meta({ description: 'the booking whose rooms were released' }) }))
  .meta({ id: 'PaymentDeclinedProblem' });

// ---- health -------------------------------------------------------------------------------------

export const healthSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    checks: z.record(z.string(), z.string()).meta({ description: 'per dependency (postgres, redis when configured): `ok` or the error it answered with' }),
  })
  .meta({ id: 'Health' });
export type HealthBody = z.input<typeof healthSchema>;

export const readinessSchema = z
  .object({
    status: z.enum(['ready', 'not-ready']),
    checks: z
      .object({
        postgres: z.string(),
        migrations: z.string().meta({ description: '`ok` when every migration of this build is applied, otherwise which are pending' }),
        redis: z.string().optional().meta({ description: 'only when Redis is configured' }),
        draining: z.string().meta({ description: '`no`, or why this process is shutting down' }),
      })
      .meta({ description: '`ok` (`no` for draining) when fine, otherwise why not' }),
  })
  .meta({ id: 'Readiness' });
/** /readyz builds its checks as health-router.ts `ReadyChecks`; this keeps the document to that type. */
export type ReadinessMatchesItsSchema = Expect<SameShape<ReadyChecks, z.input<typeof readinessSchema>['checks']>>;

// ---- properties ---------------------------------------------------------------------------------

export const propertyImportResultSchema = z
  .object({
    code: z.string(),
    created: z.boolean().meta({ description: 'true when this request created the property (HTTP 201)' }),
    changes: z.array(z.string()).meta({ description: 'what changed, one line each, e.g. "changed room type DBL: rooms 20 → 22"; empty when nothing did' }),
  })
  .meta({ id: 'PropertyImportResult' });
export type PropertyImportResultBody = z.input<typeof propertyImportResultSchema>;

// ---- ARI ----------------------------------------------------------------------------------------

export const ariBatchResultSchema = z
  .object({
    version: z.number().int().min(0).meta({ description: "the property's ledger version after the batch" }),
    cells: count.meta({ description: 'ledger cells written (inventory and rate cells, derived plans included)' }),
  })
  .meta({ id: 'AriBatchResult' });
export type AriBatchResultBody = z.input<typeof ariBatchResultSchema>;

const ratePlanDaySchema = z.object({
  ratePlan: z.string(),
  rate: money.nullable().meta({ description: 'null: no rate loaded for this night' }),
  rateByGuests: z
    .record(z.string(), money)
    .nullable()
    .meta({ description: 'per-guest prices the PMS pushed with the rate ({"1": "99.00", "3": "149.00"}); null when it pushed the rate alone: the plan\'s occupancy settings derive them (rate explain shows every count)' }),
  minStay: z.number().int().nullable(),
  maxStay: z.number().int().nullable(),
  closedToArrival: z.boolean(),
  closedToDeparture: z.boolean(),
  stopSell: z.boolean(),
  version: count,
});

const roomTypeDaySchema = z.object({
  roomType: z.string(),
  available: z.number().int().meta({ description: 'rooms still sellable' }),
  total: count,
  sold: count,
  outOfOrder: count,
  pmsAvailable: z.number().int().nullable().meta({ description: "the PMS's own count from its last `available` push" }),
  inFlight: count.meta({ description: 'hub bookings that PMS count did not include yet (the in-flight rule)' }),
  version: count,
  ratePlans: z.array(ratePlanDaySchema),
});

export const ledgerViewSchema = z
  .object({
    property: z.string(),
    currency: z.string(),
    timezone: z.string(),
    from: calendarDate,
    to: calendarDate,
    days: z.array(z.object({ date: calendarDate, roomTypes: z.array(roomTypeDaySchema) })).meta({ description: 'one entry per night from `from` to `to`; nights never written show the defaults' }),
  })
  .meta({ id: 'LedgerView', description: 'the ledger as channels should see it, before channel buffers' });
export type LedgerViewBody = z.input<typeof ledgerViewSchema>;

// ---- bookings -----------------------------------------------------------------------------------

export const directBookingResultSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(['confirmed', 'manual-recovery']).meta({ description: 'manual-recovery (HTTP 202): the payment never answered; the rooms stay held until a person settles it' }),
    total: money,
    currency: z.string(),
  })
  .meta({ id: 'DirectBookingResult' });

const bookedStaySchema = z.object({
  roomType: z.string(),
  ratePlan: z.string().optional().meta({ description: 'absent when the channel did not name one' }),
  checkIn: calendarDate,
  checkOut: calendarDate,
  rooms: z.number().int().min(1),
  adults: z.number().int().optional(),
  children: z.number().int().optional(),
});

export const bookingSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(bookingStatuses),
    channel: z.string().meta({ description: '`direct`, or the code of the channel that delivered the booking' }),
    channelBookingId: z.string().nullable().optional().meta({ description: "the channel's own booking id; absent for direct bookings" }),
    total: money.nullable(),
    currency: z.string().nullable(),
    roomStays: z.array(bookedStaySchema),
    paymentStatus: z.string().meta({ description: 'none, authorized, captured, declined, voided or unknown' }),
    overbooked: z.boolean(),
    pmsAcknowledged: z.boolean(),
    createdAt: z.date(),
    updatedAt: z.date(),
    guest: z
      .object({
        firstName: z.string().optional(),
        lastName: z.string().optional(),
        email: z.string().optional(),
        phone: z.string().optional(),
        erasedAt: z.date().nullable().meta({ description: 'set once the guest was erased; the other fields are gone then' }),
      })
      .optional()
      .meta({ description: 'only for pms and admin keys' }),
  })
  .meta({ id: 'Booking' });
export type BookingBody = z.input<typeof bookingSchema>;

// ---- reconciliation -----------------------------------------------------------------------------

const driftField = z.enum(['available', ...RATE_FIELDS, ...RESTRICTION_FIELDS]);
const driftSource = z.enum(['channel', 'acknowledged']).meta({ description: "where the channel's side came from: its own view, or (push-only channels) what it acknowledged" });

const bookingFinding = z
  .object({
    issue: z.enum(BOOKING_ISSUES),
    channelBookingId: z.string(),
    bookingId: z.string().nullable().meta({ description: "Tidewater's id, when Tidewater has the booking" }),
    field: z.enum(['booking', ...BOOKING_FIELDS]).meta({ description: '`booking`: one side does not have it at all' }),
    tidewater: z.string().nullable(),
    channel: z.string().nullable(),
    checkIn: calendarDate,
    roomType: z.string(),
    tidewaterRevision: z.string().optional(),
    channelRevision: z.string().optional(),
    action: z.enum(['repull', 'human']).meta({ description: '`repull`: --fix pulls it again from the channel; `human`: a revenue-team decision' }),
  })
  .meta({ id: 'BookingFinding' });

const pmsFinding = z
  .object({
    date: calendarDate,
    roomType: z.string(),
    tidewater: count.meta({ description: 'rooms sold through the hub on the night, per Tidewater' }),
    pms: count.meta({ description: 'the same, per the PMS' }),
    action: z.enum(['resend', 'human']),
  })
  .meta({ id: 'PmsSoldFinding' });

export const reconciliationResultSchema = z
  .object({
    runId: z.number().int(),
    property: z.string(),
    from: calendarDate,
    to: calendarDate,
    channels: z.array(
      z.object({
        channel: z.string(),
        type: z.string(),
        source: driftSource,
        cellsChecked: count,
        findings: z.array(
          z.object({
            date: calendarDate,
            roomType: z.string(),
            ratePlan: z.string().nullable(),
            field: driftField,
            ledger: z.string().nullable().meta({ description: 'what the channel should show; null: nothing' }),
            channel: z.string().nullable().meta({ description: 'what it shows; null: nothing' }),
          }),
        ),
        error: z.string().optional().meta({ description: "the channel's view could not be read" }),
        bookingsChecked: count.optional().meta({ description: 'bookings compared (either side), when the channel can list its bookings' }),
        bookingFindings: z.array(bookingFinding),
        bookingError: z.string().optional().meta({ description: "the channel's bookings could not be read" }),
        nightsChecked: count.optional().meta({ description: "nights × room types compared with the PMS's sold counts, when the PMS can answer" }),
        pmsFindings: z.array(pmsFinding),
        pmsError: z.string().optional().meta({ description: "the PMS's sold counts could not be read" }),
        missingExchangeRate: z
          .object({ from: z.string(), to: z.string(), nights: count, firstNight: calendarDate, lastNight: calendarDate })
          .optional()
          .meta({ description: 'the channel sells in another currency and no exchange rate converts these nights: their prices are not sent (tidewater fx load)' }),
      }),
    ),
    findings: count.meta({ description: 'differences of every kind over all channels' }),
    findingsByKind: z.object({ ari: count, booking: count, pms: count }),
    needsHuman: count.meta({ description: 'findings `--fix` leaves to a person: bookings Tidewater has that the channel lacks or shows differently, codes nobody mapped' }),
  })
  .meta({ id: 'ReconciliationResult' });
export type ReconciliationResultBody = z.input<typeof reconciliationResultSchema>;

export const storedReconciliationSchema = z
  .object({
    property: z.string(),
    run: z
      .object({
        id: z.number().int(),
        from: calendarDate,
        to: calendarDate,
        channels: z.array(z.string()),
        findings: count,
        startedAt: z.date(),
        finishedAt: z.date().nullable(),
      })
      .nullable()
      .meta({ description: 'null: no run yet' }),
    findings: z
      .array(
        z.object({
          channel: z.string(),
          date: calendarDate,
          roomType: z.string(),
          ratePlan: z.string().nullable(),
          kind: z.enum(['ari', 'booking', 'pms']),
          field: z.union([driftField, z.enum(['booking', ...BOOKING_FIELDS, 'sold'])]),
          ledger: z.string().nullable().meta({ description: "Tidewater's value" }),
          channelValue: z.string().nullable(),
          source: driftSource,
          booking: z.string().nullable().meta({ description: "the channel's booking id (booking findings)" }),
          bookingId: z.string().nullable().meta({ description: "Tidewater's booking id, when it has the booking" }),
          issue: z.enum(BOOKING_ISSUES).nullable(),
        }),
      )
      .meta({ description: "the run's findings, at most 10,000" }),
  })
  .meta({ id: 'StoredReconciliation', description: 'the latest reconciliation run of the property and its findings' });
export type StoredReconciliationBody = z.input<typeof storedReconciliationSchema>;
