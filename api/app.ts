import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { NotFoundError } from '../core/errors';
import type { Logger } from '../config/logger';
import type { Db } from '../db/connection';
import type { PaymentProvider } from '../core/payment';
import { SandboxPaymentProvider } from '../fixtures/payments/sandbox-provider';
import { alpineBitsRouter } from './alpinebits-router';
import { ariRouter } from './ari-router';
import { bookingsRouter } from './bookings-router';
import { operationsRouter } from './operations-router';
import { authenticate } from './auth';
import { healthRouter, type Pingable } from './health-router';
import type { Readiness } from './readiness';
import { icalRouter } from './ical-router';
import { createApiMetrics, type ApiMetrics } from './metrics';
import { registerLedgerGauges } from './ledger-metrics';
import { registerBookingMetrics } from '../services/booking-service';
import { openApiRouter } from './openapi-router';
import { otaRouter } from './ota-router';
import { problemHandler } from './problem';
import { propertiesRouter } from './properties-router';
import { ratesRouter } from './rates-router';

export interface AppDeps {
  db: Db;
  logger: Logger;
  metrics?: ApiMetrics;
  redis?: Pingable;
  /** Largest accepted request body, e.g. '5mb'. */
  maxBody?: string;
  /** Payment providers for direct bookings, by name; the sandbox provider when not given. */
  payments?: ReadonlyMap<string, PaymentProvider>;
  paymentTimeoutMs?: number;
  /** Flipped to draining at shutdown, so /readyz turns 503 before the listener closes. */
  readiness?: Readiness;
}

export function createApp(deps: AppDeps): Express {
  const metrics = deps.metrics ?? createApiMetrics();
  registerLedgerGauges(metrics.registry, deps.db);
  registerBookingMetrics(metrics.registry);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req, res, next) => {
    const requestId = req.header('x-request-id') ?? randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ method: req.method, route }, seconds);
      deps.logger.info({ requestId, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'http');
    });
    next();
  });

  app.use(healthRouter(deps.db, metrics, deps.redis, deps.readiness));
  app.use(openApiRouter());
  app.use(otaRouter(deps.db, { logger: deps.logger, metrics, maxBody: deps.maxBody ?? '5mb' }));
  app.use(alpineBitsRouter(deps.db, { logger: deps.logger, metrics, maxBody: deps.maxBody ?? '5mb' }));
  app.use(express.json({ limit: deps.maxBody ?? '5mb', type: ['application/json', 'application/*+json'] }));
  app.use(icalRouter(deps.db));
  app.use('/v1', authenticate(deps.db));
  app.use(propertiesRouter(deps.db));
  app.use(ariRouter(deps.db, metrics));
  app.use(ratesRouter(deps.db));
  app.use(operationsRouter(deps.db));
  app.use(
    bookingsRouter({
      db: deps.db,
      logger: deps.logger,
      payments: deps.payments ?? new Map([['sandbox', new SandboxPaymentProvider()]]),
      ...(deps.paymentTimeoutMs !== undefined ? { paymentTimeoutMs: deps.paymentTimeoutMs } : {}),
    }),
  );
  app.use((req) => {
    throw new NotFoundError(`no route for ${req.method} ${req.path}`);
  });
  app.use(problemHandler(deps.logger));
  return app;
}
