import { Router } from 'express';
import type { z } from 'zod';
import type { Db } from '../db/connection';
import { buildReport } from '../services/report-service';
import type { propertyReportSchema } from '../services/report-schema';
import { reconcileProperty } from '../services/reconcile-service';
import { requireProperty } from '../services/property-service';
import { authorize } from './auth';
import type { ReconciliationResultBody, StoredReconciliationBody } from './response-schemas';
import { parseQuery, reconciliationQuerySchema, reportQuerySchema } from './schemas';

/** What `tidewater report` and `tidewater reconcile` show, as JSON, for the hotel's own systems. */
export function operationsRouter(db: Db): Router {
  const router = Router();

  router.get('/v1/properties/:code/report', async (req, res) => {
    authorize(res, req.params.code, ['admin', 'pms']);
    await requireProperty(db, req.params.code);
    const query = parseQuery(reportQuerySchema, req.query);
    const [report] = await buildReport(db, {
      property: req.params.code,
      check: query.check === 'true',
      ...(query.parityDays !== undefined ? { parityDays: query.parityDays } : {}),
      ...(query.parityTolerance !== undefined ? { parityTolerancePercent: query.parityTolerance } : {}),
    });
    res.json(report satisfies z.input<typeof propertyReportSchema> | undefined);
  });

  /** The latest stored reconciliation run and its findings. */
  router.get('/v1/properties/:code/reconciliation', async (req, res) => {
    authorize(res, req.params.code, ['admin', 'pms']);
    const stored = await requireProperty(db, req.params.code);
    const run = await db('reconciliation_runs').where({ property_id: stored.id }).orderBy('id', 'desc').first<{ id: number; from_date: string; to_date: string; channels: string[]; findings: number; started_at: Date; finished_at: Date | null } | undefined>();
    if (!run) {
      res.json({ property: req.params.code, run: null, findings: [] } satisfies StoredReconciliationBody);
      return;
    }
    const findings = await db('reconciliation_findings')
      .where({ run_id: run.id })
      .orderBy(['channel_code', 'stay_date', 'room_type', 'rate_plan', 'field'])
      .limit(10_000)
      .select('channel_code as channel', 'stay_date as date', 'room_type as roomType', 'rate_plan as ratePlan', 'field', 'ledger_value as ledger', 'channel_value as channelValue', 'source', 'kind', 'booking_ref as booking', 'booking_id as bookingId', 'issue');
    res.json({ property: req.params.code, run: { id: run.id, from: run.from_date, to: run.to_date, channels: run.channels, findings: run.findings, startedAt: run.started_at, finishedAt: run.finished_at }, findings } satisfies StoredReconciliationBody);
  });

  /** Runs a reconciliation now (same as `tidewater reconcile --property CODE --format json`, without --fix). */
  router.post('/v1/properties/:code/reconciliation', async (req, res) => {
    authorize(res, req.params.code, ['admin', 'pms']);
    const query = parseQuery(reconciliationQuerySchema, req.query);
    const result = await reconcileProperty(db, req.params.code, { ...(query.from ? { from: query.from } : {}), ...(query.to ? { to: query.to } : {}), ...(query.channel ? { channel: query.channel } : {}) });
    res.status(201).json(result satisfies ReconciliationResultBody);
  });

  return router;
}
