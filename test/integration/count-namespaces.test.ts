import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImapConnector } from '../../src/index.js';
import { personalPrefixOf } from '../../src/session/imap-session.js';
import { describeWithDovecot } from '../harness/dovecot/dovecot-availability.js';
import { createMailUser, type DovecotServer, startDovecot } from '../harness/dovecot/dovecot-server.js';
import { dottedNamespaceVariant } from '../harness/dovecot/dovecot-variants.js';
import { serveImap } from '../harness/fault-scenarios.js';
import { type FaultServer, startFaultServer } from '../harness/fault-server.js';
import { type SeedMessage, seedMailboxes } from '../harness/mail-seeder.js';
import { type RecordingProxy, startRecordingProxy } from '../harness/recording-proxy.js';

// A count does not wait for NAMESPACE after login: it asks for it in the flight of its LIST and keeps
// the mailboxes of the personal namespace, as imapflow's own listing (from the namespace's prefix) does.

describe('personalPrefixOf', () => {
  it.each([
    ['* NAMESPACE (("INBOX." ".")) NIL NIL', 'INBOX.'],
    ['* NAMESPACE (("" "/")) (("Other Users/" "/")) (("Public/" "/"))', ''],
    ['* NAMESPACE NIL NIL (("Public." "."))', ''],
    ['* namespace (("a\\"b." "."))', 'a"b.'],
    ['* NAMESPACE (({6}', ''],
    [undefined, ''],
  ])('%s → %j', (answer, prefix) => {
    expect(personalPrefixOf(answer)).toBe(prefix);
  });
});

// Courier/Cyrus-style: the personal namespace under `INBOX.`, and a public namespace beside it.
const publicNamespaceVariant = {
  ...dottedNamespaceVariant,
  name: 'dotted-public',
  extraConfig:
    'namespace public {\n  type = public\n  separator = .\n  prefix = Public.\n  location = maildir:~/public\n  list = yes\n  subscriptions = no\n}\n',
};

describeWithDovecot('a count on a server with a prefixed personal namespace and a public one', () => {
  let server: DovecotServer;
  let proxy: RecordingProxy;

  beforeAll(async () => {
    server = await startDovecot(publicNamespaceVariant);
    proxy = await startRecordingProxy(server.plainPort);
  });

  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it('counts the personal mailboxes only, the ones the connection test lists', async () => {
    const user = createMailUser(server, 'namespaces');
    const atMs = Date.UTC(2026, 4, 3, 12);
    const seeds: SeedMessage[] = [
      { mailbox: 'INBOX', atMs },
      { mailbox: 'INBOX.Sent Items', atMs },
      { mailbox: 'INBOX.Clients', atMs },
      { mailbox: 'Public.Team', atMs },
      { mailbox: 'Public.Team', atMs },
    ];
    await seedMailboxes(server, user, seeds, ['INBOX.Clients', 'Public.Team']);
    const connector = new ImapConnector({
      host: '127.0.0.1',
      port: proxy.port,
      security: 'none',
      username: user.username,
      password: user.password,
    });
    const before = proxy.clientLines().length;
    const counts = await connector.countSignals(
      { since: '2026-05-01T00:00:00Z', until: '2026-06-01T00:00:00Z' },
      { transfer: 'fewest-round-trips' },
    );
    // By hand: INBOX and INBOX.Clients received, INBOX.Sent Items sent; Public.Team is not the user's.
    expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 1, received: 2 });
    const paths = counts.mailboxes.map((mailbox) => mailbox.path);
    expect(paths).not.toContain('Public.Team');
    expect(paths).toEqual(expect.arrayContaining(['INBOX', 'INBOX.Sent Items', 'INBOX.Clients']));
    const sent = proxy.clientLines().slice(before);
    expect(sent.some((line) => /^S\d+ NAMESPACE$/.test(line))).toBe(true);
    expect(sent.some((line) => /Public/.test(line))).toBe(false);
    // imapflow's own listing (NAMESPACE awaited, LIST from its prefix) gives the same mailboxes.
    const tested = await connector.testConnection();
    if (!tested.ok) throw new Error(tested.message);
    expect(tested.commands).toContain('NAMESPACE');
    const listedByTest = tested.mailboxes.map((mailbox) => mailbox.path);
    expect(listedByTest).not.toContain('Public.Team');
    for (const path of listedByTest) expect(paths).toContain(path);
    // The incremental count lists in its one flight too, and keeps to the same mailboxes.
    const later = await connector.countSignals(
      { since: '2026-05-01T00:00:00Z', until: '2026-06-01T00:00:00Z' },
      { cursor: counts.cursor },
    );
    expect(later.mode).toBe('incremental');
    expect(later.mailboxes.map((mailbox) => mailbox.path)).toEqual(paths);
    expect(later.warnings.filter((warning) => /mailbox/.test(warning.code))).toEqual([]);
  });
});

describe('Exchange\'s "User is authenticated but not connected" after login', () => {
  let fault: FaultServer | undefined;
  afterEach(async () => {
    await fault?.close();
    fault = undefined;
  });

  it('fails a count as the connection test fails, not as an unavailable mailbox', async () => {
    const notConnected = (command: { tag: string }, session: { tagged(tag: string, text: string): void }) =>
      session.tagged(command.tag, 'BAD User is authenticated but not connected.');
    fault = await startFaultServer({
      kind: 'script',
      run: (conn) =>
        serveImap(conn, {
          capabilities: 'IMAP4rev1 NAMESPACE SEARCHRES ESEARCH AUTH=PLAIN',
          commands: { NAMESPACE: notConnected, EXAMINE: notConnected, LIST: notConnected },
        }),
    });
    const connector = new ImapConnector({
      host: fault.host,
      port: fault.port,
      security: 'none',
      username: 'alice@example.test',
      password: 'exchange-pw',
      timeouts: { commandMs: 2_000 },
    });
    const tested = await connector.testConnection();
    expect(tested.ok).toBe(false);
    if (tested.ok) return;
    const counted = await connector
      .countSignals(
        { since: '2026-05-01T00:00:00Z', until: '2026-06-01T00:00:00Z' },
        { transfer: 'fewest-round-trips', retry: { attempts: 1 } },
      )
      .then(
        () => undefined,
        (error: unknown) => error as { code?: string },
      );
    expect(counted?.code).toBe(tested.code);
    expect(counted?.code).not.toBe('MAILBOX_UNAVAILABLE');
  });
});
