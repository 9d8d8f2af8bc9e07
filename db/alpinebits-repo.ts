/**
 * What AlpineBits keeps of its own. The GuestRequests pull state (table alpinebits_guest_requests) is
 * in db/pms-pull-repo.ts, shared with the OpenTravel pull on /ota/v1.
 */
import type { DbHandle } from './connection';

// ---------------------------------------------------------------------------------------------
// RatePlans pushed by a PMS (migration 20261202110000_alpinebits_rate_plans)

export type RatePlanAmounts = 'per-person' | 'per-room';

/** How the PMS prices each of `ratePlans` (Tidewater codes), as its last Full declared. */
export async function ratePlanAmounts(db: DbHandle, propertyId: number, ratePlans: readonly string[]): Promise<Map<string, RatePlanAmounts>> {
  if (ratePlans.length === 0) return new Map();
  const rows = await db('alpinebits_rate_plans')
    .where({ property_id: propertyId })
    .whereIn('rate_plan', [...ratePlans])
    .select<Array<{ rate_plan: string; amounts: RatePlanAmounts }>>('rate_plan', 'amounts');
  return new Map(rows.map((r) => [r.rate_plan, r.amounts]));
}

export async function saveRatePlanAmounts(db: DbHandle, propertyId: number, amounts: ReadonlyMap<string, RatePlanAmounts>): Promise<void> {
  if (amounts.size === 0) return;
  await db('alpinebits_rate_plans')
    .insert([...amounts].map(([ratePlan, value]) => ({ property_id: propertyId, rate_plan: ratePlan, amounts: value, updated_at: db.fn.now() })))
    .onConflict(['property_id', 'rate_plan'])
    .merge(['amounts', 'updated_at']);
}

/** The last night the ledger holds a rate cell of each plan (by rate_plans.id). */
export async function lastRateNights(db: DbHandle, propertyId: number, ratePlanIds: readonly number[]): Promise<Map<number, string>> {
  if (ratePlanIds.length === 0) return new Map();
  const rows = await db('rate_cells')
    .where({ property_id: propertyId })
    .whereIn('rate_plan_id', [...ratePlanIds])
    .groupBy('rate_plan_id')
    .select<Array<{ rate_plan_id: number; last: string }>>('rate_plan_id', db.raw(`to_char(max(stay_date), 'YYYY-MM-DD') AS last`));
  return new Map(rows.map((r) => [r.rate_plan_id, r.last]));
}
