import { ConfigError, maskSecret, parseEnv } from '../../config/env';
import { childEnv, runCli } from '../helpers/cli';

/** Issue 8: a bad environment stops every command at start, naming each variable, without leaking secrets. */
describe('configuration is validated at start', () => {
  it('the real binary prints one line per bad variable, masks passwords and exits 2', async () => {
    const result = await runCli(
      ['migrate'],
      childEnv({
        PORT: 'abc',
        DATABASE_URL: 'mysql://root:hunter2@db.example:3306/hotel',
        REDIS_URL: 'http://:s3cret@cache:6379',
        LOG_LEVEL: 'verbose',
        TIDEWATER_MAX_BODY: undefined,
      }),
      undefined,
      60_000,
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('tidewater: invalid configuration:');
    expect(lines.slice(1).sort()).toEqual(
      [
        '  DATABASE_URL is "mysql://root:***@db.example:3306/hotel"; expected a Postgres connection string, postgres://user:password@host:5432/db (unset: the embedded database)',
        '  LOG_LEVEL is "verbose"; expected one of fatal, error, warn, info, debug, trace, silent',
        '  PORT is "abc"; expected a whole number from 0 to 65535',
        '  REDIS_URL is "http://:***@cache:6379"; expected a Redis URL, redis://[:password@]host:6379 or rediss:// (unset: single-process delivery)',
      ].sort(),
    );
    expect(result.stderr).not.toContain('hunter2');
    expect(result.stderr).not.toContain('s3cret');
    expect(result.stderr).not.toMatch(/\bat \S+ \(/); // no stack trace
  });

  it('reports each variable once, however many checks it fails', () => {
    let error: unknown;
    try {
      parseEnv({ PORT: '-1.5', TIDEWATER_CHANNEL_LEASE_MS: '10' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual(['PORT', 'TIDEWATER_CHANNEL_LEASE_MS']);
  });

  it('accepts a good environment, blanks as unset, and a Redis Cluster hash-tag prefix', () => {
    const env = parseEnv({ PORT: '9090', DATABASE_URL: 'postgres://u:p@h/db', REDIS_URL: '', TIDEWATER_QUEUE_PREFIX: '{tidewater}' });
    expect(env).toMatchObject({ PORT: 9090, TIDEWATER_QUEUE_PREFIX: '{tidewater}', TIDEWATER_DRAIN_DELAY_MS: 0, LOG_LEVEL: 'info' });
    expect(env.REDIS_URL).toBeUndefined();
  });

  it('masks passwords in URLs and everything after the host of a webhook', () => {
    expect(maskSecret('DATABASE_URL', 'postgres://app:p@ss:w0rd@db:5432/x')).toBe('postgres://app:***@db:5432/x');
    expect(maskSecret('DATABASE_URL', 'postgres://db:5432/x')).toBe('postgres://db:5432/x');
    expect(maskSecret('TIDEWATER_ALERT_WEBHOOK', 'https://hooks.example.com/services/T000/B000/XXXX')).toBe('https://hooks.example.com/***');
  });
});
