import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../api/app';
import { createApiMetrics } from '../../api/metrics';
import { silentLogger } from '../../config/logger';
import { startDistribution, type Distribution } from '../../queues/distributor';
import { applyAriBatch } from '../../services/ari-service';
import { canalHouse } from '../helpers/fixtures';
import { keyFor, seedProperty } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const RULES_FILE = path.resolve(__dirname, '..', '..', 'deploy', 'prometheus', 'alerts.yml');

interface Rule {
  alert: string;
  line: number;
  fields: Map<string, string>;
}

/**
 * The rules file read line by line rather than with a YAML library (the project has none of its
 * own): the file keeps each rule's keys on single lines, which this reader also enforces.
 */
function readRules(text: string): Rule[] {
  const rules: Rule[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\s+$/, '');
    if (/^\s*(#|$)/.test(line)) return;
    const start = /^\s+- alert: (\S+)$/.exec(line);
    if (start) {
      rules.push({ alert: start[1] as string, line: i + 1, fields: new Map() });
      return;
    }
    const field = /^\s+(expr|for|severity|summary|description|runbook): (.+)$/.exec(line);
    const rule = rules[rules.length - 1];
    if (field && rule) rule.fields.set(field[1] as string, (field[2] as string).replace(/^"(.*)"$/, '$1'));
  });
  return rules;
}

const PROMQL_WORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless',
  'rate', 'irate', 'increase', 'delta', 'deriv', 'histogram_quantile', 'min_over_time', 'max_over_time', 'avg_over_time', 'absent', 'offset', 'bool',
]);
/** Series Prometheus makes itself, not the hub. */
const PROMETHEUS_SERIES = new Set(['up']);

/** Metric names and the label names an expression uses (matchers and by/without groupings). */
function referencesOf(expr: string): { metrics: string[]; labels: Map<string, string[]> } {
  const labels = new Map<string, string[]>();
  const withoutStrings = expr.replace(/"[^"]*"/g, '""');
  for (const m of withoutStrings.matchAll(/([a-zA-Z_:][\w:]*)\{([^}]*)\}/g)) {
    const names = [...(m[2] as string).matchAll(/([a-zA-Z_]\w*)\s*(=~|!~|!=|=)/g)].map((l) => l[1] as string);
    labels.set(m[1] as string, [...(labels.get(m[1] as string) ?? []), ...names]);
  }
  const bare = withoutStrings
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '$1')
    .replace(/\[[^\]]*\]/g, '');
  const metrics = [...bare.matchAll(/[a-zA-Z_:][\w:]*/g)]
    .filter((m) => !PROMQL_WORDS.has(m[0]) && bare[(m.index ?? 0) + m[0].length] !== '(')
    .map((m) => m[0]);
  return { metrics: [...new Set(metrics)], labels };
}

/** Series names a /metrics text can produce: a histogram's _bucket, _sum and _count, and so on. */
function exportedSeries(text: string): Map<string, string> {
  const series = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [name, type] = [m[1] as string, m[2] as string];
    const names = type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : type === 'summary' ? [name, `${name}_sum`, `${name}_count`] : [name];
    for (const n of names) series.set(n, name);
  }
  return series;
}

