export { CRLF, escapeText, foldLine, IcalParseError, MAX_LINE_OCTETS, unescapeText, unfoldLines } from './content-lines';
export { eventBlocks, eventStay, MAX_EVENTS, parseCalendar, type EventStay, type IcalEvent, type ParsedCalendar, type SkippedEvent } from './parse-calendar';
export {
  blockedRanges,
  OWN_UID_SUFFIX,
  renderBlockedCalendar,
  renderCalendar,
  TIDEWATER_PRODID,
  type BlockedCalendarInput,
  type BlockedRange,
  type RenderEvent,
} from './render-calendar';
export { parseIcalTime, resolveTimeZone, zonedTimeToInstant, type IcalDuration, type IcalTime } from './values';
