import fc from 'fast-check';
import { escapeText, foldLine, IcalParseError, parseContentLine, renderContentLine, unescapeText, unfoldLines } from './content-lines';

const octets = (s: string) => Buffer.byteLength(s, 'utf8');

describe('folding (RFC 5545 §3.1)', () => {
  it('leaves a line of 75 octets alone and folds the 76th octet onto a continuation line', () => {
    expect(foldLine('x'.repeat(75))).toBe('x'.repeat(75));
    expect(foldLine('x'.repeat(76))).toBe(`${'x'.repeat(75)}\r\n x`);
  });

  it('counts the leading space of a continuation line towards its 75 octets', () => {
    const folded = foldLine('y'.repeat(75 + 74 + 3)).split('\r\n');
    expect(folded.map(octets)).toEqual([75, 75, 4]);
  });

  it('never splits a multi-byte UTF-8 character', () => {
    // 74 ASCII + "é" (2 octets) would be 76: the é moves to the next line whole.
    const folded = foldLine('a'.repeat(74) + 'é' + '漢字'.repeat(40)).split('\r\n');
    expect(folded[0]).toBe('a'.repeat(74));
    for (const line of folded) {
      expect(octets(line)).toBeLessThanOrEqual(75);
      expect(line).not.toContain('\uFFFD');
    }
  });

  it('round-trips any line through fold and unfold, with every physical line at most 75 octets', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }).filter((s) => !/[\r\n]/.test(s) && s.trim() !== ''), (line) => {
        const folded = foldLine(line);
        for (const physical of folded.split('\r\n')) expect(octets(physical)).toBeLessThanOrEqual(75);
        expect(unfoldLines(folded).map((l) => l.text)).toEqual([line]);
      }),
    );
  });

  it('unfolds CRLF and bare LF continuations (space or tab), keeps line numbers, drops blank lines and a BOM', () => {
    const text = '\uFEFFBEGIN:VCALENDAR\r\nDESCRIPTION:one\r\n  two\n\tthree\r\n\r\nEND:VCALENDAR\n';
    expect(unfoldLines(text)).toEqual([
      { text: 'BEGIN:VCALENDAR', line: 1 },
      { text: 'DESCRIPTION:one twothree', line: 2 },
      { text: 'END:VCALENDAR', line: 6 },
    ]);
  });
});

describe('TEXT escaping', () => {
  it.each([
    ['a,b;c\\d', 'a\\,b\\;c\\\\d'],
    ['line 1\nline 2', 'line 1\\nline 2'],
    ['plain', 'plain'],
  ])('%j ⇄ %j', (raw, escaped) => {
    expect(escapeText(raw)).toBe(escaped);
    expect(unescapeText(escaped)).toBe(raw);
  });

  it('reads \\N as a newline and the common non-standard \\: as a colon', () => {
    expect(unescapeText('a\\Nb\\:c')).toBe('a\nb:c');
  });

  it('round-trips any text', () => {
    fc.assert(fc.property(fc.string(), (s) => expect(unescapeText(escapeText(s))).toBe(s.replace(/\r\n/g, '\n'))));
  });
});

describe('content lines', () => {
  it('splits name, parameters and value at the first colon outside quotes', () => {
    expect(parseContentLine('DTSTART;TZID="America/New_York":20270301T150000', 3)).toEqual({
      name: 'DTSTART',
      params: { TZID: 'America/New_York' },
      value: '20270301T150000',
      line: 3,
    });
    expect(parseContentLine('attach;FMTTYPE=text/plain;X-A="a:b;c",d:http://x.test/a:b', 1)).toEqual({
      name: 'ATTACH',
      params: { FMTTYPE: 'text/plain', 'X-A': 'a:b;c,d' },
      value: 'http://x.test/a:b',
      line: 1,
    });
  });

  it("decodes RFC 6868 caret escapes in parameter values", () => {
    expect(parseContentLine("X-A;CN=say ^'hi^'^nnow ^^:v", 1).params.CN).toBe('say "hi"\nnow ^');
  });

  it.each(['no colon here', ':value', 'BAD NAME:x', 'DTSTART;TZID:x', 'X;A="open:x'])('refuses %j', (line) => {
    expect(() => parseContentLine(line, 7)).toThrow(IcalParseError);
    expect(() => parseContentLine(line, 7)).toThrow(/line 7/);
  });

  it('quotes parameter values that contain separators and folds long lines when rendering', () => {
    expect(renderContentLine('DTSTART', '20270301T150000', { TZID: 'Europe/Berlin' })).toBe('DTSTART;TZID=Europe/Berlin:20270301T150000');
    expect(renderContentLine('X', 'v', { P: 'a:b' })).toBe('X;P="a:b":v');
    const long = renderContentLine('DESCRIPTION', 'z'.repeat(200));
    expect(long.split('\r\n').every((l) => octets(l) <= 75)).toBe(true);
  });
});
