import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Logs go to stderr as JSON lines so that CLI commands keep stdout for their data. Guest personal
 * data never goes into a log line: callers log ids and codes, not documents.
 */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'tidewater' } }, pino.destination({ fd: 2, sync: false }));
}

export const silentLogger: Logger = pino({ level: 'silent' });
