import type { Logger } from '../config/logger';

/**
 * Posts an operator alert (safety buffer engaged or lifted, drift that survived a fix) as JSON to
 * TIDEWATER_ALERT_WEBHOOK. Best effort: an alert that cannot be sent is logged, never allowed to
 * fail the delivery or the reconciliation that raised it; the incident row and metric remain.
 */
export async function postAlert(webhook: string | undefined, logger: Logger, body: Record<string, string | number>): Promise<void> {
  if (!webhook) return;
  try {
    await fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, at: new Date().toISOString() }),
      signal: AbortSignal.timeout(5000),
    });
  } catch (error) {
    logger.warn({ err: error, event: body.event }, 'alert webhook failed');
  }
}
