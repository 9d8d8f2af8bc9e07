/**
 * Any OpenTravel `…RS` acknowledgement (MessageAcknowledgementType): `Success` with optional
 * `Warnings`, or `Errors`. Rendered for partners who pushed to us, read when a channel answers us.
 */
import {
  AuthenticationError,
  ForbiddenError,
  InventoryConflictError,
  SoldOutError,
  TidewaterError,
  UnknownPropertyError,
  ValidationError,
  type FieldError,
} from '../../core/errors';
import { XmlMessageError } from '../xml/errors';
import { attribute, childElement, childElements, errorAt, parseXml, type ParseXmlOptions, type XmlElement } from '../xml/parse';
import { renderXmlDocument, type XmlNode } from '../xml/write';
import { headerAttributes, readHeader, type OtaHeader, type OtaHeaderInput } from './common';

/** One Warning or Error. */
export interface OtaNotice {
  /** OpenTravel Error Warning Type (EWT): 3 business rule, 10 required field missing, 11 advisory, 12 processing exception … */
  type: string;
  /** OpenTravel Error Code (ERR), e.g. 404 invalid start/end date combination. */
  code?: string;
  shortText?: string;
  /** The element's text: the full explanation. */
  text?: string;
  status?: string;
  /** Where in the request: an XPath, element name or JSON pointer. */
  tag?: string;
  recordId?: string;
}

export interface OtaResponseInput extends OtaHeaderInput {
  /** The response root, e.g. OTA_HotelAvailNotifRS. */
  root: string;
  /** Any error turns the answer into `Errors` (and drops `Success` and warnings, as the schema requires). */
  errors?: readonly OtaNotice[];
  warnings?: readonly OtaNotice[];
}

export interface OtaResponse extends OtaHeader {
  root: string;
  status: 'success' | 'warnings' | 'errors';
  warnings: OtaNotice[];
  errors: OtaNotice[];
}

/** Versions of the 2015B acknowledgement schemas, used when the request named none to echo. */
const SCHEMA_VERSIONS: Record<string, string> = {
  OTA_HotelAvailNotifRS: '3.000',
  OTA_HotelInvCountNotifRS: '3.000',
  OTA_HotelRateAmountNotifRS: '3.000',
};
const OTA_CODE = /^[0-9A-Z]{1,3}(\.[A-Z]{3}(\.X)?)?$/;
/** ErrorsType allows 99 Error elements. */
const MAX_ERRORS = 99;

export function renderOtaResponse(response: OtaResponseInput, now?: () => Date): string {
  if (!/^OTA_[A-Za-z]+RS$/.test(response.root)) throw new RangeError(`${response.root} is not an OpenTravel response root`);
  const errors = response.errors ?? [];
  const warnings = response.warnings ?? [];
  const children: XmlNode[] =
    errors.length > 0
      ? [{ name: 'Errors', children: errors.slice(0, MAX_ERRORS).map((e) => notice('Error', e)) }]
      : [{ name: 'Success' }, ...(warnings.length > 0 ? [{ name: 'Warnings', children: warnings.map((w) => notice('Warning', w)) }] : [])];
  return renderXmlDocument({
    name: response.root,
    attributes: headerAttributes(response, SCHEMA_VERSIONS[response.root] ?? '1.000', now),
    children,
  });
}

function notice(name: 'Error' | 'Warning', n: OtaNotice): XmlNode {
  if (!OTA_CODE.test(n.type)) throw new RangeError(`${name} Type must be an OpenTravel code such as 3; got "${n.type}"`);
  if (n.code !== undefined && !OTA_CODE.test(n.code)) throw new RangeError(`${name} Code must be an OpenTravel code such as 404; got "${n.code}"`);
  return {
    name,
    attributes: {
      Type: n.type,
      ShortText: n.shortText !== undefined && n.shortText !== '' ? truncate(n.shortText, 64) : undefined,
      Code: n.code,
      Status: n.status !== undefined && n.status !== '' ? truncate(n.status, 64) : undefined,
      Tag: n.tag,
      RecordID: n.recordId !== undefined && n.recordId !== '' ? truncate(n.recordId, 64) : undefined,
    },
    ...(n.text !== undefined ? { text: n.text } : {}),
  };
}

