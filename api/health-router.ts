import { Router } from 'express';
import type { Db } from '../db/connection';
import type { ApiMetrics } from './metrics';

export interface Pingable {
  ping(): Promise<unknown>;
}

export function healthRouter(db: Db, metrics: ApiMetrics, redis?: Pingable): Router {
  const router = Router();

  router.get('/healthz', async (_req, res) => {
    const checks: Record<string, 'ok' | string> = {};
    await Promise.all([
      db.raw('SELECT 1').then(
        () => (checks.postgres = 'ok'),
        (e: Error) => (checks.postgres = e.message),
      ),
      redis
        ? redis.ping().then(
            () => (checks.redis = 'ok'),
            (e: Error) => (checks.redis = e.message),
          )
        : Promise.resolve(),
    ]);
    const healthy = Object.values(checks).every((v) => v === 'ok');
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'unavailable', checks });
  });

  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  return router;
}
