import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { childText, parseBoundedXml, type XmlElement } from '../../../src/discovery/bounded-xml.js';

function root(text: string): XmlElement {
  const parsed = parseBoundedXml(text);
  if (!parsed.ok) throw new Error(`expected a document, got: ${parsed.reason}`);
  return parsed.root;
}

function reason(text: string, limits?: Parameters<typeof parseBoundedXml>[1]): string {
  const parsed = parseBoundedXml(text, limits);
  if (parsed.ok) throw new Error('expected the document to be refused');
  return parsed.reason;
}

describe('parseBoundedXml reads', () => {
  it('elements, attributes, text, comments, CDATA, a BOM and the XML declaration', () => {
    const document = root(
      '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><a x="1" y=\'two\'>\n  <b>hi</b><c/><d><![CDATA[<raw & text>]]></d>\n</a>\n',
    );
    expect(document.name).toBe('a');
    expect([...document.attributes]).toEqual([
      ['x', '1'],
      ['y', 'two'],
    ]);
    expect(document.children.map((child) => child.name)).toEqual(['b', 'c', 'd']);
    expect(childText(document, 'b')).toBe('hi');
    expect(childText(document, 'd')).toBe('<raw & text>');
  });

  it.each([
    ['&lt;&gt;&amp;&quot;&apos;', `<>&"'`],
    ['&#65;&#x42;&#x1F600;', 'AB😀'],
    ['Wells &amp; Known', 'Wells & Known'],
  ])('decodes %s', (encoded, decoded) => {
    expect(root(`<a t="${encoded}">${encoded}</a>`).text).toBe(decoded);
    expect(root(`<a t="${encoded}"/>`).attributes.get('t')).toBe(decoded);
  });
});

describe('parseBoundedXml refuses', () => {
  it.each([
    ['<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', 'a DOCTYPE or entity declaration (not allowed)'],
    ['<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>', 'a DOCTYPE or entity declaration (not allowed)'],
    ['<a>&x;</a>', 'the undeclared entity &x;'],
    ['<a>fish & chips</a>', 'a bare & (not escaped as &amp;)'],
    ['<a>&#0;</a>', 'the invalid character reference &#0;'],
    ['<a>&#xD800;</a>', 'the invalid character reference &#xD800;'],
    ['<a><b></a>', '</a> does not close <b>'],
    ['<a>', '<a> is not closed'],
    ['<a/><b/>', 'more than one root element'],
    ['text', 'text outside the root element'],
    ['', 'no root element'],
    ['<a x=1/>', 'attribute x is not quoted'],
    ['<a x="1" x="2"/>', 'attribute x appears twice'],
    ['<a x="1"y="2"/>', 'a malformed <a> tag'],
    ['<a x="<"/>', 'attribute x contains <'],
    ['<a><!-- never closed </a>', 'an unterminated comment'],
    ['<a><![CDATA[ never closed</a>', 'an unterminated CDATA section'],
    ['< a/>', 'a malformed tag'],
  ])('%j: %s', (text, expected) => {
    expect(reason(text)).toBe(expected);
  });

  it('nesting deeper than the limit, without recursing', () => {
    const deep = '<a>'.repeat(100_000);
    expect(reason(deep)).toBe('nesting deeper than 16');
  });

  it('more elements than the limit', () => {
    expect(reason(`<a>${'<b/>'.repeat(2_001)}</a>`)).toBe('more than 2000 elements');
  });

  it('more attributes than the limit', () => {
    const attributes = Array.from({ length: 17 }, (_, index) => `a${index}="x"`).join(' ');
    expect(reason(`<a ${attributes}/>`)).toBe('more than 16 attributes on <a>');
  });

  it('works in time linear in the input on pathological documents', () => {
    // Many unclosed quotes, ampersands and open tags: each would be quadratic for a backtracking reader.
    const inputs = [
      `<a b="${'x'.repeat(1_000_000)}`,
      `<a>${'&'.repeat(500_000)}</a>`,
      `<a>${'<!--'.repeat(200_000)}`,
    ];
    const started = performance.now();
    for (const input of inputs) parseBoundedXml(input);
    // Generous: well under a second on a loaded machine, where quadratic would take minutes.
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('parseBoundedXml on arbitrary input', () => {
  it('never throws and, when it accepts, returns a root element', () => {
    const xmlish = fc.stringMatching(/^[<>/!?&;#x\-[\]A-Za-z0-9 ="']{0,60}$/);
    fc.assert(
      fc.property(fc.oneof(fc.string(), xmlish), (text) => {
        const parsed = parseBoundedXml(text);
        if (parsed.ok) expect(parsed.root.name.length).toBeGreaterThan(0);
        else expect(parsed.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 2_000 },
    );
  });
});
