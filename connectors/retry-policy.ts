/**
 * One pure function decides whether and when an HTTP delivery is retried. Everything that might
 * succeed later (timeouts, resets, 5xx, 429, 408) is retried with exponential backoff and full
 * jitter, honouring Retry-After; anything else the partner said no to is permanent.
 */
export interface FailureFacts {
  status?: number;
  /** Node network error code, e.g. ECONNRESET, ETIMEDOUT, ECONNREFUSED. */
  errorCode?: string;
  retryAfter?: string;
  attempt: number;
  now?: number;
}

export interface RetryDecision {
  retry: boolean;
  reason: string;
  waitMs: number;
}

export const RETRY_BASE_MS = 250;
export const RETRY_MAX_MS = 30_000;

const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'UND_ERR_SOCKET']);

export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function decideRetry(facts: FailureFacts, random: () => number = Math.random): RetryDecision {
  const now = facts.now ?? Date.now();
  const wait = () => Math.min(RETRY_MAX_MS, parseRetryAfter(facts.retryAfter, now) ?? backoffMs(facts.attempt, random));
  if (facts.status === undefined) {
    if (facts.errorCode && RETRYABLE_NETWORK.has(facts.errorCode)) return { retry: true, reason: `network: ${facts.errorCode}`, waitMs: wait() };
    return { retry: true, reason: `network: ${facts.errorCode ?? 'unknown error'}`, waitMs: wait() };
  }
  if (facts.status === 429) return { retry: true, reason: 'rate limited (429)', waitMs: wait() };
  if (facts.status === 408) return { retry: true, reason: 'request timeout (408)', waitMs: wait() };
  if (facts.status >= 500) return { retry: true, reason: `server error (${facts.status})`, waitMs: wait() };
  if (facts.status >= 400) return { retry: false, reason: `refused (${facts.status})`, waitMs: 0 };
  return { retry: false, reason: `unexpected status ${facts.status}`, waitMs: 0 };
}
