import { attribute, type XmlElement } from '../xml/parse';
import type { XmlStandard } from './common';

/**
 * AlpineBits reuses OpenTravel roots and namespace, and its HTTP `action` parameter (which says
 * what a request is) is not in the XML. So the standard is inferred from what only AlpineBits
 * messages contain; an endpoint that knows better passes `standard` explicitly.
 *
 * - `UniqueID Instance="CompleteSet"`, the AlpineBits full resynchronisation marker;
 * - InvCount `CountType="9"` (AlpineBits "free but not bookable");
 * - an `Inventory` that has a StatusApplicationControl but no InvCounts (AlpineBits: fully booked;
 *   OpenTravel gives it no meaning);
 * - the handshake's JSON in `EchoData`, or a `HotelDescriptiveContent` carrying AlpineBits URLs.
 */
export function detectStandard(root: XmlElement): XmlStandard {
  return hasAlpineBitsMarker(root, 0) ? 'alpinebits' : 'opentravel';
}

function hasAlpineBitsMarker(element: XmlElement, depth: number): boolean {
  if (depth > 8) return false;
  switch (element.name) {
    case 'UniqueID': {
      const instance = attribute(element, 'Instance');
      if (instance === 'CompleteSet') return true;
      break;
    }
    case 'InvCount':
      if (attribute(element, 'CountType') === '9') return true;
      break;
    case 'Inventory':
      if (element.children.some((c) => c.name === 'StatusApplicationControl') && !element.children.some((c) => c.name === 'InvCounts')) return true;
      break;
    case 'EchoData':
      if (/"action_OTA_|"OTA_[A-Za-z]+_accept_/.test(element.text)) return true;
      break;
    default:
      if (/alpinebits/i.test(element.text)) return true;
  }
  return element.children.some((c) => hasAlpineBitsMarker(c, depth + 1));
}
