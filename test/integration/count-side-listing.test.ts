import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIDE_LISTING_MAX_ROUND_TRIP_MS, sideListingPaysFor } from '../../src/counting/counting-cost.js';
import {
  ConnectionLimiter,
  type CountSignalsOptions,
  ImapConnector,
  type ImapConnectorOptions,
  type SignalCounts,
} from '../../src/index.js';
import { activeHandleCount, expectHandlesReleased } from '../harness/active-handles.js';
import {
  type ConnectionRecordingProxy,
  startConnectionRecordingProxy,
} from '../harness/connection-recording-proxy.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import {
  createMailUser,
  type DovecotEndpoint,
  type DovecotServer,
  type MailUser,
  startDovecot,
} from '../harness/dovecot/dovecot-server.js';
import { dottedNamespaceVariant, withoutImap4rev1Variant } from '../harness/dovecot/dovecot-variants.js';
import { type SeedMessage, seedMailboxes } from '../harness/mail-seeder.js';
import { writeInboxFiles } from '../harness/maildir-writer.js';

// `mailboxListing: 'side-connection'` (what `auto`, the default, picks for a large INBOX on a fast link): a full
// count lists its mailboxes on a second, short-lived connection, so the counting connection sends no
// LIST (on Dovecot with Maildir a LIST makes every later EXAMINE of the session rescan its folder);
// `same-connection` lists on the counting one.

const inMarch = (day: number, hour: number) => Date.UTC(2026, 2, day, hour, 15);
const march = { since: '2026-03-01T00:00:00Z', until: '2026-04-01T00:00:00Z' };
const daily: CountSignalsOptions = { granularity: 'day', timeZone: 'Europe/Berlin' };
const side: CountSignalsOptions = { ...daily, mailboxListing: 'side-connection' };
const sameConnection: CountSignalsOptions = { ...daily, mailboxListing: 'same-connection' };

// What the side connection may send: the login, the listing (imapflow's LIST may add an LSUB), LOGOUT.
const SIDE_COMMANDS = new Set(['LOGIN', 'NAMESPACE', 'LIST', 'LSUB', 'LOGOUT']);

function comparable(counts: SignalCounts): Omit<SignalCounts, 'elapsedMs'> {
  const { elapsedMs: _elapsedMs, ...rest } = counts;
  return rest;
}

