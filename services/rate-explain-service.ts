import { todayIn } from '../core/dates';
import { ValidationError } from '../core/errors';
import { checkExplainRequest, explainRate, type ExplainResult, type RateExplainRequest } from '../core/rate-explain';
import type { DbHandle } from '../db/connection';
import { readLedgerView } from '../db/ledger-view-repo';
import { readFxRatesFor } from '../db/fx-repo';
import { requireProperty } from './property-service';

/**
 * Explains the price of one cell from what the ledger holds now: the pushed and derived rates of
 * the plan's chain and the night's counts (sold, total and the PMS's available, in flight and out
 * of order: nightOccupancy, as every channel is priced). `now` fixes "today" (in the property's time zone)
 * for the booking window when the request has no `asOf`.
 */
export async function explainRateOf(db: DbHandle, propertyCode: string, request: RateExplainRequest, now: Date = new Date()): Promise<ExplainResult> {
  const stored = await requireProperty(db, propertyCode);
  const { property } = stored;
  // Checked before reading, so a bad date never reaches SQL.
  const errors = checkExplainRequest(property, request);
  if (errors.length > 0) throw new ValidationError(errors);
  const [day] = await readLedgerView(db, stored, { from: request.date, to: request.date, roomType: request.roomType });
  const cell = day?.roomTypes[0];
  const rates = new Map((cell?.ratePlans ?? []).map((p) => [p.ratePlan, p.rate]));
  const fx = request.channel !== undefined ? await readFxRatesFor(db, property) : undefined;
  const ratesByGuests = new Map((cell?.ratePlans ?? []).map((p) => [p.ratePlan, p.rateByGuests]));
  return explainRate(property, request, { rates, occupancy: cell ?? {}, ratesByGuests }, todayIn(property.timezone, now), fx);
}
