import { describe, expect, it } from 'vitest';
import {
  redactDeep,
  redactSecrets,
  sanitizeCause,
  secretFormsOf,
  serverResponseExcerpt,
} from '../../../src/errors/secret-redaction.js';

const username = 'alice@example.test';
const password = 'canary-Pa55w0rd!';
const secrets = secretFormsOf(username, password);
const saslPlain = Buffer.from(`\u0000${username}\u0000${password}`).toString('base64');

describe('secret redaction', () => {
  it('removes the password and its SASL PLAIN form', () => {
    const text = `LOGIN ${username} ${password} / AUTHENTICATE PLAIN ${saslPlain}`;
    const redacted = redactSecrets(text, secrets);
    expect(redacted).not.toContain(password);
    expect(redacted).not.toContain(saslPlain);
    expect(redacted).toContain(username);
  });

  it('makes a one-line, capped excerpt of a server response', () => {
    const excerpt = serverResponseExcerpt(
      `  NO [ALERT]\r\n  bad\tpassword ${password}\u0000 ${'x'.repeat(500)}`,
      secrets,
    );
    expect(excerpt).toMatch(/^NO \[ALERT\] bad password \[REDACTED\] x+…$/);
    expect(excerpt?.length).toBe(200);
    expect(serverResponseExcerpt(' \r\n ', secrets)).toBeUndefined();
  });

  it('rebuilds a cause with the diagnostic fields only, redacted', () => {
    const original = Object.assign(new Error(`Command failed for ${password}`), {
      code: 'X',
      responseText: `echo ${password}`,
      executedCommand: `1 LOGIN ${username} ${password}`,
      socket: { secret: password },
    });
    const cause = sanitizeCause(original, secrets);
    const everything = JSON.stringify({ ...cause, message: cause.message, stack: cause.stack });
    expect(everything).not.toContain(password);
    expect(cause).toMatchObject({ code: 'X', responseText: 'echo [REDACTED]' });
    expect(cause).not.toHaveProperty('executedCommand');
    expect(cause).not.toHaveProperty('socket');
  });
});

describe('redaction by value, whatever the transformation', () => {
  // A TAB, a quote, a backslash, non-ASCII and an ampersand: every escaping scheme changes this one.
  const tricky = 'Tr1cky\t"Pa\\ss"-wörd&Co';
  const user = 'bob@example.test';
  const forms = secretFormsOf(user, tricky);
  const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  const imapQuoted = tricky.replace(/[\\"]/g, '\\$&');

  // The base64 of what precedes the password in a blob stays (it is the user name): at most this many
  // characters of it, plus 2 that mix in the password's first bits.
  const prefixChars = (prefix: string) => Math.ceil((Buffer.byteLength(prefix) * 8) / 6) + 2;
  it.each([
    ['as typed', tricky],
    ['lower-cased', tricky.toLowerCase()],
    ['upper-cased', tricky.toUpperCase()],
    ['IMAP-quoted', imapQuoted],
    ['JSON-escaped', JSON.stringify(tricky).slice(1, -1)],
    ['JSON-escaped with \\u escapes for non-ASCII', 'Tr1cky\\t\\"Pa\\\\ss\\"-w\\u00f6rd&Co'],
    ['JSON-escaped IMAP-quoted', JSON.stringify(imapQuoted).slice(1, -1)],
    ['with the TAB folded to a space', tricky.replace('\t', ' ')],
    // RFC 3501 §5.1.3: TAB (U+0009) and ö (U+00F6) are encoded as UTF-16BE in base64, & as &-.
    ['in modified UTF-7 (a mailbox name)', 'Tr1cky&AAk-"Pa\\ss"-w&APY-rd&-Co'],
    ['percent-encoded', encodeURIComponent(tricky)],
    ['base64 (AUTH=LOGIN)', base64(tricky)],
    ['base64, lower-cased (a case-folding echo)', base64(tricky).toLowerCase()],
    ['base64 SASL PLAIN', base64(`\0${user}\0${tricky}`), prefixChars(`\0${user}\0`)],
    [
      'base64 SASL PLAIN with another authorization identity',
      base64(`admin\0${user}\0${tricky}`),
      prefixChars(`admin\0${user}\0`),
    ],
    [
      'base64 SASL PLAIN with another user name, one byte shorter',
      base64(`\0bo@example.test\0${tricky}`),
      prefixChars(`\0bo@example.test\0`),
    ],
  ])('removes it %s', (_name, form, kept = 0) => {
    const redacted = redactSecrets(`NO [ALERT] echo <${form}> done`, forms);
    expect(redacted).toMatch(/^NO \[ALERT\] echo <.*\[REDACTED\].*> done$/);
    // Nothing of the password survives: what is left around [REDACTED] is at most a few characters
    // (padding, or a base64 character mixing the password's first bits with the user name's).
    const [before = '', ...after] = redacted
      .replace('NO [ALERT] echo <', '')
      .replace('> done', '')
      .split('[REDACTED]');
    expect(before.length).toBeLessThanOrEqual(Math.max(kept, 3));
    for (const piece of after) expect(piece.length).toBeLessThanOrEqual(3);
  });

  it('removes it from a server excerpt whose whitespace was rewritten', () => {
    const excerpt = serverResponseExcerpt(`NO bad ${tricky.replace('\t', '  ')}`, forms);
    expect(excerpt).toBe('NO bad [REDACTED]');
  });

  it('redacts every string of plain data, keys included, without touching the original', () => {
    const data = {
      mailboxes: [{ path: `Archive/${tricky.toLowerCase()}`, inRange: 3 }],
      [tricky]: null,
      warnings: [{ message: `saw ${base64(tricky)}` }],
    };
    const redacted = redactDeep(data, forms);
    expect(JSON.stringify(redacted)).not.toMatch(/Tr1cky|VHIxY2t5/i);
    expect(redacted.mailboxes[0]).toEqual({ path: 'Archive/[REDACTED]', inRange: 3 });
    expect(data.mailboxes[0]?.path).toContain('tr1cky');
  });

  it('leaves text without the secret unchanged', () => {
    const text = 'OK [CAPABILITY IMAP4rev1] Logged in as bob@example.test';
    expect(redactSecrets(text, forms)).toBe(text);
    expect(redactSecrets(text, [])).toBe(text);
  });
});
