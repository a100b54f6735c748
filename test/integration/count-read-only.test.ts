import { afterAll, beforeAll, expect, it } from 'vitest';
import { ImapConnector, type ImapConnectorConfigInput } from '../../src/index.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import {
  createMailUser,
  type DovecotEndpoint,
  type MailUser,
  mailChangesLoggedFor,
} from '../harness/dovecot/dovecot-server.js';
import { type SeedMessage, seedMailboxes, snapshotMailboxes } from '../harness/mail-seeder.js';
import { RawImapClient } from '../harness/raw-imap-client.js';
import { type RecordingProxy, startRecordingProxy } from '../harness/recording-proxy.js';

// Every command a count or a connection test may send. Nothing here can change a mailbox: EXAMINE opens
// read-only, FETCH asks for dates and BODY.PEEK headers only (checked below), SEARCH, LIST and LSUB read.
const ALLOWED_COMMANDS = new Set([
  'CAPABILITY',
  'LOGIN',
  'AUTHENTICATE',
  'NAMESPACE',
  'LIST',
  'LSUB',
  'EXAMINE',
  'UID SEARCH',
  // The last two messages' dates by sequence number, which within-counts' probes compare with.
  'FETCH',
  'UID SORT',
  'UID FETCH',
  'LOGOUT',
  'NOOP',
]);
// Whatever the SDK grows into, these must never appear.
const MUTATING =
  /^(?:UID )?(?:STORE|COPY|MOVE|APPEND|EXPUNGE|SELECT|CREATE|DELETE|RENAME|SUBSCRIBE|UNSUBSCRIBE|SETMETADATA|SETACL|SETQUOTA)\b/;

const inMay = (day: number, hour: number) => Date.UTC(2026, 4, day, hour, 30);