describe('the mailboxListing option', () => {
  it('rejects a value that is not one of mailboxListings, before connecting', async () => {
    const connector = new ImapConnector({
      host: '127.0.0.1',
      port: 1,
      security: 'none',
      username: 'nobody',
      password: 'unused',
    });
    await expect(
      connector.countSignals(march, { mailboxListing: 'elsewhere' as CountSignalsOptions['mailboxListing'] }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID', detail: { issues: [{ field: 'mailboxListing' }] } });
  });
});

// The proxy sees a client's close on a later turn of the event loop.
async function closedAll(recorded: ConnectionRecordingProxy): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (recorded.openConnections() > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(recorded.openConnections()).toBe(0);
}

function connectorTo(
  port: number,
  user: MailUser,
  options: ImapConnectorOptions & { password?: string | (() => Promise<string>) } = {},
): ImapConnector {
  const { password, ...connectorOptions } = options;
  return new ImapConnector(
    {
      host: '127.0.0.1',
      port,
      security: 'none',
      username: user.username,
      password: password ?? user.password,
    },
    { retry: { attempts: 1 }, ...connectorOptions },
  );
}

describeWithDovecot('a count that lists on a side connection, against a real Dovecot', () => {
  let server: DovecotEndpoint;
  let user: MailUser;
  const proxies: ConnectionRecordingProxy[] = [];
  // Five counted folders, as in the benchmark, plus one the count skips.
  const seeds: SeedMessage[] = [
    { mailbox: 'INBOX', atMs: inMarch(1, 9) },
    { mailbox: 'INBOX', atMs: inMarch(2, 23) },
    { mailbox: 'INBOX', atMs: Date.UTC(2026, 1, 27, 12) },
    { mailbox: 'Sent', atMs: inMarch(3, 8) },
    { mailbox: 'Archive', atMs: inMarch(4, 12) },
    { mailbox: 'Projects', atMs: inMarch(5, 7) },
    { mailbox: 'Clients', atMs: inMarch(31, 22) },
    { mailbox: 'Junk', atMs: inMarch(6, 6) },
  ];
  // Written by hand from the seeds: the February message is outside the range, Junk is not counted.
  const expected = { sent: 1, received: 5 };

  async function proxy(options: Parameters<typeof startConnectionRecordingProxy>[1] = {}) {
    const started = await startConnectionRecordingProxy(server.plainPort, options);
    proxies.push(started);
    return started;
  }

  beforeAll(async () => {
    server = sharedDovecot();
    user = createMailUser(server, 'side-listing');
    await seedMailboxes(server, user, seeds, ['Projects', 'Clients']);
  });

  afterAll(async () => {
    for (const started of proxies) await started.close();
  });

  it.each([
    ['auto (pipelined)', undefined],
    ['fewest-bytes (mailbox by mailbox)', 'fewest-bytes' as const],
  ])(
    'counts as listing on the counting connection does, %s; the counting connection sends no LIST',
    async (_name, transfer) => {
      const recorded = await proxy();
      const connector = connectorTo(recorded.port, user);
      const byDefault = await connector.countSignals(march, { ...sameConnection, transfer });
      const before = recorded.connectionCount();
      const counts = await connector.countSignals(march, { ...side, transfer });
      expect({ sent: counts.sent, received: counts.received }).toEqual(expected);
      expect(comparable(counts)).toEqual(comparable(byDefault));

      const [counting = [], listing = [], ...more] = recorded.commandsByConnection().slice(before);
      expect(more).toEqual([]);
      expect(counting.filter((command) => command === 'LIST' || command === 'LSUB')).toEqual([]);
      expect(counting).toContain('EXAMINE');
      expect(listing[0]).toBe('LOGIN');
      expect(listing).toContain('LIST');
      expect(listing.at(-1)).toBe('LOGOUT');
      expect(listing.filter((command) => !SIDE_COMMANDS.has(command))).toEqual([]);
      await closedAll(recorded);
    },
  );

  it('calls a password function once per count', async () => {
    const recorded = await proxy();
    let calls = 0;
    const connector = connectorTo(recorded.port, user, {
      password: async () => {
        calls += 1;
        return user.password;
      },
    });
    const counts = await connector.countSignals(march, side);
    expect({ sent: counts.sent, received: counts.received }).toEqual(expected);
    expect(recorded.connectionCount()).toBe(2);
    expect(calls).toBe(1);
  });

  it('opens no side connection when the limiter has no slot free at once, and counts exactly', async () => {
    const recorded = await proxy();
    const limiter = new ConnectionLimiter({ perAccount: 1 });
    const counts = await connectorTo(recorded.port, user, { limiter }).countSignals(march, side);
    expect({ sent: counts.sent, received: counts.received }).toEqual(expected);
    const connections = recorded.commandsByConnection();
    expect(connections.length).toBe(1);
    expect(connections[0]).toContain('LIST');
    expect(limiter.stats()).toEqual({ active: 0, waiting: 0 });
  });

  it('takes a free slot for the side connection and gives both back', async () => {
    const recorded = await proxy();
    const limiter = new ConnectionLimiter({ perAccount: 2 });
    const counts = await connectorTo(recorded.port, user, { limiter }).countSignals(march, side);
    expect({ sent: counts.sent, received: counts.received }).toEqual(expected);
    expect(recorded.connectionCount()).toBe(2);
    expect(recorded.commandsByConnection()[0]).not.toContain('LIST');
    expect(limiter.stats()).toEqual({ active: 0, waiting: 0 });
  });

  it('lists on a side connection that logs in only after the counting connection did', async () => {
    const recorded = await proxy();
    const counts = await connectorTo(recorded.port, user).countSignals(march, side);
    expect({ sent: counts.sent, received: counts.received }).toEqual(expected);
    const [counting = [], listing = [], ...more] = recorded.commandsByConnection();
    expect(more).toEqual([]);
    expect(counting).not.toContain('LIST');
    expect(listing).toContain('LIST');
    // Both sent LOGIN; the side's came after the counting connection's answer (it waits for it).
    const logins = recorded
      .events()
      .filter((event) => event.command === 'LOGIN' || event.answered === 'LOGIN');
    expect(logins.map((event) => [event.connection, event.command ?? `answered ${event.answered}`])).toEqual([
      [0, 'LOGIN'],
      [0, 'answered LOGIN'],
      [1, 'LOGIN'],
      [1, 'answered LOGIN'],
    ]);
  });

  it('sends a wrong password once: the side connection never logs in after a refused login', async () => {
    const recorded = await proxy();
    const baseline = activeHandleCount();
    const outcome = await connectorTo(recorded.port, user, { password: 'not-the-password' })
      .countSignals(march, daily)
      .catch((error: unknown) => error);
    expect(outcome).toMatchObject({ code: 'AUTHENTICATION_FAILED' });
    const logins = recorded
      .commandsByConnection()
      .flat()
      .filter((command) => command === 'LOGIN');
    expect(logins).toHaveLength(1);
    await expectHandlesReleased(baseline);
    await closedAll(recorded);
  });

  it('falls back to listing on the counting connection when the side connection is dropped', async () => {
    // Connection 0 counts and lists; 1 counts with a side listing, whose side connection (2) is dropped.
    const recorded = await proxy({ drop: (index) => (index === 2 ? 'at-connect' : undefined) });
    const debug: string[] = [];
    const ignore = () => {};
    const connector = connectorTo(recorded.port, user, {
      logger: { debug: (entry) => debug.push(entry.msg), info: ignore, warn: ignore, error: ignore },
    });
    const byDefault = await connector.countSignals(march, sameConnection);
    const baseline = activeHandleCount();
    const counts = await connector.countSignals(march, side);
    expect({ sent: counts.sent, received: counts.received }).toEqual(expected);
    // Nothing added: no warning, the same buckets, mailboxes and cursor.
    expect(comparable(counts)).toEqual(comparable(byDefault));
    const [, counting = [], dropped = []] = recorded.commandsByConnection();
    expect(recorded.connectionCount()).toBe(3);
    expect(dropped).toEqual([]);
    expect(counting).toContain('LIST');
    expect(debug).toContainEqual(expect.stringMatching(/side connection did not list/));
    await expectHandlesReleased(baseline);
  });

  it('falls back when the side connection is cut at its login, and counts exactly', async () => {
    const recorded = await proxy({ drop: (index) => (index === 1 ? 'at-login' : undefined) });
    const baseline = activeHandleCount();
    const counts = await connectorTo(recorded.port, user).countSignals(march, {
      ...side,
      transfer: 'fewest-bytes',
    });
    expect({ sent: counts.sent, received: counts.received }).toEqual(expected);
    const [counting = [], cut = []] = recorded.commandsByConnection();
    expect(cut).toEqual(['LOGIN']);
    expect(counting).toContain('LIST');
    await expectHandlesReleased(baseline);
  });

  it.each([
    ['while the connections open', 0],
    ['after INBOX is counted', 1],
  ])('leaves no socket or timer behind when aborted %s', async (_name, abortAfterMailboxes) => {
    const recorded = await proxy();
    const baseline = activeHandleCount();
    const controller = new AbortController();
    if (abortAfterMailboxes === 0) setImmediate(() => controller.abort());
    const counting = connectorTo(recorded.port, user).countSignals(march, {
      ...side,
      transfer: 'fewest-bytes',
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.mailboxesDone >= abortAfterMailboxes) controller.abort();
      },
    });
    await expect(counting).rejects.toMatchObject({ code: 'ABORTED' });
    await expectHandlesReleased(baseline);
    await closedAll(recorded);
  });
});

