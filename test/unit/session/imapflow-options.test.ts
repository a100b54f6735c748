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
    expect(options.auth).toEqual({ user: 'u', pass: 'resolved' });
  });
});
