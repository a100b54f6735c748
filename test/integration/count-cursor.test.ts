import { beforeAll, describe, expect, it } from 'vitest';
import { ImapConnector, type SignalCounts } from '../../src/index.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import { createMailUser, type DovecotEndpoint, type MailUser } from '../harness/dovecot/dovecot-server.js';
import { calendarKey, expectedCounts, type SeededFact } from '../harness/expected-counts.js';
import { type SeedMessage, seedMailboxes } from '../harness/mail-seeder.js';
import { encodeMailboxName, quoted, RawImapClient } from '../harness/raw-imap-client.js';

// A chain of daily syncs over Berlin days of March 2026 (the last Sunday, Mar 29, is 23 hours long),
// each passing the previous result's cursor. Every "delivery" is an APPEND whose INTERNALDATE is at or
// after the previous sync's range end, as mail delivered after that sync would be; the expected sums are
// the seed list counted by hand rules (harness/expected-counts.ts, Intl), never by the code under test.

const ZONE = 'Europe/Berlin';
const SECOND = 1_000;
const HOUR = 3_600_000;
// Local midnights, written by hand: CET (+01:00) until Mar 29 02:00, CEST (+02:00) after.
const MIDNIGHT = {
  mar27: Date.parse('2026-03-26T23:00:00Z'),
  mar28: Date.parse('2026-03-27T23:00:00Z'),
  mar29: Date.parse('2026-03-28T23:00:00Z'),
  mar30: Date.parse('2026-03-29T22:00:00Z'),
  mar31: Date.parse('2026-03-30T22:00:00Z'),
  apr01: Date.parse('2026-03-31T22:00:00Z'),
};
const WHOLE = {
  sinceMs: MIDNIGHT.mar27,
  untilMs: MIDNIGHT.apr01,
  granularity: 'day' as const,
  timeZone: ZONE,
};
const SYNC_RANGES = [
  { from: '2026-03-27', to: '2026-03-28' },
  { from: '2026-03-29', to: '2026-03-29' },
  { from: '2026-03-30', to: '2026-03-30' },
  { from: '2026-03-31', to: '2026-03-31' },
] as const;

function classOf(path: string): 'sent' | 'received' | null {
  if (path === 'Sent') return 'sent';
  return ['INBOX', 'Archive', 'Projects', 'Clients', 'Customers'].includes(path) ? 'received' : null;
}

let sequence = 0;
/** Deliveries around a day's edges: at, 1 s before and after, 1 h in, in counted and skipped mailboxes. */
function deliveriesAround(edges: readonly number[], from: number, to: number): SeedMessage[] {
  const seeds: SeedMessage[] = [];
  const mailboxes = ['INBOX', 'Sent', 'Archive', 'INBOX', 'Junk'];
  const offsets = [60, 120, -300, 0, 345];
  for (const edge of edges) {
    for (const delta of [-SECOND, 0, SECOND, HOUR, 5 * HOUR]) {
      const atMs = edge + delta;
      if (atMs < from || atMs >= to) continue;
      sequence += 1;
      seeds.push({
        mailbox: mailboxes[sequence % mailboxes.length] ?? 'INBOX',
        atMs,
        offsetMinutes: offsets[sequence % offsets.length] ?? 0,
        messageId: `<cursor-${sequence}@example.test>`,
      });
    }
  }
  return seeds;
}

/** Sums the buckets of several results by label. */
function sumByLabel(results: readonly SignalCounts[]): Map<string, { sent: number; received: number }> {
  const sums = new Map<string, { sent: number; received: number }>();
  for (const result of results) {
    for (const bucket of result.buckets) {
      const key = bucket.label ?? 'all';
      const entry = sums.get(key) ?? { sent: 0, received: 0 };
      entry.sent += bucket.sent;
      entry.received += bucket.received;
      sums.set(key, entry);
    }
  }
  return sums;
}

function nonZero(map: ReadonlyMap<string, { sent: number; received: number }>) {
  return new Map([...map].filter(([, counts]) => counts.sent + counts.received > 0));
}

/** The test's own writes, through a raw IMAP session. */
class Mailroom {
  constructor(
    private readonly endpoint: DovecotEndpoint,
    private readonly user: MailUser,
  ) {}

