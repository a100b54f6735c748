import { describe, expect, it } from 'vitest';
import {
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
