import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/index.js';
import { silentLogger } from '../../../src/logger.js';
import { imapFlowOptionsOf } from '../../../src/session/imapflow-options.js';

describe('imapFlowOptionsOf: transport security', () => {
  const validated = validateConfig({
    host: 'imap.example.com',
    username: 'u',
    password: async () => 'from-the-vault',
    security: 'starttls',
  });
  if (!validated.ok) throw new Error('invalid fixture');
  const options = imapFlowOptionsOf(validated.config, 'resolved', silentLogger, 'count');

  it('refuses anything older than TLS 1.2 and checks certificates by default', () => {
    expect(options.tls).toMatchObject({ minVersion: 'TLSv1.2', rejectUnauthorized: true });
  });

  it('requires the STARTTLS upgrade on a STARTTLS port (never a plaintext fallback)', () => {
    expect(options.doSTARTTLS).toBe(true);
  });

  it('logs in with the password resolved for this connection', () => {
    expect(options.auth).toMatchObject({ user: 'u', pass: 'resolved' });
  });
});

describe('imapFlowOptionsOf: login command', () => {
  const validated = validateConfig({ host: 'imap.example.com', username: 'u', password: 'x' });
  if (!validated.ok) throw new Error('invalid fixture');
  const { config } = validated;

  it.each([
    ['printable ASCII', 'u', 'p@ss w0rd!', 'LOGIN'],
    ['quotes and backslashes (escaped in a quoted string)', 'u', 'a"b\\c', 'LOGIN'],
    ['an 8-bit password (UTF-8 in a quoted string needs UTF8=ACCEPT)', 'u', 'grüße', undefined],
    ['an 8-bit username', 'jürgen', 'plain', undefined],
    ['a control character (a quoted string cannot carry it)', 'u', 'tab\there', undefined],
  ])('%s → %s', (_name, username, password, loginMethod) => {
    const options = imapFlowOptionsOf({ ...config, username }, password, silentLogger, 'test');
    expect(options.auth?.loginMethod).toBe(loginMethod);
  });
});
