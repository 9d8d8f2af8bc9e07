import fc from 'fast-check';
import { ValidationError } from '../../core/errors';
// The tree the writer must reproduce is the one `xml inspect` prints, so it is built by the
// OpenTravel mappers' genericTree, not by a copy of it here.
import { genericTree, type GenericXmlNode as PrintedNode } from '../opentravel';
import { renderGenericTree, type GenericXmlNode } from './generic-tree';
import { parseXml } from './parse';

const readBack = (xml: string) => {
  const root = parseXml(xml);
  return { tree: genericTree(root), namespace: root.namespace };
};

// The two declarations must stay interchangeable: what inspect prints is what the writer takes.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const printedIsRenderable: Same<PrintedNode, GenericXmlNode> = true;

const OTA_NS = 'http://www.opentravel.org/OTA/2003/05';

describe('renderGenericTree', () => {
  it('writes the root namespace, attributes in order, text and children in document order', () => {
    const tree: GenericXmlNode = {
      name: 'OTA_HotelRatePlanRQ',
      attributes: { Version: '1.0', EchoToken: 'x' },
      children: [
        { name: 'RatePlans', children: [{ name: 'RatePlan', attributes: { RatePlanCode: 'A' } }, { name: 'Description', text: 'first' }, { name: 'RatePlan', attributes: { RatePlanCode: 'B' } }] },
      ],
    };
    const xml = renderGenericTree(tree, { namespace: OTA_NS });
    expect(xml).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        `<OTA_HotelRatePlanRQ xmlns="${OTA_NS}" Version="1.0" EchoToken="x">`,
        '  <RatePlans>',
        '    <RatePlan RatePlanCode="A"/>',
        '    <Description>first</Description>',
        '    <RatePlan RatePlanCode="B"/>',
        '  </RatePlans>',
        '</OTA_HotelRatePlanRQ>',
        '',
      ].join('\n'),
    );
    expect(readBack(xml)).toEqual({ tree, namespace: OTA_NS });
    expect(printedIsRenderable).toBe(true);
  });

  it('escapes &, <, >, " in text and attribute values, so content never becomes markup', () => {
    const hostile = `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>&e; ]]> "q" &amp;`;
    const tree: GenericXmlNode = { name: 'OTA_PingRQ', attributes: { EchoToken: hostile }, children: [{ name: 'EchoData', text: hostile }] };
    const xml = renderGenericTree(tree);
    expect(xml).not.toMatch(/<!|&e;|\]\]>/);
    expect(xml).toContain('<EchoData>&lt;!DOCTYPE x [&lt;!ENTITY e SYSTEM &quot;file:///etc/passwd&quot;&gt;]&gt;&amp;e; ]]&gt; &quot;q&quot; &amp;amp;</EchoData>');
    expect(readBack(xml).tree).toEqual(tree);
  });

  it('keeps what the reader keeps but raw XML would lose: a CR in text, whitespace at the ends of an attribute value', () => {
    // Both reach a tree through character references (&#13;, &#32;, &#160;) in what a partner sent.
    const source = '<OTA_X A="&#32;padded&#160;" B="tab&#9;and&#10;newline"><Note>line&#13;next</Note></OTA_X>';
    const tree = genericTree(parseXml(source));
    expect(tree).toEqual({ name: 'OTA_X', attributes: { A: ' padded\u00a0', B: 'tab\tand\nnewline' }, children: [{ name: 'Note', text: 'line\rnext' }] });
    expect(readBack(renderGenericTree(tree)).tree).toEqual(tree);
  });

  it('refuses names that are not XML names without prefix, naming each by JSON pointer', () => {
    const tree: GenericXmlNode = {
      name: '!DOCTYPE x',
      attributes: { 'ota:Code': '1', xmlns: 'urn:x', 'a/b': '' },
      children: [{ name: 'Ok' }, { name: 'bad name' }],
    };
    let error: unknown;
    try {
      renderGenericTree(tree);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.pointer)).toEqual(['/name', '/attributes/ota:Code', '/attributes/xmlns', '/attributes/a~1b', '/children/1/name']);
  });

  it('drops characters XML 1.0 cannot carry instead of writing a document no parser accepts', () => {
    const xml = renderGenericTree({ name: 'A', attributes: { B: 'x\u0000y' }, text: 'p\u0001q' });
    expect(readBack(xml).tree).toEqual({ name: 'A', attributes: { B: 'xy' }, text: 'pq' });
  });

  // Names from a small alphabet (fast-xml-parser refuses or renames JavaScript names such as
  // `constructor` or `toString`, so those are left out); text and values from characters that
  // need escaping, whitespace that the reader trims, references spelled literally and non-ASCII.
  const elementName = fc.constantFrom('OTA_A', 'B', 'RatePlan', 'x-y', '_z', 'a.b', 'Größe', '名前');
  const attributeName = fc.constantFrom('Code', 'a', 'b-c', 'x.y', '_d', 'Ä', 'Start');
  const piece = fc.constantFrom('&', '<', '>', '"', "'", ' ', '\t', '\n', '\r', '\u00a0', '\ufeff', ';', '#', 'x', 'é', '😀', ']]>', '&amp;', '&#60;', '<!DOCTYPE a>', '<!--', '-->', '<?pi?>', '0');
  const value = fc.string({ unit: piece, maxLength: 12 });

  /** A tree in the shape genericTree prints: empty parts left out, text trimmed as the reader trims it. */
  const node: fc.Memo<GenericXmlNode> = fc.memo((depth) =>
    fc
      .record({
        name: elementName,
        attributes: fc.dictionary(attributeName, value, { maxKeys: 4 }),
        text: value,
        children: depth > 1 ? fc.array(node(depth - 1), { maxLength: 4 }) : fc.constant<GenericXmlNode[]>([]),
      })
      .map(({ name, attributes, text, children }): GenericXmlNode => ({
        name,
        ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
        ...(text.trim() !== '' ? { text: text.trim() } : {}),
        ...(children.length > 0 ? { children } : {}),
      })),
  );

  // Namespaces are real-world URIs: parse.ts takes xmlns values as written, without decoding
  // references, so a namespace spelled with &amp; would read back differently (escaping one is
  // still right; the reader is the side that would need the change).
  it('property: any generic tree → render → hardened parse → genericTree gives the same tree and namespace', () => {
    fc.assert(
      fc.property(node(4), fc.option(fc.constantFrom(OTA_NS, 'http://www.alpinebits.org/', 'urn:x-partner:ota'), { nil: undefined }), (tree, namespace) => {
        const xml = renderGenericTree(tree, namespace !== undefined ? { namespace } : {});
        expect(xml).not.toMatch(/<!/);
        expect(readBack(xml)).toEqual({ tree, namespace });
      }),
      { numRuns: 300 },
    );
  });
});
