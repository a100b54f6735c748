import { afterEach, beforeAll, expect, it } from 'vitest';
import { ImapConnector, ImapConnectorError, type RetryOptions } from '../../src/index.js';
import { activeHandleCount, expectHandlesReleased } from '../harness/active-handles.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import { createMailUser, type DovecotEndpoint, type MailUser } from '../harness/dovecot/dovecot-server.js';
import { type SeedMessage, seedMailboxes } from '../harness/mail-seeder.js';
import { type ProxyTrigger, startTcpProxy, type TcpProxy } from '../harness/tcp-proxy.js';

const range = { since: '2026-03-01T00:00:00Z', until: '2026-04-01T00:00:00Z' };
const seed: SeedMessage[] = [
  { mailbox: 'INBOX', atMs: Date.UTC(2026, 2, 3, 12) },
  { mailbox: 'INBOX', atMs: Date.UTC(2026, 2, 31, 23, 59, 59) },
  { mailbox: 'INBOX', atMs: Date.UTC(2026, 3, 1) },
  { mailbox: 'Archive', atMs: Date.UTC(2026, 2, 15) },
  { mailbox: 'Sent', atMs: Date.UTC(2026, 2, 1) },
  { mailbox: 'Sent', atMs: Date.UTC(2026, 1, 28, 23, 59, 59) },
];
// From the seed alone: [since, until) by instant; Sent is sent, INBOX and Archive are received.
const expected = { sent: 1, received: 3 };
const timeouts = { commandMs: 800 };
const quickRetry: RetryOptions = { attempts: 3, initialDelayMs: 20, maxDelayMs: 50 };

describeWithDovecot('countSignals against a real Dovecot behind a faulty network', () => {
  let server: DovecotEndpoint;
  let user: MailUser;
  let proxy: TcpProxy | undefined;

  beforeAll(async () => {
    server = sharedDovecot();
    user = createMailUser(server, 'faults');
    await seedMailboxes(server, user, seed);
  });

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  async function countThrough(trigger: ProxyTrigger | undefined, retry: RetryOptions, signal?: AbortSignal) {
    proxy = await startTcpProxy(server.plainPort, trigger);
    const connector = new ImapConnector(
      {
        host: '127.0.0.1',
        port: proxy.port,
        security: 'none',
        username: user.username,
        password: async () => user.password,
        timeouts,
      },
      { retry },
    );
    const baseline = activeHandleCount();
    const startedAt = Date.now();
    const outcome = await connector.countSignals(range, { signal }).catch((error: unknown) => error);
    const elapsedMs = Date.now() - startedAt;
    const connections = proxy.connections();
    await proxy.close();
    proxy = undefined;
    await expectHandlesReleased(baseline);
    return { outcome, elapsedMs, connections };
  }

  it('counts exactly through the proxy when nothing goes wrong', async () => {
    const { outcome } = await countThrough(undefined, quickRetry);
    expect(outcome).toMatchObject({ ...expected, attempts: 1 });
  });

  it.each([
    ['a reset at the first EXAMINE', { command: / EXAMINE /i, fault: 'reset' }, 'CONNECTION_RESET'],
    // Stock Dovecot has SORT: the first search a count sends is a UID SORT of the date window.
    [
      'a stall at the first SEARCH or SORT',
      { command: / (?:SEARCH|SORT) /i, fault: 'stall' },
      'COMMAND_TIMEOUT',
    ],
    ['a stall at the first FETCH', { command: / FETCH /i, fault: 'stall' }, 'COMMAND_TIMEOUT'],
  ] as const)('fails with a typed error on %s, and counts exactly on retry', async (_name, trigger, code) => {
    const once = await countThrough(trigger, { attempts: 1 });
    expect(once.outcome).toBeInstanceOf(ImapConnectorError);
    expect(once.outcome).toMatchObject({ code, detail: { attempts: 1 } });
    expect(once.elapsedMs).toBeLessThan(timeouts.commandMs + 1_500);

    const retried = await countThrough(trigger, quickRetry);
    expect(retried.outcome).toMatchObject({ ...expected, attempts: 2 });
    // Two tries, one connection each: the account's INBOX is small, so `auto` lists on the counting
    // connection and the side connection never connects.
    expect(retried.connections).toBe(2);
  });

  it('ends ABORTED promptly when the caller aborts between two mailboxes', async () => {
    proxy = await startTcpProxy(server.plainPort);
    const connector = new ImapConnector({
      host: '127.0.0.1',
      port: proxy.port,
      security: 'none',
      username: user.username,
      password: user.password,
    });
    const baseline = activeHandleCount();
    const controller = new AbortController();
    let abortedAt = 0;
    const outcome = await connector
      .countSignals(range, {
        signal: controller.signal,
        onProgress: () => {
          abortedAt = Date.now();
          controller.abort();
        },
      })
      .catch((error: unknown) => error);
    expect(outcome).toMatchObject({ code: 'ABORTED' });
    expect(Date.now() - abortedAt).toBeLessThan(300);
    await proxy.close();
    proxy = undefined;
    await expectHandlesReleased(baseline);
  });
});
