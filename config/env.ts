import path from 'node:path';
import { z } from 'zod';

const CRON_FIELD = '[\\d*,/A-Za-z?#LW-]+';
const CRON_SHAPE = new RegExp(`^${CRON_FIELD}(\\s+${CRON_FIELD}){4,5}$`);

/** Every environment variable Tidewater reads, validated once at start. */
export const envSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string').optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  TIDEWATER_DATA_DIR: z.string().default(path.resolve('.tidewater')),
  TIDEWATER_MAX_BODY: z.string().regex(/^\d+(b|kb|mb)$/i, 'must look like 512kb or 5mb').default('5mb'),
  TIDEWATER_QUEUE_PREFIX: z.string().regex(/^[\w:.{}-]+$/, 'letters, digits, {} and : . - _ only').default('tidewater'),
  TIDEWATER_CHANNEL_LEASE_MS: z.coerce.number().int().min(1000).max(600_000).default(20_000),
  TIDEWATER_ALERT_WEBHOOK: z.url().optional(),
  // The shape only: the pattern itself is checked by the cron parser when the schedule starts.
  TIDEWATER_RECONCILE_CRON: z
    .string()
    .trim()
    .refine((v) => v === 'off' || CRON_SHAPE.test(v), 'must be a cron pattern or off')
    .default('0 3 * * *'),
  TIDEWATER_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  TIDEWATER_DRAIN_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.output<typeof envSchema>;
export type EnvVariable = keyof Env;

/**
 * What each variable must look like, in words an operator can act on. zod's own messages name
 * types ("expected number, received NaN"), which says little to someone editing a unit file.
 */
export const ENV_EXPECTED: Readonly<Record<EnvVariable, string>> = {
  DATABASE_URL: 'a Postgres connection string, postgres://user:password@host:5432/db (unset: the embedded database)',
  REDIS_URL: 'a Redis URL, redis://[:password@]host:6379 or rediss:// (unset: single-process delivery)',
  PORT: 'a whole number from 0 to 65535',
  TIDEWATER_DATA_DIR: 'a directory path',
  TIDEWATER_MAX_BODY: 'a size such as 512kb or 5mb',
  TIDEWATER_QUEUE_PREFIX: 'letters, digits, {} and : . - _ only, e.g. tidewater or {tidewater}',
  TIDEWATER_CHANNEL_LEASE_MS: 'milliseconds, a whole number from 1000 to 600000',
  TIDEWATER_ALERT_WEBHOOK: 'an absolute http(s) URL',
  TIDEWATER_RECONCILE_CRON: "a cron pattern (minute hour day month weekday, in each property's time zone) such as 0 3 * * *, or off",
  TIDEWATER_WORKER_METRICS_PORT: 'a port number from 0 to 65535 (0: any free port)',
  TIDEWATER_DRAIN_DELAY_MS: 'milliseconds, a whole number from 0 to 600000',
  LOG_LEVEL: 'one of fatal, error, warn, info, debug, trace, silent',
};

/** Values that may carry credentials: never echoed whole in an error message. */
const SECRET_URLS: ReadonlySet<string> = new Set(['DATABASE_URL', 'REDIS_URL', 'TIDEWATER_ALERT_WEBHOOK']);

export interface ConfigProblem {
  variable: string;
  /** What was given, with any password masked; undefined when the variable was not set. */
  given: string | undefined;
  expected: string;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function formatProblem(p: ConfigProblem): string {
  const given = p.given === undefined ? 'is not set' : `is ${JSON.stringify(p.given)}`;
  return `${p.variable} ${given}; expected ${p.expected}`;
}

/**
 * Hides what in a URL-like value may be secret: the password of `scheme://user:password@…`, and
 * for webhooks everything after the host (Slack-style webhook URLs carry their token in the path).
 * Works on values that are not valid URLs too, since those are the ones that end up in messages.
 */
export function maskSecret(variable: string, value: string): string {
  // Greedy up to the last '@': an unencoded '@' in a password must not leave its tail showing.
  let masked = value.replace(/^([a-z][\w+.-]*:\/\/[^:/@\s]*:)\S*@/i, '$1***@');
  if (variable === 'TIDEWATER_ALERT_WEBHOOK') masked = masked.replace(/^([a-z][\w+.-]*:\/\/[^/?#\s]+)[/?#].+$/i, '$1/***');
  return masked.length > 200 ? `${masked.slice(0, 200)}…` : masked;
}

export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  // One line per variable, however many checks it failed.
  const problems = new Map<string, ConfigProblem>();
  for (const issue of parsed.error.issues) {
    const variable = String(issue.path[0] ?? '(environment)');
    if (problems.has(variable)) continue;
    const raw = cleaned[variable];
    const given = raw === undefined ? undefined : SECRET_URLS.has(variable) ? maskSecret(variable, raw) : raw.length > 200 ? `${raw.slice(0, 200)}…` : raw;
    const expected = (ENV_EXPECTED as Record<string, string>)[variable] ?? issue.message;
    problems.set(variable, { variable, given, expected });
  }
  throw new ConfigError([...problems.values()]);
}
