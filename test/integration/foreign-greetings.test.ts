import { afterEach, describe, expect, it } from 'vitest';
import { ImapConnector, ImapConnectorError } from '../../src/index.js';
import { activeHandleCount, expectHandlesReleased } from '../harness/active-handles.js';
import type { FaultScenario } from '../harness/fault-scenarios.js';
import { type FaultConnection, type FaultServer, startFaultServer } from '../harness/fault-server.js';

// A greeting timeout this long would make any wait on it obvious: a recognised greeting must end the
// attempt as soon as its first line is in, not when a timer fires.
const slowGreetingTimeouts = { greetingMs: 20_000, testConnectionMs: 30_000, countSignalsMs: 30_000 };
const FAST_MS = 3_000;

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server that says `firstLines` as soon as a client connects, and reports when the client hangs up. */
function greeting(firstLines: string, onConnection: (conn: FaultConnection) => void): FaultScenario {
  return {
    kind: 'script',
    run: (conn) => {
      onConnection(conn);
      conn.writeRaw(firstLines);
    },
  };
}

const greetings = [
  ['an SMTP server', '220 mail.example.test ESMTP Postfix (Debian/GNU)\r\n', 'smtp', 'SMTP'],
  [
    'an SMTP server refusing at connect',
    '554 5.7.1 mail.example.test ESMTP not available\r\n',
    'smtp',
    'SMTP',
  ],
  ['an SSH server', 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n', 'ssh', 'SSH'],
  ['a POP3 server', '+OK Dovecot (Debian) ready.\r\n', 'pop3', 'POP3'],
  [
    'an HTTP server that answers first',
    'HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    'http',
    'HTTP',
  ],
] as const;

describe.each(['testConnection', 'countSignals'] as const)('%s against a non-IMAP greeting', (operation) => {
  it.each(greetings)('recognises %s from its first line at once', async (_name, lines, protocol, named) => {
    let clientGone: Promise<void> | undefined;
    server = await startFaultServer(
      greeting(lines, (conn) => {
        clientGone = new Promise((resolve) => conn.onClose(resolve));
      }),
    );
    const connector = new ImapConnector(
      {
        host: server.host,
        port: server.port,
        username: 'alice@example.test',
        password: 'not-sent-anywhere',
        security: 'none',
        timeouts: slowGreetingTimeouts,
      },
      { retry: { attempts: 1 } },
    );
    const baseline = activeHandleCount();
    const startedAt = performance.now();
    const failure =
      operation === 'testConnection'
        ? await connector.testConnection()
        : await connector
            .countSignals({ since: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00Z' })
            .catch((error: unknown) => error);
    const elapsedMs = performance.now() - startedAt;
    // The connection is closed by the client (event), not left for the server to time out.
    await clientGone;
    expect(failure).toMatchObject({
      code: 'NOT_IMAP_SERVER',
      retryable: false,
      detail: { phase: 'greeting', detectedProtocol: protocol },
    });
    if (operation === 'countSignals') expect(failure).toBeInstanceOf(ImapConnectorError);
    expect((failure as { message: string }).message).toContain(named);
    expect((failure as { detail: { underlyingCode?: string } }).detail.underlyingCode).not.toBe(
      'GREETING_TIMEOUT',
    );
    // Far below the 20 s greeting timeout; the margin is for a loaded machine.
    expect(elapsedMs).toBeLessThan(FAST_MS);
    // Nothing was said to the foreign server: no IMAP command, no password.
    expect(server.loginAttempts()).toBe(0);
    expect(server.received()).toEqual([]);
    await server.close();
    server = undefined;
    await expectHandlesReleased(baseline);
  });
});
