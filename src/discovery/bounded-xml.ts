// A small XML reader for untrusted autoconfig files: bounded, linear, no DTD and no entity expansion.
//
// Written by hand rather than taken from a library because the schema is tiny (elements, attributes,
// text) and the safe subset is easy to state: a DOCTYPE or any other `<!` declaration is refused, only
// the five predefined entities and character references are decoded, and depth and element count are
// capped. Every scan is an indexOf or a sticky regex on a short token, so time is linear in the input,
// which the caller has already bounded in size.

/** An element: its name, attributes, child elements and the concatenated text directly inside it. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  readonly text: string;
}

/** The result of {@link parseBoundedXml}: the root element, or why the document was refused. */
export type XmlParseResult =
  | { readonly ok: true; readonly root: XmlElement }
  | { readonly ok: false; readonly reason: string };

/** Caps that keep a hostile document cheap. */
export interface XmlLimits {
  /** Deepest nesting. Default 16 (autoconfig files nest 5 deep). */
  readonly maxDepth: number;
  /** Most elements in the document. Default 2 000 (the largest ISPDB file has about 200). */
  readonly maxElements: number;
  /** Most attributes on one element. Default 16. */
  readonly maxAttributes: number;
}

/** The default {@link XmlLimits}. */
export const defaultXmlLimits: XmlLimits = { maxDepth: 16, maxElements: 2_000, maxAttributes: 16 };

interface MutableElement {
  name: string;
  attributes: Map<string, string>;
  children: MutableElement[];
  text: string;
}

const NAME = /[A-Za-z_][\w.:-]*/y;
const SPACE = /[ \t\r\n]*/y;
const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
};

class XmlRefused extends Error {}

/**
 * Parses a document of the autoconfig kind. Never expands entities, never fetches anything, never throws.
 *
 * @param text - The document (already bounded in size by the caller).
 * @param limits - Depth, element and attribute caps.
 * @returns The root element, or the reason the document was refused.
 */
export function parseBoundedXml(text: string, limits: XmlLimits = defaultXmlLimits): XmlParseResult {
  try {
    return { ok: true, root: parseDocument(text, limits) };
  } catch (error) {
    if (error instanceof XmlRefused) return { ok: false, reason: error.message };
    throw error;
  }
}

function parseDocument(text: string, limits: XmlLimits): XmlElement {
  const stack: MutableElement[] = [];
  let root: MutableElement | undefined;
  let elementCount = 0;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const textEnd = lt === -1 ? text.length : lt;
    if (textEnd > i) appendText(stack, decodeEntities(text.slice(i, textEnd)));
    if (lt === -1) break;
    i = lt;
    if (text.startsWith('<!--', i)) {
      i = endOf(text, '-->', i + 4, 'an unterminated comment');
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end === -1) throw new XmlRefused('an unterminated CDATA section');
      appendText(stack, text.slice(i + 9, end));
      i = end + 3;
    } else if (text.startsWith('<!', i)) {
      throw new XmlRefused('a DOCTYPE or entity declaration (not allowed)');
    } else if (text.startsWith('<?', i)) {
      i = endOf(text, '?>', i + 2, 'an unterminated processing instruction');
    } else if (text.startsWith('</', i)) {
      const name = readName(text, i + 2);
      const close = endOf(text, '>', i + 2 + name.length, 'an unterminated end tag');
      if (text.slice(i + 2 + name.length, close - 1).trim() !== '')
        throw new XmlRefused('a malformed end tag');
      const open = stack.pop();
      if (open?.name !== name) throw new XmlRefused(`</${name}> does not close <${open?.name ?? ''}>`);
      i = close;
    } else {
      const element: MutableElement = {
        name: readName(text, i + 1),
        attributes: new Map(),
        children: [],
        text: '',
      };
      elementCount += 1;
      if (elementCount > limits.maxElements) throw new XmlRefused(`more than ${limits.maxElements} elements`);
      const parent = stack.at(-1);
      if (parent === undefined) {
        if (root !== undefined) throw new XmlRefused('more than one root element');
        root = element;
      } else {
        parent.children.push(element);
      }
      const { end, selfClosing } = readAttributes(text, i + 1 + element.name.length, element, limits);
      i = end;
      if (!selfClosing) {
        stack.push(element);
        if (stack.length > limits.maxDepth) throw new XmlRefused(`nesting deeper than ${limits.maxDepth}`);
      }
    }
  }
  if (stack.length > 0) throw new XmlRefused(`<${stack.at(-1)?.name ?? ''}> is not closed`);
  if (root === undefined) throw new XmlRefused('no root element');
  return root;
}

