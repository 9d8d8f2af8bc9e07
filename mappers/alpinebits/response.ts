/**
 * The AlpineBits acknowledgement of a notification (`OTA_HotelInvCountNotifRS`,
 * `OTA_HotelRatePlanNotifRS`): Success with optional Warnings, or Errors. AlpineBits narrows the
 * OpenTravel shape: Error Type is 11 (advisory) or 13 (application error) with an optional numeric
 * Code, the root carries only Version and TimeStamp, and ShortText/Tag do not exist, so
 * `renderOtaResponse` (which writes them) would produce messages an AlpineBits client may refuse.
 * Reading is the tolerant `readOtaResponse`.
 */
import { renderXmlDocument, type XmlNode } from '../xml/write';
import { formatTimeStamp, OTA_NAMESPACE } from '../opentravel/common';

export interface AlpineBitsError {
  /** 13 application error (the request was not processed); 11 advisory. */
  type: '11' | '13';
  code?: number;
  text: string;
}

export interface AlpineBitsWarning {
  /** OpenTravel EWT, e.g. 11 advisory, 3 business rule. */
  type: string;
  text: string;
  recordId?: string;
}

export interface AlpineBitsResponseInput {
  /** e.g. OTA_HotelInvCountNotifRS. */
  root: string;
  errors?: readonly AlpineBitsError[];
  warnings?: readonly AlpineBitsWarning[];
  version?: string;
}

export function renderAlpineBitsResponse(response: AlpineBitsResponseInput, now: () => Date = () => new Date()): string {
  if (!/^OTA_[A-Za-z]+RS$/.test(response.root)) throw new RangeError(`${response.root} is not an OpenTravel response root`);
  const errors = response.errors ?? [];
  const warnings = response.warnings ?? [];
  const children: XmlNode[] =
    errors.length > 0
      ? [{ name: 'Errors', children: errors.map((e) => ({ name: 'Error', attributes: { Type: e.type, Code: code(e.code) }, text: nonEmpty(e.text) })) }]
      : [
          { name: 'Success' },
          ...(warnings.length > 0
            ? [{ name: 'Warnings', children: warnings.map((w) => ({ name: 'Warning', attributes: { Type: positive(w.type), RecordID: w.recordId?.slice(0, 64) }, text: nonEmpty(w.text) })) }]
            : []),
        ];
  return renderXmlDocument({
    name: response.root,
    attributes: { xmlns: OTA_NAMESPACE, Version: response.version ?? '1.000', TimeStamp: formatTimeStamp(now()) },
    children,
  });
}

function code(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`an AlpineBits Error Code is a positive integer; got ${value}`);
  return value;
}

function positive(type: string): string {
  if (!/^[1-9]\d*$/.test(type)) throw new RangeError(`an AlpineBits Warning Type is a positive integer; got "${type}"`);
  return type;
}

function nonEmpty(text: string): string {
  return text.trim() === '' ? 'no details' : text;
}
