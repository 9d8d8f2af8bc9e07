/**
 * The one place XML text becomes a tree. Everything partners send goes through here, so this is
 * where hostile input is stopped: no DTDs (hence no entity expansion, no XML bombs, no external
 * entities), a size limit checked before any parsing, and a depth limit checked by a linear scan
 * before the parser (whose tree building recurses) ever sees the text.
 */
import { TextDecoder } from 'node:util';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { XmlMessageError, type XmlProblem } from './errors';

export { XmlMessageError, type XmlProblem, type XmlWarning } from './errors';

export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 64;
/** A 5 MB availability push has ~70 000 elements; a flood of tiny ones is refused before it costs seconds. */
export const DEFAULT_MAX_ELEMENTS = 250_000;
/** OpenTravel elements have a few dozen attributes at most. */
const MAX_ATTRIBUTES_PER_ELEMENT = 256;

export interface ParseXmlOptions {
  /** Largest accepted message in bytes (UTF-8). Default 5 MB, the same as TIDEWATER_MAX_BODY. */
  maxBytes?: number;
  /** Deepest accepted element nesting (at most 256). OpenTravel hotel messages stay well under 20. */
  maxDepth?: number;
  /** Most elements accepted in one message. */
  maxElements?: number;
}

export interface XmlElement {
  /** Local name: any namespace prefix is dropped, since partners use arbitrary ones (or none). */
  readonly name: string;
  readonly prefix?: string;
  /** Namespace URI the element is in, resolved from the xmlns declarations in scope. */
  readonly namespace?: string;
  /** Attributes by local name; namespace declarations and xsi:* attributes are left out. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own text (CDATA included), trimmed; entity references decoded. */
  readonly text: string;
  /** 1-based line of the start tag. */
  readonly line: number;
}

const MAX_NESTED_TAGS = 256;
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Entities are decoded by decodeEntities below, in one pass: letting the parser decode `&amp;`
  // first would turn `&amp;#60;` into `<` on the second pass.
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  captureMetaData: true,
  maxNestedTags: MAX_NESTED_TAGS,
});
const METADATA = XMLParser.getMetaDataSymbol();

/**
 * Parses one XML document into an element tree with line numbers.
 * Throws XmlMessageError (with line and element where known) for anything that is not one
 * well-formed element tree within the limits.
 */
export function parseXml(input: string | Uint8Array, options: ParseXmlOptions = {}): XmlElement {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = Math.min(options.maxDepth ?? DEFAULT_MAX_DEPTH, MAX_NESTED_TAGS);
  const text = normalizeNewlines(stripBom(typeof input === 'string' ? checkStringSize(input, maxBytes) : decodeBytes(input, maxBytes)));

  const firstMarkup = text.search(/\S/);
  if (firstMarkup < 0 || text[firstMarkup] !== '<') {
    throw fail('not-xml', firstMarkup < 0 ? 'the message is empty' : 'not an XML document (it does not start with "<")', {
      line: firstMarkup < 0 ? 1 : lineAt(text, firstMarkup),
    });
  }
  scanMarkup(text, maxDepth, options.maxElements ?? DEFAULT_MAX_ELEMENTS);

  const verdict = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (verdict !== true) {
    const { line, col, msg } = verdict.err;
    const element = elementAt(text, line, col);
    throw fail('malformed', `not well-formed XML: ${msg}`, { line, ...(element ? { element } : {}) });
  }

  let nodes: unknown;
  try {
    nodes = parser.parse(text);
  } catch (error) {
    throw fail('malformed', `not well-formed XML: ${(error as Error).message}`, {});
  }
  const lines = lineStarts(text);
  const roots = asNodeList(nodes).filter((node) => elementNameOf(node) !== undefined);
  if (roots.length !== 1) {
    const second = roots[1];
    throw fail('malformed', `an XML document has exactly one root element; found ${roots.length}`, {
      ...(second ? { line: lineOfNode(second, lines), element: localName(elementNameOf(second) ?? '') } : {}),
    });
  }
  return toElement(roots[0] as FxpNode, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]), lines);
}

// ---------------------------------------------------------------------------------------------
// Navigation helpers for the mappers. Names are local names; a reader never cares about prefixes.

export function childElements(element: XmlElement, name?: string): XmlElement[] {
  return name === undefined ? [...element.children] : element.children.filter((c) => c.name === name);
}