  async run(work: (client: RawImapClient) => Promise<void>): Promise<void> {
    const client = await RawImapClient.login(this.endpoint.plainPort, this.user.username, this.user.password);
    try {
      await work(client);
    } finally {
      await client.logout();
    }
  }

  static async uidOf(client: RawImapClient, mailbox: string, messageId: string): Promise<number> {
    await client.command(`SELECT ${quoted(encodeMailboxName(mailbox))}`);
    const found = await client.command(`UID SEARCH HEADER Message-ID ${quoted(messageId)}`);
    const uid = Number(
      /^\* SEARCH (\d+)/.exec(found.untagged.find((line) => line.startsWith('* SEARCH')) ?? '')?.[1],
    );
    if (!Number.isSafeInteger(uid)) throw new Error(`${messageId} not found in ${mailbox}`);
    return uid;
  }

  move(from: string, messageId: string, to: string): Promise<void> {
    return this.run(async (client) => {
      const uid = await Mailroom.uidOf(client, from, messageId);
      await client.command(`UID MOVE ${uid} ${quoted(encodeMailboxName(to))}`);
    });
  }

  copy(from: string, messageId: string, to: string): Promise<void> {
    return this.run(async (client) => {
      const uid = await Mailroom.uidOf(client, from, messageId);
      await client.command(`UID COPY ${uid} ${quoted(encodeMailboxName(to))}`);
    });
  }

  expunge(from: string, messageId: string): Promise<void> {
    return this.run(async (client) => {
      const uid = await Mailroom.uidOf(client, from, messageId);
      await client.command(`UID STORE ${uid} +FLAGS.SILENT (\\Deleted)`);
      await client.command(`UID EXPUNGE ${uid}`);
    });
  }

  async uidValidity(mailbox: string): Promise<string> {
    let value = '';
    await this.run(async (client) => {
      const status = await client.command(`STATUS ${quoted(encodeMailboxName(mailbox))} (UIDVALIDITY)`);
      value = /UIDVALIDITY (\d+)/.exec(status.untagged.join(' '))?.[1] ?? '';
    });
    return value;
  }

  command(text: string): Promise<void> {
    return this.run(async (client) => {
      await client.command(text);
    });
  }
}