describeWithDovecot('countSignals never changes a mailbox', () => {
  let server: DovecotEndpoint;
  let user: MailUser;
  let proxy: RecordingProxy;

  const seeds: SeedMessage[] = [
    { mailbox: 'INBOX', atMs: inMay(1, 9) },
    { mailbox: 'INBOX', atMs: inMay(2, 10), flags: ['\\Seen'] },
    { mailbox: 'INBOX', atMs: inMay(3, 11), flags: ['\\Flagged', '\\Answered'] },
    { mailbox: 'INBOX', atMs: inMay(4, 12), flags: ['$Important'], messageId: '<dup@example.test>' },
    { mailbox: 'Archive', atMs: inMay(4, 12), messageId: '<dup@example.test>' },
    { mailbox: 'Archive', atMs: inMay(5, 13), flags: ['\\Seen', '\\Deleted'] },
    { mailbox: 'Sent', atMs: inMay(6, 14), flags: ['\\Seen'] },
    { mailbox: 'Sent', atMs: inMay(7, 15) },
    { mailbox: 'Drafts', atMs: inMay(8, 16), flags: ['\\Draft'] },
    { mailbox: 'Junk', atMs: inMay(9, 17) },
    { mailbox: 'Trash', atMs: inMay(10, 18), flags: ['\\Deleted'] },
  ];

  beforeAll(async () => {
    server = sharedDovecot();
    user = createMailUser(server, 'readonly');
    await seedMailboxes(server, user, seeds);
    proxy = await startRecordingProxy(server.plainPort);
  });

  afterAll(async () => {
    await proxy?.close();
  });

  function connector(extra: Partial<ImapConnectorConfigInput> = {}): ImapConnector {
    return new ImapConnector({
      host: '127.0.0.1',
      port: proxy.port,
      security: 'none',
      username: user.username,
      password: user.password,
      ...extra,
    });
  }

  async function everyKindOfCount(): Promise<void> {
    const range = { since: '2026-05-01T00:00:00Z', until: '2026-06-01T00:00:00Z' };
    const totals = await connector().countSignals(range, { transfer: 'fewest-bytes' });
    expect({ sent: totals.sent, received: totals.received }).toEqual({ sent: 2, received: 6 });
    const daily = await connector().countSignals(range, {
      granularity: 'day',
      timeZone: 'Europe/Berlin',
      transfer: 'fewest-bytes',
    });
    const pipelined = await connector().countSignals(range, {
      granularity: 'day',
      timeZone: 'Europe/Berlin',
      transfer: 'fewest-round-trips',
    });
    expect(pipelined.buckets).toEqual(daily.buckets);
    const deduplicated = await connector({ mailboxes: { deduplicate: 'always' } }).countSignals(range);
    expect(deduplicated.deduplication).toBe('message-id');
    expect(deduplicated.received).toBe(5);
    expect((await connector().testConnection()).ok).toBe(true);
    // Each way of counting ran: by the server's WITHIN counts (the total), by arrival order (SORT: the
    // daily count, more boundaries than these mailboxes hold messages), by fetched dates
    // (deduplication) and by pipelined dates (SEARCH RETURN (SAVE) + FETCH $).
    expect(
      new Set([
        ...totals.strategies,
        ...daily.strategies,
        ...pipelined.strategies,
        ...deduplicated.strategies,
      ]),
    ).toEqual(new Set(['within-counts', 'arrival-order', 'fetch-dates', 'pipelined-dates']));
  }

  it('leaves every UID, flag (\\Seen included), INTERNALDATE, UIDVALIDITY and UIDNEXT as it was, and logs no change', async () => {
    const before = await snapshotMailboxes(server, user);
    const changesBefore = mailChangesLoggedFor(server, user.username);
    expect(changesBefore.length).toBeGreaterThanOrEqual(seeds.length);
    await everyKindOfCount();
    expect(await snapshotMailboxes(server, user)).toEqual(before);
    expect(mailChangesLoggedFor(server, user.username)).toEqual(changesBefore);
  });

  it('sends only read commands, and fetches headers with BODY.PEEK only', async () => {
    const start = proxy.commands().length;
    await everyKindOfCount();
    const sent = proxy.commands().slice(start);
    const names = sent.map((command) =>
      command.startsWith('UID ') ? command.split(' ').slice(0, 2).join(' ') : command.split(/[ (]/)[0],
    );
    expect(names.filter((name) => !ALLOWED_COMMANDS.has(name ?? ''))).toEqual([]);
    expect(sent.filter((command) => MUTATING.test(command))).toEqual([]);
    const fetches = sent.filter((command) => /^(?:UID )?FETCH /.test(command));
    expect(fetches.length).toBeGreaterThan(0);
    for (const fetch of fetches) {
      expect(fetch).not.toMatch(/BODY\[|RFC822(?!\.SIZE)|BINARY\[/i);
    }
    expect(fetches.some((fetch) => /BODY\.PEEK\[HEADER\.FIELDS \(MESSAGE-ID\)\]/i.test(fetch))).toBe(true);
    expect(names.filter((name) => name === 'EXAMINE').length).toBeGreaterThan(0);
  });

  it('would notice a change: the same checks catch a client that SELECTs and reads a body', async () => {
    const before = await snapshotMailboxes(server, user);
    const changesBefore = mailChangesLoggedFor(server, user.username).length;
    const careless = await RawImapClient.login(proxy.port, user.username, user.password);
    await careless.command('SELECT INBOX');
    await careless.command('FETCH 1 (BODY[TEXT])', undefined, true);
    await careless.logout();
    const after = await snapshotMailboxes(server, user);
    expect(after).not.toEqual(before);
    expect(after['INBOX']?.messages.find((message) => message.startsWith('(UID 1 '))).toContain('\\Seen');
    expect(mailChangesLoggedFor(server, user.username).length).toBeGreaterThan(changesBefore);
    expect(proxy.commands().some((command) => MUTATING.test(command))).toBe(true);
  });
});
