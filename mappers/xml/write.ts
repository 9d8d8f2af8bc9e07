/**
 * A deliberately small XML writer: elements, attributes in the order given, escaped text. What we
 * emit must validate against the OpenTravel XSDs, whose sequences are order-sensitive, so the
 * mappers spell out every element in schema order rather than serialising an object graph.
 */

export type XmlAttributeValue = string | number | boolean | undefined;

export interface XmlNode {
  name: string;
  attributes?: Record<string, XmlAttributeValue>;
  children?: ReadonlyArray<XmlNode | undefined | false>;
  text?: string;
}

export function xmlElement(
  name: string,
  attributes: Record<string, XmlAttributeValue> = {},
  children: ReadonlyArray<XmlNode | undefined | false> = [],
): XmlNode {
  return { name, attributes, children };
}

/** Serialises `root` as a UTF-8 document with an XML declaration, indented by two spaces. */
export function renderXmlDocument(root: XmlNode): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  write(root, 0, out);
  return out.join('');
}

function write(node: XmlNode, depth: number, out: string[]): void {
  const indent = '  '.repeat(depth);
  let open = `${indent}<${node.name}`;
  for (const [key, value] of Object.entries(node.attributes ?? {})) {
    if (value === undefined) continue;
    open += ` ${key}="${escapeAttribute(String(value))}"`;
  }
  const children = (node.children ?? []).filter((c): c is XmlNode => Boolean(c));
  const text = node.text ?? '';
  if (children.length === 0 && text === '') {
    out.push(`${open}/>\n`);
    return;
  }
  if (children.length === 0) {
    out.push(`${open}>${escapeText(text)}</${node.name}>\n`);
    return;
  }
  out.push(`${open}>\n`);
  if (text !== '') out.push(`${indent}  ${escapeText(text)}\n`);
  for (const child of children) write(child, depth + 1, out);
  out.push(`${indent}</${node.name}>\n`);
}

function escapeText(value: string): string {
  return stripInvalidChars(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(value: string): string {
  // Newlines and tabs are escaped because attribute-value normalisation would turn them into spaces.
  return stripInvalidChars(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

/** Characters XML 1.0 cannot carry at all, not even as references (NUL, most C0 controls, lone surrogates). */
function stripInvalidChars(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
}
