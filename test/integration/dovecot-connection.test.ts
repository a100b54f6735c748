import net from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ConnectionTestResult, ImapConnector, type ImapConnectorConfigInput } from '../../src/index.js';
import { activeHandleCount, expectHandlesReleased } from '../harness/active-handles.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import { createMailUser, type DovecotEndpoint, type MailUser } from '../harness/dovecot/dovecot-server.js';

describeWithDovecot('testConnection against a real Dovecot', () => {
  let server: DovecotEndpoint;
  let user: MailUser;
  const logs: string[] = [];
  const logger = {
    debug: (entry: unknown) => logs.push(JSON.stringify(entry)),
    info: (entry: unknown) => logs.push(JSON.stringify(entry)),
    warn: (entry: unknown) => logs.push(JSON.stringify(entry)),
    error: (entry: unknown) => logs.push(JSON.stringify(entry)),
  };

  beforeAll(() => {
    server = sharedDovecot();
    user = createMailUser(server, 'connect');
  });

  afterAll(() => {
    // Every result, error and debug-level protocol line of this file: the password is in none.
    for (const line of logs) expect(line).not.toContain(user.password);
  });

  async function test(config: Partial<ImapConnectorConfigInput>): Promise<ConnectionTestResult> {
    const connector = new ImapConnector(
      {
        host: server.host,
        port: server.tlsPort,
        username: user.username,
        password: user.password,
        tls: { ca: server.caPem },
        ...config,
      },
      { logger },
    );
    const baseline = activeHandleCount();
    const result = await connector.testConnection();
    await expectHandlesReleased(baseline);
    for (const text of [
      JSON.stringify(result),
      inspect(result, { depth: 10 }),
      inspect(connector),
      JSON.stringify(connector),
    ]) {
      expect(text).not.toContain(user.password);
    }
    logs.push(JSON.stringify(result));
    return result;
  }

  it('authenticates over implicit TLS with the server CA passed as tls.ca', async () => {
    const result = await test({ security: 'tls' });
    expect(result).toMatchObject({
      ok: true,
      message: `Authenticated as ${user.username}`,
      authenticatedAs: user.username,
      insecure: false,
      server: { security: 'tls', greeting: 'Dovecot test server (standard) ready.' },
    });
    if (!result.ok) return;
    expect(result.capabilities).toEqual(expect.arrayContaining(['IMAP4REV1', 'SPECIAL-USE', 'ESEARCH']));
    expect(result.mailboxes).toEqual(
      expect.arrayContaining([
        { role: 'sent', path: 'Sent', source: 'special-use' },
        { role: 'drafts', path: 'Drafts', source: 'special-use' },
        { role: 'junk', path: 'Junk', source: 'special-use' },
        { role: 'trash', path: 'Trash', source: 'special-use' },
        { role: 'archive', path: 'Archive', source: 'special-use' },
      ]),
    );
  });

  it('authenticates over STARTTLS and never logs in before the upgrade', async () => {
    const result = await test({ port: server.plainPort, security: 'starttls' });
    expect(result).toMatchObject({ ok: true, server: { security: 'starttls' } });
    if (!result.ok) return;
    const startTls = result.commands.indexOf('STARTTLS');
    const login = result.commands.findIndex((command) => command === 'AUTHENTICATE' || command === 'LOGIN');
    expect(startTls).toBeGreaterThanOrEqual(0);
    expect(login).toBeGreaterThan(startTls);
  });

  it('sends no command a connection test does not need (no ID, COMPRESS, ENABLE)', async () => {
    const result = await test({ security: 'tls' });
    if (!result.ok) throw new Error(result.message);
    expect(result.commands).not.toContain('ID');
    expect(result.commands).not.toContain('COMPRESS');
    expect(result.commands).not.toContain('ENABLE');
    expect(result.commands.at(-1)).toBe('LOGOUT');
  });

  it('rejects the self-signed chain when the CA is not passed', async () => {
    const result = await test({ security: 'tls', tls: {} });
    expect(result).toMatchObject({ ok: false, code: 'CERTIFICATE_UNTRUSTED', retryable: false });
    if (!result.ok) expect(result.fix).toMatch(/Bridge/);
  });

  it('accepts the untrusted chain only with the loudly named opt-out', async () => {
    const result = await test({ security: 'tls', tls: { rejectUnauthorized: false } });
    expect(result).toMatchObject({ ok: true });
  });

  it('reports a certificate issued for another name', async () => {
    const result = await test({ security: 'tls', tls: { ca: server.caPem, servername: 'imap.example.org' } });
    expect(result).toMatchObject({ ok: false, code: 'CERTIFICATE_HOSTNAME_MISMATCH' });
  });

  it('maps a wrong password to the docs row "HTTP 401: AUTHENTICATIONFAILED"', async () => {
    // A user of its own: Dovecot delays the next logins of an account after a failed one.
    const victim = createMailUser(server, 'wrong-password');
    const result = await test({
      security: 'tls',
      username: victim.username,
      password: `${victim.password}-wrong`,
    });
    expect(result).toMatchObject({
      ok: false,
      code: 'AUTHENTICATION_FAILED',
      message: 'HTTP 401: AUTHENTICATIONFAILED',
      httpStatus: 401,
      retryable: false,
    });
    expect(JSON.stringify(result)).not.toContain(victim.password);
  });

  it('maps a closed port to the docs row "Connection refused"', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const result = await test({ port: closedPort, security: 'tls' });
    expect(result).toMatchObject({ ok: false, code: 'CONNECTION_REFUSED', message: 'Connection refused' });
  });

  it('reports TLS spoken to the STARTTLS port as a TLS handshake failure naming the port mix-up', async () => {
    const result = await test({ port: server.plainPort, security: 'tls' });
    expect(result).toMatchObject({ ok: false, code: 'TLS_HANDSHAKE_FAILED' });
    if (!result.ok) expect(result.fix).toMatch(/STARTTLS|143/);
  });

  it('reports STARTTLS (plaintext) spoken to the implicit-TLS port as a greeting timeout naming TLS', async () => {
    const result = await test({
      port: server.tlsPort,
      security: 'starttls',
      timeouts: { greetingMs: 1_000, testConnectionMs: 5_000 },
    });
    expect(result).toMatchObject({ ok: false, code: 'GREETING_TIMEOUT' });
    if (!result.ok) expect(result.fix).toMatch(/TLS/);
  });

  it('reports LOGINDISABLED when plaintext login is refused to a remote client', async () => {
    const result = await test({ host: server.remoteHost, port: server.plainPort, security: 'none' });
    expect(result).toMatchObject({ ok: false, code: 'LOGIN_DISABLED', retryable: false });
  });

  it('logs in without encryption only when chosen, and says the connection was insecure', async () => {
    const result = await test({ port: server.plainPort, security: 'none' });
    expect(result).toMatchObject({ ok: true, insecure: true });
  });
});