function endOf(text: string, terminator: string, from: number, what: string): number {
  const at = text.indexOf(terminator, from);
  if (at === -1) throw new XmlRefused(what);
  return at + terminator.length;
}

function readName(text: string, at: number): string {
  NAME.lastIndex = at;
  const match = NAME.exec(text);
  if (match === null) throw new XmlRefused('a malformed tag');
  return match[0];
}

function skipSpace(text: string, at: number): number {
  SPACE.lastIndex = at;
  SPACE.exec(text);
  return SPACE.lastIndex;
}

function readAttributes(
  text: string,
  from: number,
  element: MutableElement,
  limits: XmlLimits,
): { end: number; selfClosing: boolean } {
  let i = from;
  for (;;) {
    const afterSpace = skipSpace(text, i);
    if (text.startsWith('/>', afterSpace)) return { end: afterSpace + 2, selfClosing: true };
    if (text.startsWith('>', afterSpace)) return { end: afterSpace + 1, selfClosing: false };
    // An attribute must be separated from the name or the previous attribute by white space.
    if (afterSpace === i) throw new XmlRefused(`a malformed <${element.name}> tag`);
    const name = readName(text, afterSpace);
    let at = skipSpace(text, afterSpace + name.length);
    if (text[at] !== '=') throw new XmlRefused(`attribute ${name} has no value`);
    at = skipSpace(text, at + 1);
    const quote = text[at];
    if (quote !== '"' && quote !== "'") throw new XmlRefused(`attribute ${name} is not quoted`);
    const close = text.indexOf(quote, at + 1);
    if (close === -1) throw new XmlRefused(`attribute ${name} is not terminated`);
    const value = text.slice(at + 1, close);
    if (value.includes('<')) throw new XmlRefused(`attribute ${name} contains <`);
    if (element.attributes.has(name)) throw new XmlRefused(`attribute ${name} appears twice`);
    element.attributes.set(name, decodeEntities(value));
    if (element.attributes.size > limits.maxAttributes) {
      throw new XmlRefused(`more than ${limits.maxAttributes} attributes on <${element.name}>`);
    }
    i = close + 1;
  }
}

function appendText(stack: MutableElement[], chunk: string): void {
  const current = stack.at(-1);
  if (current === undefined) {
    if (chunk.trim() !== '') throw new XmlRefused('text outside the root element');
    return;
  }
  current.text += chunk;
}

// XML 1.0 §4.6: only these five entities exist without a DTD, and DTDs are refused.
function decodeEntities(raw: string): string {
  if (!raw.includes('&')) return raw;
  let out = '';
  let i = 0;
  for (;;) {
    const amp = raw.indexOf('&', i);
    if (amp === -1) return out + raw.slice(i);
    out += raw.slice(i, amp);
    const semicolon = raw.indexOf(';', amp);
    // The longest legal reference is &#x10FFFF; (10 characters).
    if (semicolon === -1 || semicolon - amp > 10) throw new XmlRefused('a bare & (not escaped as &amp;)');
    const name = raw.slice(amp + 1, semicolon);
    out += decodeReference(name);
    i = semicolon + 1;
  }
}

function decodeReference(name: string): string {
  const predefined = PREDEFINED_ENTITIES[name];
  if (predefined !== undefined) return predefined;
  const code = /^#x[0-9a-f]{1,6}$/i.test(name)
    ? Number.parseInt(name.slice(2), 16)
    : /^#[0-9]{1,7}$/.test(name)
      ? Number.parseInt(name.slice(1), 10)
      : undefined;
  if (code === undefined) throw new XmlRefused(`the undeclared entity &${name};`);
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
    throw new XmlRefused(`the invalid character reference &${name};`);
  }
  return String.fromCodePoint(code);
}

/**
 * The child elements of `element` named `name`.
 *
 * @param element - The parent.
 * @param name - The child name.
 * @returns The children in document order.
 */
export function childrenNamed(element: XmlElement, name: string): readonly XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

/**
 * The trimmed text of the first child named `name`.
 *
 * @param element - The parent.
 * @param name - The child name.
 * @returns The text, or `undefined` when there is no such child.
 */
export function childText(element: XmlElement, name: string): string | undefined {
  return element.children.find((child) => child.name === name)?.text.trim();
}