export function childElement(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

/** An attribute's value, trimmed; undefined when absent or blank (partners send `Code=""` for "none"). */
export function attribute(element: XmlElement, name: string): string | undefined {
  const value = element.attributes[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** Builds an XmlMessageError located at `element`. */
export function errorAt(element: XmlElement, problem: XmlProblem, reason: string, codes: { otaType?: string; otaCode?: string } = {}): XmlMessageError {
  return new XmlMessageError({ problem, reason, line: element.line, element: element.name, ...codes });
}

// ---------------------------------------------------------------------------------------------

function fail(problem: XmlProblem, reason: string, where: { line?: number; element?: string }): XmlMessageError {
  return new XmlMessageError({ problem, reason, ...where });
}

function checkStringSize(text: string, maxBytes: number): string {
  // Every UTF-16 code unit is at least one UTF-8 byte: the length alone rejects most oversized
  // input without walking it.
  if (text.length > maxBytes || Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw fail('too-large', `the message is larger than ${formatBytes(maxBytes)}`, {});
  }
  return text;
}

function decodeBytes(bytes: Uint8Array, maxBytes: number): string {
  if (bytes.byteLength > maxBytes) throw fail('too-large', `the message is larger than ${formatBytes(maxBytes)}`, {});
  // A UTF-16 message announces itself with a byte order mark; otherwise the XML declaration names
  // the encoding (and XML's default is UTF-8). Some PMSs still send ISO-8859-1.
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1];
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(declared ?? 'utf-8', { fatal: true });
  } catch {
    throw fail('not-xml', `unsupported character encoding "${declared ?? ''}"`, { line: 1 });
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw fail('not-xml', `the message is not valid ${decoder.encoding}`, {});
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** XML 1.0 §2.11: CR LF and lone CR become LF, so line numbers match what the sender's editor shows. */
function normalizeNewlines(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/**
 * One linear pass over the markup: refuses DTDs and counts nesting depth, elements and attributes
 * per element (a flood of tiny elements costs far more to build than its bytes suggest). Quotes are tracked
 * inside tags because an attribute value may contain `>`. Whatever is not well-formed is left for
 * the validator to describe; this pass only has to be cheap and never be fooled into allowing
 * a DOCTYPE or a deep tree through.
 */
function scanMarkup(text: string, maxDepth: number, maxElements: number): void {
  const n = text.length;
  let depth = 0;
  let elements = 0;
  let i = 0;
  while (i < n) {
    const lt = text.indexOf('<', i);
    if (lt < 0) return;
    const next = text.charCodeAt(lt + 1);
    if (next === 33 /* ! */) {
      if (text.startsWith('<!--', lt)) {
        const end = text.indexOf('-->', lt + 4);
        if (end < 0) return;
        i = end + 3;
        continue;
      }
      if (text.startsWith('<![CDATA[', lt)) {
        const end = text.indexOf(']]>', lt + 9);
        if (end < 0) return;
        i = end + 3;
        continue;
      }
      const keyword = /^<!\s*([A-Za-z]+)/.exec(text.slice(lt, lt + 40))?.[1]?.toUpperCase();
      if (keyword === 'DOCTYPE' || keyword === 'ENTITY' || keyword === 'ELEMENT' || keyword === 'ATTLIST') {
        throw fail('doctype-forbidden', `${keyword} declarations are not accepted: OpenTravel messages never need a DTD, and entity expansion is how XML bombs work`, {
          line: lineAt(text, lt),
        });
      }
      i = lt + 2;
      continue;
    }
    if (next === 63 /* ? */) {
      const end = text.indexOf('?>', lt + 2);
      if (end < 0) return;
      i = end + 2;
      continue;
    }
    if (next === 47 /* / */) {
      if (depth > 0) depth--;
      i = lt + 2;
      continue;
    }
    let j = lt + 1;
    let quote = 0;
    let attributes = 0;
    for (; j < n; j++) {
      const c = text.charCodeAt(j);
      if (quote !== 0) {
        if (c === quote) quote = 0;
      } else if (c === 34 || c === 39) {
        quote = c;
        attributes++;
      } else if (c === 62 /* > */) {
        break;
      }
    }
    if (j >= n) return;
    if (++elements > maxElements) {
      throw fail('too-large', `the message has more than ${maxElements} elements`, { line: lineAt(text, lt) });
    }
    if (attributes > MAX_ATTRIBUTES_PER_ELEMENT) {
      const name = /^<([^\s/>]+)/.exec(text.slice(lt, lt + 200))?.[1];
      throw fail('too-large', `an element has more than ${MAX_ATTRIBUTES_PER_ELEMENT} attributes`, {
        line: lineAt(text, lt),
        ...(name ? { element: localName(name) } : {}),
      });
    }
    if (text.charCodeAt(j - 1) !== 47 /* / */) {
      depth++;
      if (depth > maxDepth) {
        const name = /^<([^\s/>]+)/.exec(text.slice(lt, lt + 200))?.[1];
        throw fail('too-deep', `elements are nested more than ${maxDepth} levels deep`, {
          line: lineAt(text, lt),
          ...(name ? { element: localName(name) } : {}),
        });
      }
    }
    i = j + 1;
  }
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineOf(offset: number, starts: readonly number[]): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** The element whose tag covers the validator's error position, so the error can name it. */
function elementAt(text: string, line: number, col: number | undefined): string | undefined {
  const starts = lineStarts(text);
  const lineStart = starts[line - 1];
  if (lineStart === undefined) return undefined;
  const offset = Math.min(text.length, lineStart + Math.max(0, (col ?? 1) - 1));
  const lt = text.lastIndexOf('<', offset);
  if (lt < 0) return undefined;
  const name = /^<\/?([A-Za-z_][\w.:-]*)/.exec(text.slice(lt, lt + 200))?.[1];
  return name ? localName(name) : undefined;
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${bytes} bytes`;
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon < 0 ? qualified : qualified.slice(colon + 1);
}

// ---------------------------------------------------------------------------------------------
// fast-xml-parser's preserveOrder output: [{ tagName: [children], ':@': {attrs} }, { '#text': '…' }]

type FxpNode = Record<string, unknown>;

function asNodeList(value: unknown): FxpNode[] {
  return Array.isArray(value) ? value.filter((v): v is FxpNode => typeof v === 'object' && v !== null) : [];
}

function elementNameOf(node: FxpNode): string | undefined {
  return Object.keys(node).find((key) => key !== ':@' && key !== '#text');
}

function lineOfNode(node: FxpNode, lines: readonly number[]): number {
  const meta = (node as Record<symbol, { startIndex?: number } | undefined>)[METADATA as symbol];
  return meta?.startIndex !== undefined ? lineOf(meta.startIndex, lines) : 1;
}

function toElement(node: FxpNode, inScope: ReadonlyMap<string, string>, lines: readonly number[]): XmlElement {
  const qualified = elementNameOf(node) ?? '';
  const rawAttributes = node[':@'] as Record<string, unknown> | undefined;
  const attributeNames = rawAttributes ? Object.keys(rawAttributes) : [];
  // The scope is copied only where a declaration changes it: most elements declare nothing.
  let scope = inScope;
  for (const key of attributeNames) {
    if (key !== 'xmlns' && !key.startsWith('xmlns:')) continue;
    if (scope === inScope) scope = new Map(inScope);
    (scope as Map<string, string>).set(key === 'xmlns' ? '' : key.slice(6), String(rawAttributes?.[key]));
  }
  const colon = qualified.indexOf(':');
  const prefix = colon < 0 ? '' : qualified.slice(0, colon);
  const namespace = scope.get(prefix) || undefined;

  const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const key of attributeNames) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) continue;
    const attrColon = key.indexOf(':');
    if (attrColon >= 0) {
      const attrNs = scope.get(key.slice(0, attrColon));
      if (attrNs === XSI_NS || attrNs === XMLNS_NS) continue;
    }
    attributes[localName(key)] = decodeEntities(String(rawAttributes?.[key]));
  }

  const children: XmlElement[] = [];
  let text = '';
  const content = node[qualified];
  if (Array.isArray(content)) {
    for (const child of content as unknown[]) {
      if (typeof child !== 'object' || child === null) continue;
      const childNode = child as FxpNode;
      if ('#text' in childNode) text = text === '' ? String(childNode['#text']) : `${text} ${String(childNode['#text'])}`;
      else if (elementNameOf(childNode) !== undefined) children.push(toElement(childNode, scope, lines));
    }
  }
  const element: { -readonly [K in keyof XmlElement]: XmlElement[K] } = {
    name: colon < 0 ? qualified : qualified.slice(colon + 1),
    attributes,
    children,
    text: text === '' ? '' : decodeEntities(text).trim(),
    line: lineOfNode(node, lines),
  };
  if (prefix) element.prefix = prefix;
  if (namespace) element.namespace = namespace;
  return element;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** The five predefined entities and character references; anything else is left as written. */
function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref.startsWith('#x') ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    return PREDEFINED[ref] ?? whole;
  });
}
