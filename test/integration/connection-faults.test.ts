import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConnectionTestFailure, ImapConnector, type ImapConnectorConfigInput } from '../../src/index.js';
import { activeHandleCount, expectHandlesReleased } from '../harness/active-handles.js';
import type { FaultScenario } from '../harness/fault-scenarios.js';
import { type FaultServer, startFaultServer } from '../harness/fault-server.js';

// A unique canary: if it shows up anywhere in a result, an error or a log line, a secret leaked.
const password = `canary-${process.pid}-Pw!`;
const fastTimeouts = {
  connectMs: 2_000,
  greetingMs: 600,
  loginMs: 800,
  commandMs: 800,
  testConnectionMs: 5_000,
};

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function testAgainst(
  scenario: FaultScenario,
  overrides: Partial<ImapConnectorConfigInput> = {},
): Promise<{ result: ConnectionTestFailure; logs: string[] }> {
  server = await startFaultServer(scenario);
  const logs: string[] = [];
  const record = (entry: unknown) => logs.push(JSON.stringify(entry));
  const connector = new ImapConnector(
    {
      host: server.host,
      port: server.port,
      username: 'alice@example.test',
      password,
      security: 'none',
      timeouts: fastTimeouts,
      ...overrides,
    },
    { logger: { debug: record, info: record, warn: record, error: record } },
  );
  const baseline = activeHandleCount();
  const result = await connector.testConnection();
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  await server.close();
  server = undefined;
  await expectHandlesReleased(baseline);
  for (const text of [JSON.stringify(result), inspect(result, { depth: 10 }), ...logs, inspect(connector)]) {
    expect(text).not.toContain(password);
  }
  return { result, logs };
}

describe('testConnection against a misbehaving server', () => {
  it.each([
    ['accept-and-stall', { kind: 'accept-and-stall' }, 'GREETING_TIMEOUT', 'greeting'],
    [
      'greeting-then-stall-after-login',
      { kind: 'greeting-then-stall-after-login' },
      'LOGIN_TIMEOUT',
      'login',
    ],
    [
      'login-ok-then-stall',
      { kind: 'login-ok-then-stall', keepAnswering: ['CAPABILITY', 'ID', 'NAMESPACE'] },
      'COMMAND_TIMEOUT',
      'command',
    ],
    ['reset-on-connect', { kind: 'reset-on-connect' }, 'CONNECTION_RESET', undefined],
    ['reset-on-login', { kind: 'reset-on-login' }, 'CONNECTION_RESET', 'login'],
    ['bye-on-connect', { kind: 'bye-on-connect' }, 'SERVER_CLOSED_CONNECTION', undefined],
    ['bye-on-login', { kind: 'bye-on-login' }, 'SERVER_CLOSED_CONNECTION', 'login'],
    ['logindisabled without STARTTLS', { kind: 'logindisabled' }, 'LOGIN_DISABLED', undefined],
  ] as const)('%s → %s', async (_name, scenario, code, phase) => {
    const startedAt = Date.now();
    const { result } = await testAgainst(scenario);
    expect(result).toMatchObject({ ok: false, code });
    if (phase) expect(result.detail.phase).toBe(phase);
    expect(Date.now() - startedAt).toBeLessThan(fastTimeouts.testConnectionMs);
  });

  it('says the server closed the connection in its own words', async () => {
    const { result } = await testAgainst({ kind: 'bye-on-login' });
    expect(result.message).toBe('The server closed the connection: Too many connections from your IP');
    expect(result.retryable).toBe(true);
  });

  it.each([
    ['smtp-greeting', 'smtp'],
    ['ssh-banner', 'ssh'],
    ['garbage-greeting', 'unknown'],
  ] as const)('recognises a %s as not IMAP (%s)', async (kind, protocol) => {
    const { result } = await testAgainst({ kind });
    expect(result).toMatchObject({ code: 'NOT_IMAP_SERVER', detail: { detectedProtocol: protocol } });
  });

  it('times out on an HTTP server, which waits for the client to speak first', async () => {
    const { result } = await testAgainst({ kind: 'http-server' });
    expect(result.code).toBe('GREETING_TIMEOUT');
  });
});