/** Issue 8: the alert rules in deploy/ cannot silently rot: every metric they name is one the hub exports. */
describe('deploy/prometheus/alerts.yml', () => {
  const rules = readRules(readFileSync(RULES_FILE, 'utf8'));
  let t: TestDatabase;
  let app: Express;
  let registry: Registry;
  let distribution: Distribution;

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 6 });
    registry = new Registry();
    app = createApp({ db: t.db, logger: silentLogger, metrics: createApiMetrics(registry) });
    // As `tidewater serve` wires it: the API and the distribution share one registry.
    distribution = startDistribution({ db: t.db, logger: silentLogger, registry, pollMs: 200 });
  });
  afterAll(async () => {
    await distribution.stop();
    await t.drop();
  });

  it('has the seed thresholds and warnings, each rule complete', () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'TidewaterSyncLagHigh',
        'TidewaterOverbooking',
        'TidewaterBookingSuccessLow',
        'TidewaterSafetyBufferEngaged',
        'TidewaterDeadLettersGrowing',
        'TidewaterOutboxBacklogGrowing',
      ]),
    );
    for (const rule of rules) {
      for (const key of ['expr', 'for', 'severity', 'summary', 'description', 'runbook']) {
        expect({ alert: rule.alert, key, present: rule.fields.has(key) }).toEqual({ alert: rule.alert, key, present: true });
      }
      expect(['critical', 'warning']).toContain(rule.fields.get('severity'));
      expect(rule.fields.get('for')).toMatch(/^\d+[smh]$/);
      expect(rule.fields.get('runbook')).toMatch(/^docs\/operations\.md#/);
      const expr = rule.fields.get('expr') as string;
      expect(expr.split('(').length).toBe(expr.split(')').length);
    }
    const by = (alert: string) => rules.find((r) => r.alert === alert)?.fields;
    expect(by('TidewaterSyncLagHigh')?.get('expr')).toMatch(/histogram_quantile\(0\.99,.*\[5m\].*> 30$/);
    expect(by('TidewaterSyncLagHigh')?.get('for')).toBe('5m');
    expect(by('TidewaterOverbooking')?.get('expr')).toMatch(/increase\(overbooking_incidents_total\[5m\]\)\) > 0$/);
    expect(by('TidewaterOverbooking')?.get('severity')).toBe('critical');
    expect(by('TidewaterBookingSuccessLow')?.get('expr')).toMatch(/\[15m\].*< 0\.98$/);
  });

  it('names only metrics (and labels) that a running hub exports on /metrics', async () => {
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(200);
    const exported = exportedSeries(res.text);
    const missing: string[] = [];
    for (const rule of rules) {
      const { metrics, labels } = referencesOf(rule.fields.get('expr') as string);
      expect(metrics.length).toBeGreaterThan(0);
      for (const metric of metrics) {
        if (PROMETHEUS_SERIES.has(metric)) continue;
        const family = exported.get(metric);
        if (!family) {
          missing.push(`${rule.alert}: ${metric}`);
          continue;
        }
        const known = (registry.getSingleMetric(family) as unknown as { labelNames?: readonly string[] } | undefined)?.labelNames ?? [];
        for (const label of labels.get(metric) ?? []) if (!known.includes(label)) missing.push(`${rule.alert}: ${metric}{${label}}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('the booking counter counts a direct booking by channel type and outcome', async () => {
    await seedProperty(t.db, canalHouse());
    await applyAriBatch(t.db, 'AMS01', { updates: [{ roomType: 'DBL', ratePlan: 'BAR', from: '2027-06-01', to: '2027-06-30', rate: '129.00' }] });
    const key = await keyFor(t.db, 'AMS01', 'admin');
    const book = (token: string, idempotencyKey: string) =>
      request(app)
        .post('/v1/properties/AMS01/bookings')
        .set('authorization', `Bearer ${key}`)
        .set('idempotency-key', idempotencyKey)
        .send({
          roomStays: [{ roomType: 'DBL', ratePlan: 'BAR', checkIn: '2027-06-01', checkOut: '2027-06-03', rooms: 1, adults: 2 }],
          guest: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' },
          payment: { provider: 'sandbox', token },
        });
    expect((await book('approve', 'm-1')).status).toBe(201);
    expect((await book('decline', 'm-2')).status).toBe(402);
    const text = (await request(app).get('/metrics')).text;
    expect(text).toMatch(/^tidewater_bookings_total\{channel_type="direct",outcome="accepted"\} 1$/m);
    expect(text).toMatch(/^tidewater_bookings_total\{channel_type="direct",outcome="refused"\} 1$/m);
  });
});