describeWithDovecot('incremental counts with a cursor, on real Dovecot', () => {
  let endpoint: DovecotEndpoint;

  beforeAll(() => {
    endpoint = sharedDovecot();
  });

  function connectorFor(user: MailUser, options: { exclude?: string[] } = {}): ImapConnector {
    return new ImapConnector({
      host: endpoint.host,
      port: endpoint.tlsPort,
      security: 'tls',
      username: user.username,
      password: user.password,
      tls: { ca: endpoint.caPem },
      ...(options.exclude ? { mailboxes: { exclude: options.exclude } } : {}),
    });
  }

  const count = (connector: ImapConnector, index: number, cursor?: string) =>
    connector.countSignals(SYNC_RANGES[index] ?? SYNC_RANGES[0], {
      granularity: 'day',
      timeZone: ZONE,
      ...(cursor === undefined ? {} : { cursor }),
    });

  it('four daily syncs of delivered mail sum to one full recount and to the seed list, per day, to the second', async () => {
    const user = createMailUser(endpoint, 'cursor-clean');
    const connector = connectorFor(user);
    const facts: SeededFact[] = [];
    const deliver = async (seeds: SeedMessage[]) => {
      facts.push(...seeds);
      await seedMailboxes(endpoint, user, seeds, ['Projects']);
    };
    const edges = Object.values(MIDNIGHT);
    // Before the first sync: mail up to an hour into Mar 29 (after the first range's end: the cursor's
    // floor must keep it for the second sync).
    await deliver(deliveriesAround(edges, MIDNIGHT.mar27 - HOUR, MIDNIGHT.mar29 + HOUR + SECOND));
    const results: SignalCounts[] = [await count(connector, 0)];
    expect(results[0]?.mode).toBe('full');
    for (const [index, [from, to]] of [
      [MIDNIGHT.mar29 + HOUR + SECOND, MIDNIGHT.mar30 + SECOND],
      [MIDNIGHT.mar30 + SECOND, MIDNIGHT.mar31 + 2 * HOUR],
      [MIDNIGHT.mar31 + 2 * HOUR, MIDNIGHT.apr01 + 2 * HOUR],
    ].entries()) {
      await deliver(deliveriesAround(edges, from ?? 0, to ?? 0));
      const result = await count(connector, index + 1, results.at(-1)?.cursor);
      expect(result.mode).toBe('incremental');
      expect(result.fallbackReason).toBeNull();
      expect(result.strategies).toEqual(['new-messages']);
      expect(
        result.mailboxes
          .filter((mailbox) => mailbox.sync !== null)
          .every((mailbox) => mailbox.sync === 'incremental'),
      ).toBe(true);
      results.push(result);
    }
    const full = await connector.countSignals(
      { from: '2026-03-27', to: '2026-03-31' },
      { granularity: 'day', timeZone: ZONE },
    );
    const expected = expectedCounts(facts, WHOLE, classOf);
    const fullByLabel = new Map(
      full.buckets.map((bucket) => [bucket.label ?? '', { sent: bucket.sent, received: bucket.received }]),
    );
    expect(nonZero(sumByLabel(results))).toEqual(nonZero(fullByLabel));
    expect(nonZero(fullByLabel)).toEqual(nonZero(expected.byKey));
    // Each sync's buckets are the days of its own range.
    expect(results.map((result) => result.buckets.map((bucket) => bucket.label))).toEqual([
      ['2026-03-27', '2026-03-28'],
      ['2026-03-29'],
      ['2026-03-30'],
      ['2026-03-31'],
    ]);
    expect(expected.sent).toBeGreaterThan(0);
    expect(expected.received).toBeGreaterThan(0);
  });

  it('moves, copies, imports, expunges, a UIDVALIDITY reset, a new and a renamed mailbox: each delivery counted once', async () => {
    const user = createMailUser(endpoint, 'cursor-messy');
    const room = new Mailroom(endpoint, user);
    const connector = connectorFor(user);
    const delivered: SeededFact[] = [];
    const deliver = async (seeds: SeedMessage[], create: string[] = []) => {
      delivered.push(...seeds);
      await seedMailboxes(endpoint, user, seeds, create);
    };
    const message = (mailbox: string, atMs: number, id: string): SeedMessage => ({
      mailbox,
      atMs,
      offsetMinutes: 60,
      messageId: `<${id}-${user.username}>`,
    });
    const idOf = (id: string) => `<${id}-${user.username}>`;
    const edges = Object.values(MIDNIGHT);

    // Before sync 1.
    await deliver(
      [
        ...deliveriesAround(edges, MIDNIGHT.mar27, MIDNIGHT.mar29 + HOUR + SECOND),
        message('INBOX', MIDNIGHT.mar27 + 10 * HOUR, 'moved-later'),
        message('INBOX', MIDNIGHT.mar28 + 10 * HOUR, 'copied-later'),
        message('Sent', MIDNIGHT.mar28 + 11 * HOUR, 'expunged-later'),
      ],
      ['Projects'],
    );
    const sync1 = await count(connector, 0);
    expect(sync1.mode).toBe('full');

    // Between sync 1 and 2: deliveries of Mar 29 (and one at Mar 30 00:00:00 sharp, for sync 3), a move
    // and a copy of counted mail, two imports of old mail (one dated inside sync 1's range), an expunge.
    await deliver([
      ...deliveriesAround(edges, MIDNIGHT.mar29 + HOUR + SECOND, MIDNIGHT.mar30 + SECOND),
      message('INBOX', MIDNIGHT.mar29 + 2.5 * HOUR, 'moved-in-sync-3'),
    ]);
    await room.move('INBOX', idOf('moved-later'), 'Archive');
    await room.copy('INBOX', idOf('copied-later'), 'Projects');
    await seedMailboxes(endpoint, user, [
      message('INBOX', Date.parse('2026-03-20T09:00:00Z'), 'imported-old'),
      message('Archive', MIDNIGHT.mar28 + 12 * HOUR, 'imported-in-range'),
    ]);
    await room.expunge('Sent', idOf('expunged-later'));
    const sync2 = await count(connector, 1, sync1.cursor);
    expect(sync2.mode).toBe('incremental');

    // Between sync 2 and 3: deliveries of Mar 30, a move of mail counted by sync 2, Projects deleted and
    // recreated (new UIDVALIDITY) with its old mail put back and one new delivery, a new mailbox holding
    // a delivery and a copy of old mail.
    const projectsBefore = await room.uidValidity('Projects');
    await room.move('INBOX', idOf('moved-in-sync-3'), 'Projects');
    await room.command('DELETE Projects');
    await seedMailboxes(
      endpoint,
      user,
      [
        message('Projects', MIDNIGHT.mar28 + 10 * HOUR, 'copied-later-again'),
        message('Projects', MIDNIGHT.mar29 + 2.5 * HOUR, 'moved-in-sync-3-again'),
      ],
      ['Projects'],
    );
    expect(await room.uidValidity('Projects')).not.toBe(projectsBefore);
    await deliver(
      [
        ...deliveriesAround(edges, MIDNIGHT.mar30 + SECOND, MIDNIGHT.mar31 + 2 * HOUR),
        message('Projects', MIDNIGHT.mar30 + 3 * HOUR, 'projects-after-reset'),
        message('Clients', MIDNIGHT.mar30 + 4 * HOUR, 'clients-new'),
      ],
      ['Clients'],
    );
    await room.copy('Archive', idOf('moved-later'), 'Clients');
    const sync3 = await count(connector, 2, sync2.cursor);
    expect(sync3.mode).toBe('incremental');
    const syncOf = (result: SignalCounts, path: string) =>
      result.mailboxes.find((mailbox) => mailbox.path === path);
    expect(syncOf(sync3, 'Projects')).toMatchObject({ sync: 'rescan', rescanReason: 'uidvalidity_changed' });
    expect(syncOf(sync3, 'Clients')).toMatchObject({ sync: 'rescan', rescanReason: 'mailbox_new' });
    expect(syncOf(sync3, 'INBOX')).toMatchObject({ sync: 'incremental', rescanReason: null });

    // Between sync 3 and 4: deliveries of Mar 31, Clients renamed, a counted Mar 30 message expunged.
    await deliver(deliveriesAround(edges, MIDNIGHT.mar31 + 2 * HOUR, MIDNIGHT.apr01 + 2 * HOUR));
    await room.command('RENAME Clients Customers');
    await room.expunge('Projects', idOf('projects-after-reset'));
    const sync4 = await count(connector, 3, sync3.cursor);
    expect(sync4.mode).toBe('incremental');
    expect(syncOf(sync4, 'Customers')).toMatchObject({ sync: 'rescan', rescanReason: 'mailbox_new' });
    expect(sync4.warnings).toContainEqual(
      expect.objectContaining({ code: 'mailbox_gone', mailbox: 'Clients' }),
    );

    // Every delivery once, in the day of its INTERNALDATE, in the class of the mailbox it was delivered
    // to; imports and copies never; expunged mail still (signals are history).
    const expected = expectedCounts(delivered, WHOLE, classOf);
    const sums = sumByLabel([sync1, sync2, sync3, sync4]);
    expect(nonZero(sums)).toEqual(nonZero(expected.byKey));
    // The moved, copied, imported and re-appended messages have their own (hand-known) days: the day
    // each was delivered on holds exactly the deliveries of that day.
    expect(calendarKey(MIDNIGHT.mar28 + 12 * HOUR, ZONE, 'day')).toBe('2026-03-28');
  });

  it('a range that has not ended (today so far): the watermark is the newest mail seen, and the sums still match', async () => {
    const user = createMailUser(endpoint, 'cursor-today');
    const room = new Mailroom(endpoint, user);
    const connector = connectorFor(user);
    const now = Date.now();
    const utcDay = (instantMs: number) => new Date(instantMs).toISOString().slice(0, 10);
    // Yesterday and today in UTC: the range ends at tomorrow's midnight, in the future.
    const range = { from: utcDay(now - 86_400_000), to: utcDay(now) };
    const facts: SeededFact[] = [];
    const deliver = async (seeds: SeedMessage[]) => {
      facts.push(...seeds);
      await seedMailboxes(endpoint, user, seeds);
    };
    const id = (name: string) => `<${name}-${user.username}>`;
    await deliver([
      { mailbox: 'INBOX', atMs: now - 3 * HOUR, messageId: id('first') },
      { mailbox: 'INBOX', atMs: now - 2 * HOUR, messageId: id('second') },
      { mailbox: 'Sent', atMs: now - HOUR, messageId: id('third') },
    ]);
    const first = await connector.countSignals(range, { granularity: 'day', timeZone: 'UTC' });
    // Delivered after the first count: dated now. Moved after it: counted already, old date.
    await deliver([
      { mailbox: 'INBOX', atMs: now - SECOND, messageId: id('fourth') },
      { mailbox: 'Archive', atMs: now - 2 * SECOND, messageId: id('fifth') },
      { mailbox: 'Sent', atMs: now - 3 * SECOND, messageId: id('sixth') },
    ]);
    await room.move('INBOX', id('first'), 'Archive');
    const second = await connector.countSignals(range, {
      granularity: 'day',
      timeZone: 'UTC',
      cursor: first.cursor,
    });
    expect(second.mode).toBe('incremental');
    expect({ sent: second.sent, received: second.received }).toEqual({ sent: 1, received: 2 });
    const full = await connector.countSignals(range, { granularity: 'day', timeZone: 'UTC' });
    const fullByLabel = new Map(
      full.buckets.map((bucket) => [bucket.label ?? '', { sent: bucket.sent, received: bucket.received }]),
    );
    expect(nonZero(sumByLabel([first, second]))).toEqual(nonZero(fullByLabel));
    const whole = {
      sinceMs: Date.parse(`${range.from}T00:00:00Z`),
      untilMs: Date.parse(`${range.to}T00:00:00Z`) + 86_400_000,
      granularity: 'day' as const,
      timeZone: 'UTC',
    };
    expect(nonZero(fullByLabel)).toEqual(nonZero(expectedCounts(facts, whole, classOf).byKey));
  });

  it('falls back to a full count, saying why, for a cursor of another account, version, a damaged one, or changed roles', async () => {
    const user = createMailUser(endpoint, 'cursor-fallback');
    const other = createMailUser(endpoint, 'cursor-other');
    await seedMailboxes(endpoint, user, [{ mailbox: 'INBOX', atMs: MIDNIGHT.mar30 + HOUR }], ['Projects']);
    await seedMailboxes(endpoint, other, [{ mailbox: 'INBOX', atMs: MIDNIGHT.mar30 + HOUR }]);
    const first = await count(connectorFor(user), 2);
    const otherCursor = (await count(connectorFor(other), 2)).cursor;
    const cases: Array<[string, string, ImapConnector]> = [
      ['cursor_account', otherCursor, connectorFor(user)],
      ['cursor_version', `imc9.${first.cursor.slice(5)}`, connectorFor(user)],
      ['cursor_invalid', `${first.cursor.slice(0, -6)}`, connectorFor(user)],
      ['cursor_invalid', 'not a cursor', connectorFor(user)],
      ['selection_changed', first.cursor, connectorFor(user, { exclude: ['Projects'] })],
    ];
    for (const [reason, cursor, connector] of cases) {
      const result = await count(connector, 2, cursor);
      expect({ mode: result.mode, fallbackReason: result.fallbackReason }, reason).toEqual({
        mode: 'full',
        fallbackReason: reason,
      });
      expect(result.received, reason).toBe(1);
    }
    const again = await count(connectorFor(user), 2, first.cursor);
    expect({ mode: again.mode, received: again.received }).toEqual({ mode: 'incremental', received: 0 });
  });

  it('a cursor is an opaque string holding no secret and no plain username', async () => {
    const user = createMailUser(endpoint, 'cursor-secret');
    await seedMailboxes(endpoint, user, [{ mailbox: 'INBOX', atMs: MIDNIGHT.mar30 + HOUR }]);
    const result = await count(connectorFor(user), 2);
    expect(result.cursor).toMatch(/^imc1\.[A-Za-z0-9_-]+$/);
    const decoded = Buffer.from(result.cursor.slice(5), 'base64url').toString('utf8');
    for (const secret of [user.password, user.username, user.username.split('@')[0] ?? '']) {
      expect(result.cursor).not.toContain(secret);
      expect(decoded).not.toContain(secret);
    }
    expect(JSON.parse(JSON.stringify(result)).cursor).toBe(result.cursor);
  });
});

describe('cursor option validation', () => {
  it('a cursor that is not a string is CONFIG_INVALID before any connection', async () => {
    const connector = new ImapConnector({
      host: '127.0.0.1',
      port: 1,
      username: 'a',
      password: 'b',
      security: 'tls',
    });
    await expect(
      connector.countSignals({ from: '2026-03-01', to: '2026-03-01' }, { cursor: 42 as unknown as string }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID', detail: { issues: [{ field: 'cursor' }] } });
  });
});
