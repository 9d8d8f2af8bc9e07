import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface DistributionMetrics {
  syncLag: Histogram<'channel_type'>;
  messagesSent: Counter<'channel_type' | 'outcome'>;
  retries: Counter<'channel_type'>;
  deadLetters: Counter<'channel_type'>;
  buffersInEffect: Gauge<'property'>;
  incidentsOpened: Counter<'kind'>;
  dirtyRanges: Gauge;
}

/** Labels are channel types and property codes, never per-channel ids, to keep series bounded. */
export function createDistributionMetrics(registry: Registry = new Registry()): DistributionMetrics {
  return {
    syncLag: new Histogram({
      name: 'tidewater_sync_lag_seconds',
      help: 'Time from ledger commit to channel acknowledgement',
      labelNames: ['channel_type'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    messagesSent: new Counter({
      name: 'tidewater_channel_messages_total',
      help: 'Messages sent to channels by outcome',
      labelNames: ['channel_type', 'outcome'] as const,
      registers: [registry],
    }),
    retries: new Counter({ name: 'tidewater_channel_retries_total', help: 'Delivery retries', labelNames: ['channel_type'] as const, registers: [registry] }),
    deadLetters: new Counter({ name: 'tidewater_dead_letters_total', help: 'Messages channels refused for good', labelNames: ['channel_type'] as const, registers: [registry] }),
    buffersInEffect: new Gauge({ name: 'tidewater_safety_buffers_in_effect', help: 'Safety buffer percent in effect per property', labelNames: ['property'] as const, registers: [registry] }),
    incidentsOpened: new Counter({ name: 'tidewater_incidents_opened_total', help: 'Incidents opened by kind', labelNames: ['kind'] as const, registers: [registry] }),
    dirtyRanges: new Gauge({ name: 'tidewater_dirty_ranges', help: 'Channel ranges waiting to be synced (queue depth)', registers: [registry] }),
  };
}
