import { Router } from 'express';
import type { Db } from '../db/connection';
import { readLedgerView } from '../db/ledger-view-repo';
import { applyAriBatch } from '../services/ari-service';
import { requireProperty } from '../services/property-service';
import { authorize } from './auth';
import type { ApiMetrics } from './metrics';
import type { AriBatchResultBody, LedgerViewBody } from './response-schemas';
import { ledgerViewQuerySchema, parseIdempotencyKey, parseQuery } from './schemas';

export function ariRouter(db: Db, metrics: ApiMetrics): Router {
  const router = Router();

  router.post('/v1/properties/:code/ari', async (req, res) => {
    const principal = authorize(res, req.params.code, ['admin', 'pms']);
    const idempotencyKey = parseIdempotencyKey(req.header('idempotency-key'));
    const result = await applyAriBatch(db, req.params.code, req.body, {
      source: principal.role,
      correlationId: res.locals.requestId as string,
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    });
    metrics.ariCellsApplied.inc({ property: req.params.code }, result.cells);
    res.json(result satisfies AriBatchResultBody);
  });

  router.get('/v1/properties/:code/ari', async (req, res) => {
    authorize(res, req.params.code, ['admin', 'pms', 'channel']);
    const query = parseQuery(ledgerViewQuerySchema, req.query);
    const stored = await requireProperty(db, req.params.code);
    const days = await readLedgerView(db, stored, query);
    res.json({ property: stored.property.code, currency: stored.property.currency, timezone: stored.property.timezone, from: query.from, to: query.to, days } satisfies LedgerViewBody);
  });

  return router;
}
