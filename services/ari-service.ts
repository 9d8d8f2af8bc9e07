import { parseAriBatch, planAriBatch } from '../core/ari';
import type { Db } from '../db/connection';
import { claimIdempotencyKey, completeInbound, payloadHash } from '../db/inbound-repo';
import { applyAriPlan } from '../db/ledger-repo';
import { requireProperty } from './property-service';

export interface AriResult {
  version: number;
  cells: number;
}

export interface ApplyOptions {
  /** Replays with the same key and payload return the first answer and change nothing. */
  idempotencyKey?: string;
  source?: string;
  now?: Date;
  /** The inbound request's id, kept on the outbox row so the channel deliveries can name it. */
  correlationId?: string | undefined;
}

/** Validates an ARI batch against the property and applies it in one transaction with its outbox row. */
export async function applyAriBatch(db: Db, propertyCode: string, input: unknown, options: ApplyOptions = {}): Promise<AriResult> {
  const batch = parseAriBatch(input);
  const stored = await requireProperty(db, propertyCode);
  const plan = planAriBatch(stored.property, batch, options.now);
  const key = options.idempotencyKey;
  return db.transaction(async (trx) => {
    let claimId: number | undefined;
    if (key !== undefined) {
      const source = `${options.source ?? 'pms'}:${propertyCode}:ari`;
      const claim = await claimIdempotencyKey(trx, { propertyId: stored.id, source, key, hash: payloadHash(input) });
      if (!claim.claimed) return claim.replay.body as AriResult;
      claimId = claim.id;
    }
    const applied = await applyAriPlan(trx, stored, plan, { correlationId: options.correlationId });
    const result: AriResult = { version: applied.version, cells: applied.cells };
    if (claimId !== undefined) await completeInbound(trx, claimId, 'applied', { statusCode: 200, body: result });
    return result;
  });
}
