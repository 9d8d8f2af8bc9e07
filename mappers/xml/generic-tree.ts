/**
 * The writing half of the generic tree `tidewater xml inspect` prints for messages without a
 * domain form (mappers/opentravel `genericTree`): turns that tree back into XML, so that parsing
 * the result gives the same tree.
 *
 * The tree is what the hardened reader (parse.ts) keeps, and only that round-trips: local names
 * (prefixes dropped), attributes without namespace declarations or xsi:*, each element's own text
 * trimmed, children in document order. Elements are written unprefixed in the root's namespace,
 * which is all the tree can say: it records no per-element namespace.
 *
 * Not written through write.ts, the mappers' writer, because its escaping loses two things the
 * reader keeps: a CR in text (`&#13;`, which a raw CR would turn into LF) and whitespace at the
 * ends of an attribute value (`&#32;`, which the reader's trim would drop if written raw). The
 * domain renderers never produce either; a partner's message can.
 */
import { ValidationError, type FieldError } from '../../core/errors';

/** One element of the generic tree `xml inspect` prints for any message (mappers/opentravel re-exports it). */
export interface GenericXmlNode {
  name: string;
  attributes?: Record<string, string>;
  text?: string;
  children?: GenericXmlNode[];
}

export interface RenderGenericTreeOptions {
  /** Default namespace of the root element (what inspect reports as `namespace`). */
  namespace?: string;
}

// XML 1.0 (5th edition) NameStartChar / NameChar without ':' (an NCName): a tree holds local
// names, and a colon would smuggle in a prefix the tree never declared.
const NAME_START = 'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NCNAME = new RegExp(`^[${NAME_START}][${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*$`, 'u');

/**
 * Serialises a generic tree as a UTF-8 document, indented by two spaces like the domain
 * renderers' output. Text and attribute values are always escaped, so content can never become
 * markup; names are checked, because a name is the one thing copied verbatim: a tree edited by
 * hand (or built from a partner's JSON) must not be able to open a DOCTYPE, a comment or an entity
 * declaration. Throws ValidationError naming every bad field by JSON pointer.
 */
export function renderGenericTree(tree: GenericXmlNode, options: RenderGenericTreeOptions = {}): string {
  const errors: FieldError[] = [];
  checkNames(tree, '', errors);
  if (errors.length > 0) throw new ValidationError(errors);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  write(tree, 0, options.namespace !== undefined ? ` xmlns="${escapeAttribute(options.namespace)}"` : '', out);
  return out.join('');
}

function checkNames(node: GenericXmlNode, pointer: string, errors: FieldError[]): void {
  if (!NCNAME.test(node.name)) errors.push({ pointer: `${pointer}/name`, detail: `${JSON.stringify(node.name)} is not an XML element name without prefix` });
  for (const name of Object.keys(node.attributes ?? {})) {
    // `xmlns` would be a namespace declaration, which the reader drops rather than keeps: the
    // root's namespace is an option, not an attribute.
    const where = `${pointer}/attributes/${escapePointer(name)}`;
    if (name === 'xmlns') errors.push({ pointer: where, detail: 'a namespace declaration, not an attribute: the root namespace is given as an option' });
    else if (!NCNAME.test(name)) errors.push({ pointer: where, detail: `${JSON.stringify(name)} is not an XML attribute name without prefix` });
  }
  (node.children ?? []).forEach((child, i) => checkNames(child, `${pointer}/children/${i}`, errors));
}

function write(node: GenericXmlNode, depth: number, declarations: string, out: string[]): void {
  const indent = '  '.repeat(depth);
  let open = `${indent}<${node.name}${declarations}`;
  for (const [name, value] of Object.entries(node.attributes ?? {})) open += ` ${name}="${escapeAttribute(value)}"`;
  const children = node.children ?? [];
  const text = node.text ?? '';
  if (children.length === 0) {
    out.push(text === '' ? `${open}/>\n` : `${open}>${escapeText(text)}</${node.name}>\n`);
    return;
  }
  // The reader trims each element's text and joins its pieces, so text put before the children,
  // on its own indented line, reads back the same wherever it stood in the source.
  out.push(`${open}>\n`);
  if (text !== '') out.push(`${indent}  ${escapeText(text)}\n`);
  for (const child of children) write(child, depth + 1, '', out);
  out.push(`${indent}</${node.name}>\n`);
}

function escapeText(value: string): string {
  return stripInvalidChars(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\r/g, '&#13;');
}

function escapeAttribute(value: string): string {
  // Tab, LF and CR as references: attribute-value normalisation turns raw ones into spaces.
  // Whitespace at either end as references too: the reader trims raw whitespace there (JS trim,
  // whose set is exactly what \s matches) but keeps what a reference spells out.
  return stripInvalidChars(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/^\s+|\s+$/g, (run) => [...run].map(charReference).join(''))
    .replace(/[\t\n\r]/g, charReference);
}

const charReference = (c: string): string => `&#${c.codePointAt(0) ?? 0};`;

/** Characters XML 1.0 cannot carry at all, not even as references (NUL, most C0 controls, lone surrogates). */
function stripInvalidChars(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
}

/** RFC 6901: `~` and `/` in a key are escaped so the pointer still names one field. */
function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