describeWithDovecot('a side-connection listing on a server with the personal namespace under INBOX.', () => {
  let server: DovecotServer;
  let recorded: ConnectionRecordingProxy;

  beforeAll(async () => {
    server = await startDovecot(dottedNamespaceVariant);
    recorded = await startConnectionRecordingProxy(server.plainPort);
  });

  afterAll(async () => {
    await recorded?.close();
    await server?.stop();
  });

  it('counts as listing on the counting connection does', async () => {
    const user = createMailUser(server, 'side-dotted');
    const seeds: SeedMessage[] = [
      { mailbox: 'INBOX', atMs: inMarch(2, 10) },
      { mailbox: 'INBOX.Sent Items', atMs: inMarch(3, 10) },
      { mailbox: 'INBOX.Sent Items', atMs: inMarch(4, 10) },
      { mailbox: 'INBOX.Clients', atMs: inMarch(5, 10) },
      { mailbox: 'INBOX.Junk E-mail', atMs: inMarch(6, 10) },
    ];
    await seedMailboxes(server, user, seeds, ['INBOX.Clients']);
    const connector = connectorTo(recorded.port, user);
    const byDefault = await connector.countSignals(march, sameConnection);
    const before = recorded.connectionCount();
    const counts = await connector.countSignals(march, side);
    // By hand: INBOX and Clients received, two sent, Junk not counted.
    expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 2, received: 2 });
    expect(comparable(counts)).toEqual(comparable(byDefault));
    const [counting = [], listing = []] = recorded.commandsByConnection().slice(before);
    expect(counting).not.toContain('LIST');
    expect(listing).toContain('NAMESPACE');
    expect(listing).toContain('LIST');
  });
});