describe('testConnection maps login refusals (RFC 5530) to the catalog', () => {
  it.each([
    [
      'NO [AUTHENTICATIONFAILED] Authentication failed.',
      'AUTHENTICATION_FAILED',
      'HTTP 401: AUTHENTICATIONFAILED',
    ],
    ['NO Invalid login or password', 'CREDENTIALS_REJECTED', 'HTTP 401: Invalid login or password'],
    ['NO [UNAVAILABLE] Temporary authentication failure', 'ACCOUNT_UNAVAILABLE', 'HTTP 503: UNAVAILABLE'],
    ['NO [CONTACTADMIN] Account locked', 'CONTACT_ADMIN', 'HTTP 403: CONTACTADMIN'],
    ['NO [EXPIRED] Password expired', 'CREDENTIALS_EXPIRED', 'HTTP 401: EXPIRED'],
    ['NO [PRIVACYREQUIRED] TLS required', 'PRIVACY_REQUIRED', 'HTTP 403: PRIVACYREQUIRED'],
    ['NO [LIMIT] Too many sessions', 'TOO_MANY_CONNECTIONS', 'HTTP 429: too many connections'],
    ['NO [INUSE] Mailbox locked', 'TOO_MANY_CONNECTIONS', 'HTTP 429: too many connections'],
    ['NO [AUTHORIZATIONFAILED] Not yours', 'AUTHORIZATION_FAILED', 'HTTP 403: AUTHORIZATIONFAILED'],
  ] as const)('%s → %s', async (response, code, message) => {
    const { result } = await testAgainst({ kind: 'login-response', response });
    expect(result).toMatchObject({ code, message, detail: { phase: 'login' } });
  });

  it('keeps the server excerpt one line, capped, and free of the password', async () => {
    const { result } = await testAgainst({
      kind: 'login-response',
      response: `NO Wrong password ${password}\t${'x'.repeat(400)}`,
    });
    expect(result.code).toBe('CREDENTIALS_REJECTED');
    expect(result.message).toMatch(/^HTTP 401: Wrong password \[REDACTED\] x+…$/);
    expect(result.message.length).toBeLessThanOrEqual('HTTP 401: '.length + 200);
  });
});

describe('testConnection never sends the password in clear text when STARTTLS is required', () => {
  it('fails with STARTTLS_NOT_SUPPORTED when the server does not offer it, before any login', async () => {
    const { result } = await testAgainst({ kind: 'no-starttls' }, { security: 'starttls' });
    expect(result.code).toBe('STARTTLS_NOT_SUPPORTED');
    expect(server?.loginAttempts() ?? 0).toBe(0);
  });

  it('fails with STARTTLS_FAILED when the server refuses the upgrade, before any login', async () => {
    server = await startFaultServer({ kind: 'starttls-refused' });
    const connector = new ImapConnector({
      host: server.host,
      port: server.port,
      username: 'alice@example.test',
      password,
      security: 'starttls',
      timeouts: fastTimeouts,
    });
    const result = await connector.testConnection();
    expect(result).toMatchObject({ ok: false, code: 'STARTTLS_FAILED' });
    expect(server.loginAttempts()).toBe(0);
  });
});

describe('testConnection deadlines and cancellation', () => {
  it('resolves ABORTED well under a second after the caller aborts, with nothing left open', async () => {
    server = await startFaultServer({ kind: 'accept-and-stall' });
    const connector = new ImapConnector({
      host: server.host,
      port: server.port,
      username: 'alice@example.test',
      password,
      security: 'none',
    });
    const baseline = activeHandleCount();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const startedAt = Date.now();
    const result = await connector.testConnection({ signal: controller.signal });
    expect(result).toMatchObject({ ok: false, code: 'ABORTED', httpStatus: 499 });
    expect(Date.now() - startedAt).toBeLessThan(600);
    await server.close();
    server = undefined;
    await expectHandlesReleased(baseline);
  });

  it('answers an already-aborted signal without connecting', async () => {
    server = await startFaultServer({ kind: 'accept-and-stall' });
    const connector = new ImapConnector({
      host: server.host,
      port: server.port,
      username: 'a',
      password,
      security: 'none',
    });
    const result = await connector.testConnection({ signal: AbortSignal.abort() });
    expect(result).toMatchObject({ ok: false, code: 'ABORTED' });
    expect(server.connections()).toBe(0);
  });

  it('caps the whole test at testConnectionMs whatever the stage limits', async () => {
    const { result } = await testAgainst(
      { kind: 'accept-and-stall' },
      { timeouts: { ...fastTimeouts, greetingMs: 60_000, testConnectionMs: 700 } },
    );
    expect(result).toMatchObject({ code: 'GREETING_TIMEOUT', detail: { timeoutMs: 700 } });
    expect(result.elapsedMs).toBeLessThan(1_500);
  });
});
