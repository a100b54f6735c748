import { afterEach, beforeAll, expect, it } from 'vitest';
import { ConnectionLimiter, ImapConnector, ImapConnectorError } from '../../src/index.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import { createMailUser, type DovecotEndpoint, type MailUser } from '../harness/dovecot/dovecot-server.js';
import { type SeedMessage, seedMailboxes } from '../harness/mail-seeder.js';
import { startTcpProxy, type TcpProxy } from '../harness/tcp-proxy.js';

const range = { since: '2026-05-01T00:00:00Z', until: '2026-06-01T00:00:00Z' };
// Per account: 2 received and 1 sent in May (the April message is outside the range).
const seed: SeedMessage[] = [
  { mailbox: 'INBOX', atMs: Date.UTC(2026, 4, 2, 8) },
  { mailbox: 'INBOX', atMs: Date.UTC(2026, 4, 31, 23, 59, 59) },
  { mailbox: 'INBOX', atMs: Date.UTC(2026, 3, 30, 23, 59, 59) },
  { mailbox: 'Sent', atMs: Date.UTC(2026, 4, 15, 12) },
];
const expected = { sent: 1, received: 2 };
const ACCOUNTS = 6;

describeWithDovecot('ConnectionLimiter on a real Dovecot: connections counted at a TCP proxy', () => {
  let server: DovecotEndpoint;
  let users: MailUser[];
  let proxy: TcpProxy | undefined;

  beforeAll(async () => {
    server = sharedDovecot();
    users = Array.from({ length: ACCOUNTS }, () => createMailUser(server, 'limiter'));
    await Promise.all(users.map((user) => seedMailboxes(server, user, seed)));
  });

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  const connectorFor = (
    port: number,
    user: MailUser,
    limiter?: ConnectionLimiter,
    password = user.password,
  ) =>
    new ImapConnector(
      { host: '127.0.0.1', port, security: 'none', username: user.username, password },
      { ...(limiter ? { limiter } : {}), retry: { attempts: 1 } },
    );

  it('without a limiter, six counts of one account open more than two connections at once (the control)', async () => {
    proxy = await startTcpProxy(server.plainPort);
    const port = proxy.port;
    const user = users[0] as MailUser;
    const results = await Promise.all(
      Array.from({ length: 6 }, () => connectorFor(port, user).countSignals(range)),
    );
    for (const result of results) expect(result).toMatchObject(expected);
    expect(proxy.peakOpen()).toBeGreaterThan(2);
  });

  it('holds one account to perAccount connections, across connectors sharing the limiter', async () => {
    proxy = await startTcpProxy(server.plainPort);
    const port = proxy.port;
    const limiter = new ConnectionLimiter({ perServer: 8, perAccount: 2 });
    const user = users[0] as MailUser;
    const results = await Promise.all(
      Array.from({ length: 6 }, () => connectorFor(port, user, limiter).countSignals(range)),
    );
    for (const result of results) expect(result).toMatchObject(expected);
    expect(proxy.connections()).toBe(6);
    expect(proxy.peakOpen()).toBe(2);
    expect(limiter.stats()).toEqual({ active: 0, waiting: 0 });
  });

  it('holds implicit-TLS connections to the caps too (the TLS socket is what closes)', async () => {
    proxy = await startTcpProxy(server.tlsPort);
    const port = proxy.port;
    const limiter = new ConnectionLimiter({ perServer: 8, perAccount: 2 });
    const user = users[5] as MailUser;
    const tlsConnector = () =>
      new ImapConnector(
        {
          host: '127.0.0.1',
          port,
          security: 'tls',
          tls: { ca: server.caPem },
          username: user.username,
          password: user.password,
        },
        { limiter, retry: { attempts: 1 } },
      );
    const results = await Promise.all(Array.from({ length: 6 }, () => tlsConnector().countSignals(range)));
    for (const result of results) expect(result).toMatchObject(expected);
    expect(proxy.connections()).toBe(6);
    expect(proxy.peakOpen()).toBe(2);
    expect(limiter.stats()).toEqual({ active: 0, waiting: 0 });
  });

  it('holds incremental counts (with a cursor) to the same caps', async () => {
    proxy = await startTcpProxy(server.plainPort);
    const port = proxy.port;
    const limiter = new ConnectionLimiter({ perServer: 8, perAccount: 2 });
    const user = users[4] as MailUser;
    const { cursor } = await connectorFor(port, user, limiter).countSignals(range);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => connectorFor(port, user, limiter).countSignals(range, { cursor })),
    );
    // Nothing arrived since the cursor's count: each incremental count finds nothing new.
    for (const result of results) expect(result).toMatchObject({ mode: 'incremental', sent: 0, received: 0 });
    // The full count that made the cursor (a small INBOX: no side connection), then one connection per
    // incremental count (which lists on its own connection).
    expect(proxy.connections()).toBe(7);
    expect(proxy.peakOpen()).toBe(2);
    expect(limiter.stats()).toEqual({ active: 0, waiting: 0 });
  });

  it('holds a server to perServer connections across accounts, for counts and connection tests alike', async () => {
    proxy = await startTcpProxy(server.plainPort);
    const port = proxy.port;
    const limiter = new ConnectionLimiter({ perServer: 3, perAccount: 2 });
    const counts = users.flatMap((user) =>
      [0, 1].map(() => connectorFor(port, user, limiter).countSignals(range)),
    );
    const tests = users.map((user) => connectorFor(port, user, limiter).testConnection());
    const [countResults, testResults] = await Promise.all([Promise.all(counts), Promise.all(tests)]);
    for (const result of countResults) expect(result).toMatchObject(expected);
    for (const result of testResults) expect(result.ok).toBe(true);
    expect(proxy.connections()).toBe(ACCOUNTS * 3);
    expect(proxy.peakOpen()).toBe(3);
    expect(limiter.stats()).toEqual({ active: 0, waiting: 0 });
  });

  it('gives the slot back after a failed login, an aborted count and an abort while waiting', async () => {
    proxy = await startTcpProxy(server.plainPort);
    const port = proxy.port;
    const limiter = new ConnectionLimiter({ perServer: 1, perAccount: 1 });
    // An account of its own: Dovecot delays an account's logins after a failed one.
    const rejected = createMailUser(server, 'limiter-wrong');
    const failed = await connectorFor(port, rejected, limiter, 'not-the-password').testConnection();
    expect(failed).toMatchObject({ ok: false, code: 'AUTHENTICATION_FAILED' });

    const user = users[1] as MailUser;
    const counting = new AbortController();
    const abortedCount = connectorFor(port, user, limiter)
      .countSignals(range, {
        signal: counting.signal,
        onProgress: () => counting.abort(),
      })
      .catch((error: unknown) => error);
    const waiting = new AbortController();
    const abortedWait = connectorFor(port, user, limiter)
      .testConnection({ signal: waiting.signal })
      .then((result) => result);
    waiting.abort();
    expect(await abortedWait).toMatchObject({ ok: false, code: 'ABORTED' });
    const countOutcome = await abortedCount;
    expect(countOutcome).toBeInstanceOf(ImapConnectorError);
    expect((countOutcome as ImapConnectorError).code).toBe('ABORTED');

    // Every slot came back: the next count gets the one connection at once and counts exactly.
    expect(await connectorFor(port, user, limiter).countSignals(range)).toMatchObject(expected);
    expect(limiter.stats()).toEqual({ active: 0, waiting: 0 });
    expect(proxy.peakOpen()).toBe(1);
    // The wrong login, the aborted count, and the last count: the aborted wait never connected.
    expect(proxy.connections()).toBe(3);
  });

  it.each([
    ['a command timeout', { command: / EXAMINE /i, fault: 'stall' }, 'COMMAND_TIMEOUT'],
    ['a connection reset', { command: / EXAMINE /i, fault: 'reset' }, 'CONNECTION_RESET'],
  ] as const)('gives the slot back after %s', async (_name, trigger, code) => {
    proxy = await startTcpProxy(server.plainPort, trigger);
    // A wait this long would fail the test by timing out: only a returned slot lets the last acquire through.
    const limiter = new ConnectionLimiter({ perServer: 1, perAccount: 1, maxWaitMs: 10_000 });
    const user = users[3] as MailUser;
    const connector = new ImapConnector(
      {
        host: '127.0.0.1',
        port: proxy.port,
        security: 'none',
        username: user.username,
        password: user.password,
        timeouts: { commandMs: 300 },
      },
      { limiter, retry: { attempts: 1 } },
    );
    const outcome = await connector.countSignals(range).catch((error: unknown) => error);
    expect(outcome).toMatchObject({ code });
    const permit = await limiter.acquire({ host: '127.0.0.1', port: proxy.port, username: user.username });
    permit.release();
    expect(limiter.stats()).toEqual({ active: 0, waiting: 0 });
  });

  it('fails a wait longer than maxWaitMs with CONNECTION_SLOT_TIMEOUT, without connecting', async () => {
    proxy = await startTcpProxy(server.plainPort);
    const port = proxy.port;
    const limiter = new ConnectionLimiter({ perServer: 1, perAccount: 1, maxWaitMs: 50 });
    const user = users[2] as MailUser;
    const holder = await limiter.acquire({ host: '127.0.0.1', port, username: 'someone-else' });
    try {
      const outcome = await connectorFor(port, user, limiter)
        .countSignals(range)
        .catch((error: unknown) => error);
      expect(outcome).toBeInstanceOf(ImapConnectorError);
      expect(outcome).toMatchObject({
        code: 'CONNECTION_SLOT_TIMEOUT',
        retryable: true,
        detail: { limit: 'perServer', timeoutMs: 50, attempts: 1 },
      });
      const tested = await connectorFor(port, user, limiter).testConnection();
      expect(tested).toMatchObject({ ok: false, code: 'CONNECTION_SLOT_TIMEOUT', httpStatus: 503 });
      expect(proxy.connections()).toBe(0);
    } finally {
      holder.release();
    }
  });
});
