import { directConnector } from './direct/direct-connector';
import type { ChannelConnector } from './types';

/** Every connector, by channel type. A channel type without an entry here cannot be synced. */
export function builtInConnectors(): Map<string, ChannelConnector> {
  const all: ChannelConnector[] = [directConnector];
  return new Map(all.map((c) => [c.type, c]));
}

export type { ChannelConnector } from './types';
