import { TidewaterError } from '../../core/errors';

/**
 * Why a message was refused. Stable: tests, logs and the OTA `Errors` mapping key on it; the
 * human `reason` may be reworded at any time.
 */
export const XML_PROBLEMS = [
  'not-xml',
  'malformed',
  'doctype-forbidden',
  'too-large',
  'too-deep',
  'unsupported-message',
  'unsupported-value',
  'missing-field',
  'invalid-value',
  'invalid-date',
  'invalid-date-range',
  'invalid-currency',
] as const;
export type XmlProblem = (typeof XML_PROBLEMS)[number];

/**
 * OpenTravel Error Warning Type (EWT) and Error Code (ERR) per problem. EWT: 2 no implementation,
 * 3 business rule, 10 required field missing, 12 processing exception. ERR: 15 invalid date,
 * 61 invalid currency code, 320 invalid value, 321 required field missing, 404 invalid start/end
 * date combination, 450 unable to process. A message we could not even read is a processing
 * exception (EWT 12): it never reached the business rules that EWT 3 speaks of.
 */
const OTA_CODES: Record<XmlProblem, { otaType: string; otaCode: string }> = {
  'not-xml': { otaType: '12', otaCode: '450' },
  malformed: { otaType: '12', otaCode: '450' },
  'doctype-forbidden': { otaType: '12', otaCode: '450' },
  'too-large': { otaType: '12', otaCode: '450' },
  'too-deep': { otaType: '12', otaCode: '450' },
  'unsupported-message': { otaType: '2', otaCode: '450' },
  'unsupported-value': { otaType: '2', otaCode: '320' },
  'missing-field': { otaType: '10', otaCode: '321' },
  'invalid-value': { otaType: '3', otaCode: '320' },
  'invalid-date': { otaType: '3', otaCode: '15' },
  'invalid-date-range': { otaType: '3', otaCode: '404' },
  'invalid-currency': { otaType: '3', otaCode: '61' },
};

export interface XmlMessageErrorInit {
  problem: XmlProblem;
  reason: string;
  line?: number;
  element?: string;
  /** Overrides the default OpenTravel EWT for the problem. */
  otaType?: string;
  /** Overrides the default OpenTravel ERR code for the problem. */
  otaCode?: string;
  /** Where the message came from (a file name), for the CLI. */
  source?: string;
}

/** A message that cannot be read, with where (line, element) and why. */
export class XmlMessageError extends TidewaterError {
  readonly code = 'invalid-xml-message';
  readonly title = 'Invalid XML message';
  readonly problem: XmlProblem;
  readonly reason: string;
  readonly line?: number;
  readonly element?: string;
  /** OpenTravel Error Warning Type (EWT), e.g. '3' business rule, '10' required field missing. */
  readonly otaType: string;
  /** OpenTravel Error Code (ERR), e.g. '404' invalid start/end date combination. */
  readonly otaCode: string;
  readonly source?: string;

  constructor(init: XmlMessageErrorInit) {
    super(describe(init));
    this.problem = init.problem;
    this.reason = init.reason;
    if (init.line !== undefined) this.line = init.line;
    if (init.element !== undefined) this.element = init.element;
    if (init.source !== undefined) this.source = init.source;
    this.otaType = init.otaType ?? OTA_CODES[init.problem].otaType;
    this.otaCode = init.otaCode ?? OTA_CODES[init.problem].otaCode;
  }

  /** The same error, told as coming from `source` (e.g. the file the CLI read). */
  withSource(source: string): XmlMessageError {
    return new XmlMessageError({
      problem: this.problem,
      reason: this.reason,
      otaType: this.otaType,
      otaCode: this.otaCode,
      source,
      ...(this.line !== undefined ? { line: this.line } : {}),
      ...(this.element !== undefined ? { element: this.element } : {}),
    });
  }
}

function describe(init: XmlMessageErrorInit): string {
  const where = [
    init.source,
    init.line !== undefined ? `line ${init.line}` : undefined,
    init.element !== undefined ? `element <${init.element}>` : undefined,
  ].filter((part): part is string => part !== undefined);
  return where.length > 0 ? `${where.join(', ')}: ${init.reason}` : init.reason;
}

/** Something a tolerant reader skipped or reinterpreted; the message was still accepted. */
export interface XmlWarning {
  line: number;
  element: string;
  reason: string;
}
