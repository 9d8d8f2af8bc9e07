import { TextEncoder } from 'node:util';
import { DEFAULT_MAX_BYTES, attribute, childElement, parseXml, XmlMessageError } from './parse';
import { xmlErrorOf } from '../opentravel/testing';

describe('parseXml', () => {
  it('reads elements, attributes, text and line numbers, dropping prefixes and namespace declarations', () => {
    const root = parseXml(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!-- a comment -->',
        '<ota:Root xmlns:ota="http://www.opentravel.org/OTA/2003/05" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
        '          xsi:schemaLocation="x y" Code="A &amp; B &#233;&#x41;">',
        '  <ota:Child Name="one">text &lt;here&gt; <![CDATA[<raw>]]></ota:Child>',
        '  <Other/>',
        '</ota:Root>',
      ].join('\n'),
    );
    expect(root).toMatchObject({ name: 'Root', prefix: 'ota', namespace: 'http://www.opentravel.org/OTA/2003/05', line: 3 });
    expect({ ...root.attributes }).toEqual({ Code: 'A & B éA' });
    const child = childElement(root, 'Child');
    expect(child).toMatchObject({ name: 'Child', line: 5, namespace: 'http://www.opentravel.org/OTA/2003/05' });
    expect(child?.text).toBe('text <here> <raw>');
    expect(childElement(root, 'Other')).toMatchObject({ line: 6 });
    expect(childElement(root, 'Other')?.namespace).toBeUndefined();
  });

  it('does not decode twice (&amp;#60; stays &#60;)', () => {
    expect(attribute(parseXml('<a v="&amp;#60;"/>'), 'v')).toBe('&#60;');
  });

  it('counts lines the way the sender sees them, whatever the line endings', () => {
    const crOnly = '<?xml version="1.0"?>\r\r<Root>\r  <Child/>\r</Root>';
    expect(childElement(parseXml(crOnly), 'Child')?.line).toBe(4);
    const crlf = '<Root>\r\n\r\n  <Child/>\r\n</Root>';
    expect(childElement(parseXml(crlf), 'Child')?.line).toBe(3);
  });

  it('decodes bytes by BOM or declared encoding', () => {
    const latin1 = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a n="Caf\xe9"/>', 'latin1');
    expect(attribute(parseXml(latin1), 'n')).toBe('Café');
    const utf8 = new TextEncoder().encode('\ufeff<a n="Café"/>');
    expect(attribute(parseXml(utf8), 'n')).toBe('Café');
  });

  it('refuses what is not XML', () => {
    expect(xmlErrorOf(() => parseXml('{"updates": []}'))).toMatchObject({ problem: 'not-xml', line: 1 });
    expect(xmlErrorOf(() => parseXml('   '))).toMatchObject({ problem: 'not-xml' });
    expect(xmlErrorOf(() => parseXml(''))).toBeInstanceOf(XmlMessageError);
  });

  it('says where malformed XML breaks: line, element and reason', () => {
    const error = xmlErrorOf(() => parseXml('<Root>\n  <Inventory>\n    <InvCounts>\n  </Inventory>\n</Root>'));
    expect(error).toMatchObject({ problem: 'malformed', line: 4, element: 'Inventory', otaType: '12', otaCode: '450' });
    expect(error.reason).toMatch(/Expected closing tag 'InvCounts'/);
    expect(error.message).toMatch(/^line 4, element <Inventory>: not well-formed XML/);

    expect(xmlErrorOf(() => parseXml('<Root>\n<Count Value="1" Value="2"/>\n</Root>'))).toMatchObject({ problem: 'malformed', line: 2, element: 'Count' });
    expect(xmlErrorOf(() => parseXml('<a/><b/>'))).toMatchObject({ problem: 'malformed', element: 'b' });
    expect(xmlErrorOf(() => parseXml('<a>\n<b>\n'))).toMatchObject({ problem: 'malformed' });
  });

  it('refuses DOCTYPE and ENTITY declarations before any expansion: a billion laughs costs nothing', () => {
    const bomb = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE lolz [',
      ' <!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
      ']>',
      '<lolz>&lol9;</lolz>',
    ].join('\n');
    const started = process.hrtime.bigint();
    expect(xmlErrorOf(() => parseXml(bomb))).toMatchObject({ problem: 'doctype-forbidden', line: 2 });
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(50);

    const external = '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<r>&xxe;</r>';
    expect(xmlErrorOf(() => parseXml(external))).toMatchObject({ problem: 'doctype-forbidden' });
    // A stray declaration after the root is refused too, not skipped.
    expect(xmlErrorOf(() => parseXml('<r/>\n<!ENTITY x "y">'))).toMatchObject({ problem: 'doctype-forbidden', line: 2 });
  });

  it('does not mistake a DOCTYPE inside a comment or CDATA for one', () => {
    const root = parseXml('<r><!-- <!DOCTYPE x> --><c><![CDATA[<!ENTITY y "z">]]></c></r>');
    expect(childElement(root, 'c')?.text).toBe('<!ENTITY y "z">');
  });

  it('refuses input larger than the limit before parsing', () => {
    const nested = '<a>'.repeat(Math.ceil(DEFAULT_MAX_BYTES / 3) + 1);
    expect(Buffer.byteLength(nested)).toBeGreaterThan(DEFAULT_MAX_BYTES);
    const started = Date.now();
    expect(xmlErrorOf(() => parseXml(nested))).toMatchObject({ problem: 'too-large' });
    expect(xmlErrorOf(() => parseXml(Buffer.from(nested)))).toMatchObject({ problem: 'too-large' });
    expect(xmlErrorOf(() => parseXml('<a>éé</a>', { maxBytes: 10 }))).toMatchObject({ problem: 'too-large' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses nesting deeper than the limit, naming where, even just under the size limit', () => {
    const depth = Math.floor((DEFAULT_MAX_BYTES - 100) / 7);
    const deep = '<a>'.repeat(depth) + '</a>'.repeat(depth);
    expect(Buffer.byteLength(deep)).toBeLessThanOrEqual(DEFAULT_MAX_BYTES);
    const started = Date.now();
    expect(xmlErrorOf(() => parseXml(deep))).toMatchObject({ problem: 'too-deep', line: 1, element: 'a' });
    expect(Date.now() - started).toBeLessThan(1000);

    const ok = '<a>'.repeat(64) + '</a>'.repeat(64);
    expect(parseXml(ok).name).toBe('a');
    expect(xmlErrorOf(() => parseXml(`<a>${ok}</a>`))).toMatchObject({ problem: 'too-deep' });
    // A `>` inside an attribute value must not fool the depth count.
    expect(parseXml('<a b="x/>y"><c/></a>').children).toHaveLength(1);
  });

  it('refuses floods of elements or attributes that would cost seconds to build', () => {
    const started = Date.now();
    expect(xmlErrorOf(() => parseXml(`<a>${'<b/>'.repeat(1_200_000)}</a>`))).toMatchObject({ problem: 'too-large', reason: 'the message has more than 250000 elements' });
    const attributes = Array.from({ length: 300 }, (_, i) => `a${i}="1"`).join(' ');
    expect(xmlErrorOf(() => parseXml(`<r>\n<a ${attributes}/></r>`))).toMatchObject({ problem: 'too-large', line: 2, element: 'a' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(parseXml(`<a>${'<b/>'.repeat(1000)}</a>`, { maxElements: 1001 }).children).toHaveLength(1000);
  });
});
