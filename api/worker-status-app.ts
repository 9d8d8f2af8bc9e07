import express, { type Express } from 'express';
import type { Db } from '../db/connection';
import { healthRouter, type Pingable } from './health-router';
import type { ApiMetrics } from './metrics';
import type { Readiness } from './readiness';

/**
 * What a `tidewater worker` serves when given a metrics port: /metrics (the delivery metrics live
 * in the worker processes, so without this the sync-lag and dead-letter alerts have no data when
 * workers run apart from the API), /healthz and /readyz for an orchestrator. Nothing else: a
 * worker takes no API traffic.
 */
export function createWorkerStatusApp(deps: { db: Db; metrics: ApiMetrics; redis?: Pingable; readiness: Readiness }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRouter(deps.db, deps.metrics, deps.redis, deps.readiness));
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('a tidewater worker serves /metrics, /healthz and /readyz only\n');
  });
  return app;
}
