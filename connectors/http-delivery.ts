import axios, { type AxiosRequestConfig, type AxiosResponse } from 'axios';
import pRetry, { AbortError } from 'p-retry';
import { decideRetry } from './retry-policy';
import { ChannelRejectedError, TransientChannelError } from './types';

export interface DeliveryOptions {
  /** Attempts inside this call; the queue retries the whole job again later with its own backoff. */
  attempts?: number;
  timeoutMs?: number;
  /** Inspects a 2xx body: a channel may answer 200 with an OTA Errors element. */
  checkBody?: (response: AxiosResponse<string>) => void;
  onRetry?: (info: { attempt: number; reason: string; waitMs: number }) => void;
}

/**
 * Sends one request, retrying what may succeed later (decided by `decideRetry`) and giving up at
 * once on what the partner refused. Throws ChannelRejectedError or TransientChannelError.
 */
export async function sendWithRetry(request: AxiosRequestConfig, options: DeliveryOptions = {}): Promise<AxiosResponse<string>> {
  const attempts = options.attempts ?? 3;
  return pRetry(
    async (attempt) => {
      let response: AxiosResponse<string>;
      try {
        response = await axios.request<string>({
          timeout: options.timeoutMs ?? 10_000,
          responseType: 'text',
          transformResponse: (data: string) => data,
          validateStatus: () => true,
          maxRedirects: 0,
          ...request,
        });
      } catch (error) {
        const code = (error as { code?: string }).code;
        const decision = decideRetry({ attempt, ...(code !== undefined ? { errorCode: code } : {}) });
        throw new TransientChannelError(`${decision.reason} calling ${request.url ?? ''}`, decision.waitMs);
      }
      if (response.status >= 200 && response.status < 300) {
        try {
          options.checkBody?.(response);
        } catch (error) {
          if (error instanceof ChannelRejectedError) throw new AbortError(error);
          throw error;
        }
        return response;
      }
      const retryAfter = response.headers['retry-after'] as string | undefined;
      const decision = decideRetry({ status: response.status, attempt, ...(retryAfter !== undefined ? { retryAfter } : {}) });
      const body = typeof response.data === 'string' ? response.data.slice(0, 500) : '';
      if (!decision.retry) throw new AbortError(new ChannelRejectedError(`${decision.reason}: ${body}`, response.status, [body]));
      throw new TransientChannelError(`${decision.reason} from ${request.url ?? ''}`, decision.waitMs);
    },
    {
      retries: attempts - 1,
      minTimeout: 0,
      maxTimeout: 0,
      randomize: false,
      // p-retry's own delay is zero: the wait comes from decideRetry (Retry-After or jittered backoff).
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft === 0) return;
        const waitMs = error instanceof TransientChannelError ? (error.waitMs ?? 0) : 0;
        options.onRetry?.({ attempt: attemptNumber, reason: error.message, waitMs });
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      },
    },
  );
}

/** Per-channel delivery settings from the property document's `settings` (timeouts, in-call attempts). */
export function deliveryOptions(channel: { settings?: Record<string, unknown> }): DeliveryOptions {
  const s = channel.settings ?? {};
  return {
    ...(typeof s.timeoutMs === 'number' ? { timeoutMs: s.timeoutMs } : {}),
    ...(typeof s.attempts === 'number' ? { attempts: s.attempts } : {}),
  };
}
