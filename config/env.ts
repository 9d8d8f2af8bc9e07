import path from 'node:path';
import { z } from 'zod';

/** Every environment variable Tidewater reads, validated once at start. */
export const envSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string').optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  TIDEWATER_DATA_DIR: z.string().default(path.resolve('.tidewater')),
  TIDEWATER_MAX_BODY: z.string().regex(/^\d+(b|kb|mb)$/i, 'must look like 512kb or 5mb').default('5mb'),
  TIDEWATER_QUEUE_PREFIX: z.string().regex(/^[\w:.-]+$/, 'letters, digits and : . - _ only').default('tidewater'),
  TIDEWATER_CHANNEL_LEASE_MS: z.coerce.number().int().min(1000).max(600_000).default(20_000),
  TIDEWATER_ALERT_WEBHOOK: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.output<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return parsed.data;
}
