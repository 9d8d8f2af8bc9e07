/**
 * RFC 5545 §3.1 content lines: folding, unfolding, TEXT escaping and `NAME;PARAM=v:value` splitting.
 * Pure string work, shared by the writer and the reader.
 */

export const CRLF = '\r\n';
/** A content line may hold at most 75 octets, not counting the line break (§3.1). */
export const MAX_LINE_OCTETS = 75;

/** Thrown for input that is not an iCalendar stream at all, or is broken beyond a lenient reading. */
export class IcalParseError extends Error {
  readonly code = 'ical-invalid';
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line !== undefined ? `line ${line}: ${message}` : message);
    this.name = 'IcalParseError';
  }
}

/**
 * Folds one logical line into physical lines of at most 75 octets, each continuation starting with
 * a space (which counts towards its 75). Splits only between code points, never inside a UTF-8
 * sequence, because a consumer that decodes per physical line would otherwise see broken characters.
 */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    if (octets + size > MAX_LINE_OCTETS) {
      out.push(current);
      current = ' ';
      octets = 1;
    }
    current += char;
    octets += size;
  }
  out.push(current);
  return out.join(CRLF);
}

/**
 * Joins folded lines back (§3.1: a line break followed by one space or tab is removed). Bare LF line
 * breaks are accepted too: many real feeds are served with them.
 */
export function unfoldLines(text: string): Array<{ text: string; line: number }> {
  const physical = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const logical: Array<{ text: string; line: number }> = [];
  physical.forEach((raw, index) => {
    const last = logical[logical.length - 1];
    if ((raw.startsWith(' ') || raw.startsWith('\t')) && last) last.text += raw.slice(1);
    else logical.push({ text: raw.replace(/\r$/, ''), line: index + 1 });
  });
  return logical.filter((l) => l.text.trim() !== '');
}

/** TEXT value escaping (§3.3.11). */
export function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

export function unescapeText(value: string): string {
  return value.replace(/\\([\\;,nN:])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

export interface ContentLine {
  /** Upper-cased property name, e.g. DTSTART. */
  name: string;
  /** Upper-cased parameter names → values (quotes removed; multiple values joined with ","). */
  params: Record<string, string>;
  /** The raw value, still escaped for TEXT properties. */
  value: string;
  line: number;
}

const NAME = /^[A-Za-z0-9-]+$/;

/**
 * Splits `NAME;P1=a;P2="x:y":value`. The value starts at the first colon outside a quoted parameter
 * value, since a TZID or ALTREP may itself contain colons.
 */
export function parseContentLine(text: string, line: number): ContentLine {
  let i = 0;
  while (i < text.length && text[i] !== ';' && text[i] !== ':') i++;
  const name = text.slice(0, i);
  if (!NAME.test(name)) throw new IcalParseError(`not a content line: ${JSON.stringify(text.slice(0, 60))}`, line);
  const params: Record<string, string> = {};
  while (text[i] === ';') {
    i++;
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new IcalParseError(`parameter without "=" in ${name}`, line);
    const paramName = text.slice(i, eq).toUpperCase();
    i = eq + 1;
    const values: string[] = [];
    for (;;) {
      if (text[i] === '"') {
        const close = text.indexOf('"', i + 1);
        if (close < 0) throw new IcalParseError(`unterminated quoted parameter ${paramName}`, line);
        values.push(text.slice(i + 1, close));
        i = close + 1;
      } else {
        let j = i;
        while (j < text.length && text[j] !== ';' && text[j] !== ':' && text[j] !== ',') j++;
        values.push(text.slice(i, j));
        i = j;
      }
      if (text[i] !== ',') break;
      i++;
    }
    params[paramName] = values.map(decodeCaret).join(',');
  }
  if (text[i] !== ':') throw new IcalParseError(`missing ":" after ${name}`, line);
  return { name: name.toUpperCase(), params, value: text.slice(i + 1), line };
}

/** RFC 6868 caret encoding in parameter values: ^n newline, ^' double quote, ^^ caret. */
function decodeCaret(value: string): string {
  return value.replace(/\^([n'^])/g, (_m, c: string) => (c === 'n' ? '\n' : c === "'" ? '"' : '^'));
}

/** Renders one property; parameter values with `:;,` are quoted (§3.2). */
export function renderContentLine(name: string, value: string, params: Record<string, string> = {}): string {
  const paramText = Object.entries(params)
    .map(([k, v]) => `;${k}=${/[:;,]/.test(v) ? `"${v.replace(/"/g, "^'")}"` : v}`)
    .join('');
  return foldLine(`${name}${paramText}:${value}`);
}