describeWithDovecot(
  "mailboxListing auto: INBOX's size decides, against a real Dovecot that does not advertise IMAP4rev1",
  () => {
    // A server that offers IMAP4rev1 answers LSUB alongside a batch: auto then counts the subscribed
    // mailboxes before it lists, on one connection (pipelined-round-trips.test.ts); without it, auto
    // weighs the side connection against the rescan.
    let server: DovecotServer;
    const proxies: ConnectionRecordingProxy[] = [];
    // March 2026 as `march` has it (UTC bounds).
    const marchStartMs = Date.UTC(2026, 2, 1);
    const marchEndMs = Date.UTC(2026, 3, 1);

    afterAll(async () => {
      for (const started of proxies) await started.close();
    });

    // One count with the default listing through a recording proxy, retried while a loaded machine
    // measured the login's round trip at SIDE_LISTING_MAX_ROUND_TRIP_MS or more (then auto lists on its own connection whatever
    // INBOX holds: tested in pipelined-round-trips.test.ts).
    async function autoCount(user: MailUser) {
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const recorded = await startConnectionRecordingProxy(server.plainPort);
        proxies.push(recorded);
        const choices: Record<string, unknown>[] = [];
        const record = (entry: Record<string, unknown>) => {
          if (entry['mailboxListing'] !== undefined) choices.push(entry);
        };
        const counts = await connectorTo(recorded.port, user, {
          logger: { debug: record, info: record, warn: record, error: record },
        }).countSignals(march, daily);
        await closedAll(recorded);
        expect(choices).toHaveLength(1);
        const [choice = {}] = choices;
        if ((choice['roundTripMs'] as number) < SIDE_LISTING_MAX_ROUND_TRIP_MS)
          return { counts, choice, recorded };
      }
      throw new Error(`the login never measured a round trip under ${SIDE_LISTING_MAX_ROUND_TRIP_MS} ms`);
    }

    const loginsOf = (recorded: ConnectionRecordingProxy) =>
      recorded
        .commandsByConnection()
        .map((commands) => commands.filter((command) => command === 'LOGIN').length);

    beforeAll(async () => {
      server = await startDovecot(withoutImap4rev1Variant);
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('keeps the side connection for a large INBOX when the cost model says so: the counting connection sends no LIST', async () => {
      const user = createMailUser(server, 'auto-large');
      // Files, not APPEND (seconds instead of minutes): one every 2 minutes, ending an hour into April,
      // so about 139 days from mid-November, of which March holds about 22,300. The side pays on
      // loopback for a login under ~70 ms (100,000 × 0.0007 ms; this harness measures 20–45 ms).
      const messages = 100_000;
      const dates = Array.from(
        { length: messages },
        (_, index) => marchEndMs + 3_600_000 - (messages - index) * 120_000,
      );
      writeInboxFiles(server, user, dates);
      await seedMailboxes(server, user, [{ mailbox: 'Sent', atMs: inMarch(3, 8) }]);
      // Counted here from the dates alone.
      const received = dates.filter((dateMs) => dateMs >= marchStartMs && dateMs < marchEndMs).length;
      expect(received).toBeGreaterThan(20_000);

      // A loaded machine can make the login slower than the rescan it would spare: then the count lists
      // on its own connection, as its logged figures say it must. It keeps the side within a few counts.
      let kept = 0;
      for (let attempt = 0; attempt < 5 && kept === 0; attempt += 1) {
        const { counts, choice, recorded } = await autoCount(user);
        expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 1, received });
        expect(choice).toMatchObject({ inboxMessages: messages });
        const pays = sideListingPaysFor({
          inboxMessages: messages,
          roundTripMs: choice['roundTripMs'] as number,
          loginServerMs: choice['loginServerMs'] as number,
          security: 'none',
        });
        expect(choice['mailboxListing']).toBe(pays ? 'side-connection' : 'same-connection');
        const [counting = [], listing = []] = recorded.commandsByConnection();
        expect(loginsOf(recorded)).toEqual(pays ? [1, 1] : [1]);
        expect(counting.includes('LIST')).toBe(!pays);
        if (pays) {
          expect(listing).toContain('LIST');
          kept += 1;
        }
      }
      expect(kept).toBe(1);
    });

    it('lists on the counting connection for a small INBOX: no side connection at all', async () => {
      const user = createMailUser(server, 'auto-small');
      await seedMailboxes(server, user, [
        { mailbox: 'INBOX', atMs: inMarch(1, 9) },
        { mailbox: 'INBOX', atMs: inMarch(2, 23) },
        { mailbox: 'INBOX', atMs: Date.UTC(2026, 1, 27, 12) },
        { mailbox: 'Sent', atMs: inMarch(3, 8) },
      ]);
      const { counts, choice, recorded } = await autoCount(user);
      expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 1, received: 2 });
      expect(choice).toMatchObject({ mailboxListing: 'same-connection', inboxMessages: 3 });
      // The side connection waited for INBOX's size and never connected.
      expect(loginsOf(recorded)).toEqual([1]);
      const [counting = []] = recorded.commandsByConnection();
      // INBOX first, then the list: INBOX's EXAMINE reached the server before any LIST.
      expect(counting.indexOf('EXAMINE')).toBeGreaterThan(-1);
      expect(counting.indexOf('LIST')).toBeGreaterThan(counting.indexOf('EXAMINE'));
    });
  },
);
