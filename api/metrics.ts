import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  ariCellsApplied: Counter<'property'>;
}

/** One registry per process (and per test app), so tests never collide on metric names. */
export function createApiMetrics(registry = new Registry()): ApiMetrics {
  collectDefaultMetrics({ register: registry, prefix: 'tidewater_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'tidewater_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'tidewater_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    ariCellsApplied: new Counter({
      name: 'tidewater_ari_cells_applied_total',
      help: 'Ledger cells written by ARI batches',
      labelNames: ['property'] as const,
      registers: [registry],
    }),
  };
}
