import { backoffMs, decideRetry, type FailureFacts } from './retry-policy';

const fixedRandom = () => 0.5;

describe('decideRetry', () => {
  const now = Date.parse('2027-03-01T12:00:00Z');
  it.each<[string, FailureFacts, { retry: boolean; waitMs?: number }]>([
    ['timeout', { errorCode: 'ETIMEDOUT', attempt: 1, now }, { retry: true, waitMs: 188 }],
    ['connection reset', { errorCode: 'ECONNRESET', attempt: 3, now }, { retry: true, waitMs: 750 }],
    ['500', { status: 500, attempt: 1, now }, { retry: true }],
    ['503 with Retry-After seconds', { status: 503, retryAfter: '7', attempt: 1, now }, { retry: true, waitMs: 7000 }],
    ['429 with Retry-After date', { status: 429, retryAfter: 'Mon, 01 Mar 2027 12:00:02 GMT', attempt: 1, now }, { retry: true, waitMs: 2000 }],
    ['429 with absurd Retry-After is capped', { status: 429, retryAfter: '86400', attempt: 1, now }, { retry: true, waitMs: 30_000 }],
    ['408', { status: 408, attempt: 2, now }, { retry: true }],
    ['400', { status: 400, attempt: 1, now }, { retry: false, waitMs: 0 }],
    ['401', { status: 401, attempt: 1, now }, { retry: false, waitMs: 0 }],
    ['404', { status: 404, attempt: 1, now }, { retry: false, waitMs: 0 }],
    ['422', { status: 422, attempt: 1, now }, { retry: false, waitMs: 0 }],
  ])('%s', (_name, facts, expected) => {
    expect(decideRetry(facts, fixedRandom)).toMatchObject(expected);
  });

  it('backs off exponentially with jitter, up to a ceiling', () => {
    expect(backoffMs(1, () => 0)).toBe(125);
    expect(backoffMs(1, () => 1)).toBe(250);
    expect(backoffMs(5, () => 1)).toBe(4000);
    expect(backoffMs(30, () => 1)).toBe(30_000);
  });
});
