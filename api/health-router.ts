import { Router } from 'express';
import type { Db } from '../db/connection';
import { pendingMigrations } from '../db/migration-status';
import type { ApiMetrics } from './metrics';
import type { HealthBody } from './response-schemas';
import { Readiness } from './readiness';

export interface Pingable {
  ping(): Promise<unknown>;
}

/** Longest a /readyz check may take: a probe that hangs on a full pool tells the balancer nothing. */
const READY_CHECK_TIMEOUT_MS = 2000;

/** 'ok' (or 'no' for draining) when fine, otherwise why not. */
export interface ReadyChecks {
  postgres: string;
  migrations: string;
  redis?: string;
  draining: string;
}

export function healthRouter(db: Db, metrics: ApiMetrics, redis?: Pingable, readiness: Readiness = new Readiness()): Router {
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
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'unavailable', checks } satisfies HealthBody);
  });

  // Readiness, not liveness: may this process take traffic now? Postgres answers with every
  // migration this build needs, Redis answers when configured, and shutdown has not begun.
  router.get('/readyz', async (_req, res) => {
    const [postgres, redisCheck] = await Promise.all([
      check(db.raw('SELECT 1')),
      redis ? check(redis.ping()) : Promise.resolve(undefined),
    ]);
    const migrations =
      postgres === 'ok'
        ? await check(
            pendingMigrations(db).then((pending) => {
              if (pending.length > 0) throw new Error(`pending: ${pending.join(', ')} (run \`tidewater migrate\`)`);
            }),
          )
        : 'not checked: postgres unavailable';
    const checks: ReadyChecks = {
      postgres,
      migrations,
      ...(redisCheck !== undefined ? { redis: redisCheck } : {}),
      draining: readiness.describe(),
    };
    const ready = postgres === 'ok' && migrations === 'ok' && (redisCheck === undefined || redisCheck === 'ok') && !readiness.draining;
    res.setHeader('cache-control', 'no-store');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks });
  });

  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  return router;
}

/** 'ok', or the reason the check failed or took too long. */
function check(work: Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${READY_CHECK_TIMEOUT_MS} ms`), READY_CHECK_TIMEOUT_MS);
  });
  const done = work.then(
    () => 'ok',
    (e: unknown) => (e instanceof Error ? e.message : String(e)) || 'failed',
  );
  return Promise.race([done, timeout]).finally(() => clearTimeout(timer));
}
