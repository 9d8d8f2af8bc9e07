import type { ChannelContentSync, ChannelContext } from '../connectors/types';
import { ChannelRejectedError } from '../connectors/types';
import { addDeadLetter, readContentFingerprint, saveContentFingerprint } from '../db/sync-repo';
import type { SyncDeps } from './sync-channel';

export interface ContentTarget {
  channelId: number;
  propertyId: number;
  requestsPerSecond: number;
  /** Renews the run's channel lease; false when another worker holds the channel now. */
  renewLease: () => Promise<boolean>;
}

export interface ContentOutcome {
  messages: number;
  stopped?: 'interrupted' | 'lease-lost';
}

/**
 * Sends a channel its descriptive content (AlpineBits: the room categories) when what it last
 * settled differs from what the connector would send now, before the run's ARI refers to it.
 *
 * The fingerprint is stored once the content is settled, which is more than accepted: a refusal is
 * dead-lettered once, like a refused ARI chunk, and a skip (the server does not take this content)
 * is logged once. Neither changes by sending the same content again; a change of the content does
 * retry it. A transient failure is thrown, so the channel backs off and nothing is stored.
 */
export async function syncChannelContent(deps: SyncDeps, content: ChannelContentSync, context: ChannelContext, target: ContentTarget): Promise<ContentOutcome> {
  const { db, logger, metrics } = deps;
  const { channel } = context;
  const fingerprint = content.fingerprint(context);
  if (fingerprint === (await readContentFingerprint(db, target.channelId))) return { messages: 0 };
  await deps.pacer.take(`channel:${target.channelId}`, target.requestsPerSecond);
  if (deps.signal?.aborted) return { messages: 0, stopped: 'interrupted' };
  if (!(await target.renewLease())) {
    logger.warn({ channel: channel.code }, 'channel lease lost before its content was sent; leaving it to the new holder');
    return { messages: 0, stopped: 'lease-lost' };
  }
  let messages = 0;
  try {
    const result = await content.push(context);
    if (result.status === 'skipped') {
      logger.info({ channel: channel.code, reason: result.reason }, 'channel content not sent');
    } else {
      messages = result.messages;
      metrics.messagesSent.inc({ channel_type: channel.type, outcome: 'accepted' }, result.messages);
      if (result.warnings.length > 0) logger.warn({ channel: channel.code, warnings: result.warnings.slice(0, 5) }, 'channel accepted its content with warnings');
    }
  } catch (error) {
    if (!(error instanceof ChannelRejectedError)) throw error;
    metrics.messagesSent.inc({ channel_type: channel.type, outcome: 'rejected' });
    metrics.deadLetters.inc({ channel_type: channel.type });
    await addDeadLetter(db, { channelId: target.channelId, propertyId: target.propertyId, reason: `content: ${error.message}` });
    logger.error({ channel: channel.code, error: error.message }, 'channel rejected its content: dead-lettered');
  }
  await saveContentFingerprint(db, target.channelId, fingerprint);
  return { messages };
}
