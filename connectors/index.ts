import { alpineBitsConnector } from './alpinebits/alpinebits-connector';
import { directConnector } from './direct/direct-connector';
import { icalConnector } from './ical/ical-connector';
import { otaXmlConnector } from './ota-xml/ota-xml-connector';
import { pmsConnector } from './pms/pms-connector';
import type { ChannelConnector } from './types';

/** Every connector, by channel type. A channel type without an entry here cannot be synced. */
export function builtInConnectors(): Map<string, ChannelConnector> {
  const all: ChannelConnector[] = [directConnector, otaXmlConnector('ota-xml'), otaXmlConnector('gds'), alpineBitsConnector, icalConnector, pmsConnector];
  return new Map(all.map((c) => [c.type, c]));
}

export type { ChannelConnector } from './types';