function truncate(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

/** Reads what a partner answered. A response with neither Success nor Errors is refused. */
export function readOtaResponse(input: string | Uint8Array | XmlElement, options: ParseXmlOptions = {}): OtaResponse {
  const root = typeof input === 'object' && 'children' in input ? input : parseXml(input, options);
  if (!/RS$/.test(root.name)) throw errorAt(root, 'unsupported-message', `expected an OpenTravel response (…RS), got ${root.name}`);
  const errorsElement = childElement(root, 'Errors');
  const success = childElement(root, 'Success');
  const errors = errorsElement ? childElements(errorsElement, 'Error').map(readNotice) : [];
  const warningsElement = childElement(root, 'Warnings');
  const warnings = warningsElement ? childElements(warningsElement, 'Warning').map(readNotice) : [];
  if (!success && !errorsElement) throw errorAt(root, 'missing-field', 'a response needs <Success/> or <Errors>');
  if (errorsElement && errors.length === 0) throw errorAt(errorsElement, 'missing-field', '<Errors> without any <Error>');
  const status = errors.length > 0 ? 'errors' : warnings.length > 0 ? 'warnings' : 'success';
  return { root: root.name, ...readHeader(root), status, warnings, errors };
}

function readNotice(element: XmlElement): OtaNotice {
  const text = element.text.replace(/\s+/g, ' ').trim();
  const fields: Array<[keyof OtaNotice, string | undefined]> = [
    ['code', attribute(element, 'Code')],
    ['shortText', attribute(element, 'ShortText')],
    ['text', text === '' ? undefined : text],
    ['status', attribute(element, 'Status')],
    ['tag', attribute(element, 'Tag')],
    ['recordId', attribute(element, 'RecordID')],
  ];
  // Type is required by the schema; a partner that leaves it out still told us something failed.
  const result: OtaNotice = { type: attribute(element, 'Type') ?? '1' };
  for (const [key, value] of fields) if (value !== undefined) result[key] = value;
  return result;
}

// ---------------------------------------------------------------------------------------------

/** OpenTravel Error Codes (ERR) we use, with their list names as ShortText. */
export const OTA_ERROR_CODES = {
  '15': 'Invalid date',
  '61': 'Invalid currency code',
  '249': 'Invalid rate code',
  '320': 'Invalid value',
  '321': 'Required field missing',
  '322': 'No availability',
  '392': 'Invalid hotel code',
  '402': 'Invalid room type code',
  '404': 'Invalid start date-end date combination',
  '448': 'System error',
  '450': 'Unable to process',
  '497': 'Authorization error',
} as const satisfies Record<string, string>;

function coded(type: string, code: keyof typeof OTA_ERROR_CODES, text: string, tag?: string): OtaNotice {
  return { type, code, shortText: OTA_ERROR_CODES[code], text, ...(tag !== undefined ? { tag } : {}) };
}

/**
 * The one mapping from Tidewater's typed errors to OpenTravel `Errors`. Unexpected errors become
 * a bare "System error": their messages may contain internals a partner must not see.
 */
export function toOtaErrors(error: unknown): OtaNotice[] {
  if (error instanceof XmlMessageError) {
    const code = error.otaCode in OTA_ERROR_CODES ? (error.otaCode as keyof typeof OTA_ERROR_CODES) : undefined;
    return [
      {
        type: error.otaType,
        code: error.otaCode,
        ...(code ? { shortText: OTA_ERROR_CODES[code] } : {}),
        text: error.message,
        ...(error.element !== undefined ? { tag: error.element } : {}),
      },
    ];
  }
  if (error instanceof ValidationError || error instanceof InventoryConflictError) return error.errors.map(fieldErrorNotice);
  if (error instanceof UnknownPropertyError) return [coded('3', '392', error.message)];
  if (error instanceof SoldOutError) return [coded('3', '322', error.message)];
  if (error instanceof AuthenticationError) return [coded('4', '497', error.message || error.title)];
  if (error instanceof ForbiddenError) return [coded('6', '497', error.message || error.title)];
  if (error instanceof TidewaterError) return [coded('12', '450', error.message || error.title)];
  return [coded('12', '448', 'internal error; the request was not processed')];
}

function fieldErrorNotice(e: FieldError): OtaNotice {
  const text = `${e.pointer || '/'}: ${e.detail}`;
  if (/\/roomType$/.test(e.pointer)) return coded('3', '402', text, e.pointer);
  if (/\/ratePlan$/.test(e.pointer)) return coded('3', '249', text, e.pointer);
  if (/\/to$/.test(e.pointer)) return coded('3', '404', text, e.pointer);
  if (/\/from$/.test(e.pointer)) return coded('3', '15', text, e.pointer);
  return coded('3', '320', text, e.pointer);
}
