import type { ChannelView } from '../../core/channel-view';
import type { ChannelConfig } from '../../core/property';
import type { ChannelCapabilities, ChannelConnector, ChannelContext, PushResult } from '../types';

/**
 * Vacation rental calendars (Airbnb-style calendar sync). Nothing is pushed: the channel pulls our
 * `.ics` feed (api/ical-router.ts), which renders the ledger at request time. `pushAri` therefore
 * sends nothing and succeeds, so that the sync worker records the channel's view as delivered —
 * the feed shows exactly that view from then on, and reconciliation compares against it. Blocks
 * flow the other way through polling (ical-import.ts), not through this interface.
 */
export const icalConnector: ChannelConnector = {
  type: 'ical',
  // No message goes out, so there is nothing to batch; a short window still folds bursts of
  // ledger changes into one recorded view.
  batchIntervalMs: 1000,
  capabilities(_channel: ChannelConfig): ChannelCapabilities {
    return {
      // Recording a view costs no request, so there is no partner limit to chunk or pace for.
      maxCellsPerMessage: 100_000,
      requestsPerSecond: 1000,
      // The channel cannot tell us what it shows; its only view of us is our own feed.
      canReadAri: false,
    };
  },
  async pushAri(_context: ChannelContext, _changes: ChannelView): Promise<PushResult> {
    return { messages: 0, warnings: [] };
  },
};
