import { z } from 'zod';

/** The shape of `tidewater report --format json` and GET /v1/properties/{code}/report; schemas/report.schema.json is generated from it. */
export const channelReportSchema = z.object({
  channel: z.string(),
  type: z.string(),
  critical: z.boolean(),
  lagP50Ms: z.number().int().nullable(),
  lagP99Ms: z.number().int().nullable(),
  deliveriesLastHour: z.number().int().min(0),
  consecutiveFailures: z.number().int().min(0),
  lastError: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  pendingRanges: z.number().int().min(0),
  pendingBookings: z.number().int().min(0),
  deadLetters24h: z.number().int().min(0),
  lastDeadLetter: z.string().nullable(),
  bufferRooms: z.number().int().min(0),
});

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/);

/** Rate parity over the next nights: the same room, plan and night priced differently across channels, after each channel's markup. */
export const rateParitySchema = z.object({
  tolerancePercent: z.number().min(0),
  window: z.object({ from: isoDate, to: isoDate }),
  checked: z.number().int().min(0),
  violations: z.array(
    z.object({
      roomType: z.string(),
      ratePlan: z.string(),
      date: isoDate,
      prices: z.array(
        z.object({
          channel: z.string(),
          shown: decimal,
          currency: z.string().optional().meta({ description: "the channel's currency, when it sells in another than the property's; `shown` is in it" }),
          normalized: decimal,
        }),
      ),
      spreadPercent: z.number().min(0).nullable(),
    }),
  ),
  channels: z.array(
    z.object({
      channel: z.string(),
      source: z.enum(['channel', 'acknowledged']),
      markupPercent: decimal.nullable(),
      currency: z.string().optional().meta({ description: "the channel's currency, when not the property's: its prices are converted back at the loaded exchange rates before comparing" }),
      error: z.string().optional(),
    }),
  ),
});

export const propertyReportSchema = z.object({
  property: z.string(),
  generatedAt: z.string(),
  safetyBuffer: z.object({ percent: z.number().min(0), becauseOf: z.array(z.string()) }),
  channels: z.array(channelReportSchema),
  openIncidents: z.array(z.object({ id: z.number().int(), kind: z.string(), channel: z.string().nullable(), openedAt: z.string(), details: z.unknown() })),
  manualRecoveryBookings: z.array(z.object({ id: z.string(), source: z.string(), createdAt: z.string(), total: z.string().nullable(), currency: z.string().nullable() })),
  invariant: z
    .object({
      ok: z.boolean(),
      violations: z.array(z.object({ property: z.string(), roomType: z.string(), date: z.string(), ledgerRooms: z.number().int(), bookedRooms: z.number().int() })),
    })
    .optional(),
  rateParity: rateParitySchema,
});

export const reportDocumentSchema = z.array(propertyReportSchema);

export function reportJsonSchema(): unknown {
  return { $id: 'https://tidewater.dev/schemas/report.schema.json', title: 'tidewater report', ...z.toJSONSchema(reportDocumentSchema) };
}
