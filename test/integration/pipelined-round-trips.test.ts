import { afterAll, beforeAll, expect, it } from 'vitest';
import { CountingProxy } from '../../bench/counting-proxy.js';
import { SIDE_LISTING_MAX_ROUND_TRIP_MS } from '../../src/counting/counting-cost.js';
import type { SignalCounts } from '../../src/index.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import {
  createMailUser,
  type DovecotEndpoint,
  type DovecotServer,
  type MailUser,
  startDovecot,
} from '../harness/dovecot/dovecot-server.js';
import {
  type DovecotVariant,
  reducedCapabilityVariant,
  standardVariant,
} from '../harness/dovecot/dovecot-variants.js';
import { loopbackConnector } from '../harness/loopback-connector.js';
import { type SeedMessage, seedMailboxes } from '../harness/mail-seeder.js';
import { RawImapClient } from '../harness/raw-imap-client.js';
import {
  type RecordingProxy,
  startRecordingProxy,
  type WithheldAnswers,
} from '../harness/recording-proxy.js';
import { startRewritingProxy } from '../harness/rewriting-proxy.js';

const inMarch = (day: number, hour: number) => Date.UTC(2026, 2, day, hour, 15);

// Five counted folders, as in the benchmark, plus one the count skips.
const fiveFolders: readonly SeedMessage[] = [
  { mailbox: 'INBOX', atMs: inMarch(1, 9) },
  { mailbox: 'INBOX', atMs: inMarch(2, 23) },
  { mailbox: 'Sent', atMs: inMarch(3, 8) },
  { mailbox: 'Archive', atMs: inMarch(4, 12) },
  { mailbox: 'Projects', atMs: inMarch(5, 7) },
  { mailbox: 'Clients', atMs: inMarch(31, 22) },
  { mailbox: 'Junk', atMs: inMarch(6, 6) },
];

describeWithDovecot('the pipelined counting path against a real Dovecot', () => {
  let server: DovecotEndpoint;
  let user: MailUser;
  let proxy: RecordingProxy;
  const seeds = fiveFolders;

  beforeAll(async () => {
    server = sharedDovecot();
    user = createMailUser(server, 'pipelined');
    await seedMailboxes(server, user, seeds, ['Projects', 'Clients']);
    proxy = await startRecordingProxy(server.plainPort);
  });

  afterAll(async () => {
    await proxy?.close();
  });

  it.each([
    ['listing on the counting connection after the subscribed folders (auto)', 'auto'],
    ["listing on the counting connection in INBOX's flight", 'same-connection'],
    ['listing on a side connection', 'side-connection'],
  ] as const)(
    'counts five folders daily in 4 awaited round trips from the greeting to LOGOUT, exactly, %s',
    async (_name, mailboxListing) => {
      const before = proxy.flightsByConnection().length;
      const counts = await loopbackConnector(proxy.port, user).countSignals(
        { since: '2026-03-01T00:00:00Z', until: '2026-04-01T00:00:00Z' },
        {
          granularity: 'day',
          timeZone: 'Europe/Berlin',
          transfer: 'fewest-round-trips',
          mailboxListing,
        },
      );
      // Written by hand from the seeds: every message is inside [1 March, 1 April) UTC (Clients' one at
      // 22:15 UTC on 31 March too); Junk is not counted.
      expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 1, received: 5 });
      expect(counts.strategies).toEqual(['pipelined-dates']);
      const connections = proxy.flightsByConnection().slice(before);
      const counting = connections.find((own) =>
        own.some((flight) => flight.some((line) => / EXAMINE /i.test(line))),
      );
      const flights = counting ?? [];
      expect(connections, JSON.stringify(connections)).toHaveLength(
        mailboxListing === 'side-connection' ? 2 : 1,
      );
      // From the greeting: the login (with the NOOP that times the link), then the count itself (issue 9:
      // at most 4 after login): INBOX's batch (with NAMESPACE, and LSUB or LIST when it lists there), the
      // other folders' batch (with LIST behind it after LSUB), LOGOUT. With a side listing that answers
      // before INBOX's batch, the other folders' batch is written before INBOX's answer arrives: it then
      // rides in INBOX's flight (3).
      if (mailboxListing !== 'side-connection') expect(flights.length, JSON.stringify(flights)).toBe(4);
      else expect([3, 4], JSON.stringify(flights)).toContain(flights.length);
      expect(flights[0]).toEqual([expect.stringMatching(/^S0 NOOP$/), expect.stringMatching(/^\S+ LOGIN /)]);
      expect(flights.at(-1)).toEqual([expect.stringMatching(/^\S+ LOGOUT$/)]);
      const first = flights[1] ?? [];
      const examineInbox = first.findIndex((line) => / EXAMINE "INBOX"$/i.test(line));
      const namespace = first.findIndex((line) => / NAMESPACE$/i.test(line));
      expect(examineInbox, JSON.stringify(first)).toBe(0);
      if (mailboxListing === 'same-connection') {
        expect(namespace, JSON.stringify(first)).toBeGreaterThan(examineInbox);
        // LIST rides in INBOX's flight, behind INBOX's EXAMINE (on Dovecot a LIST makes every later
        // EXAMINE rescan its folder).
        expect(
          first.findIndex((line) => / LIST /i.test(line)),
          JSON.stringify(first),
        ).toBeGreaterThan(examineInbox);
        return;
      }
      if (mailboxListing === 'auto') {
        // LSUB rides in INBOX's flight; the subscribed folders' batch in the next, with LIST behind
        // every EXAMINE (on Dovecot a LIST makes every later EXAMINE rescan its folder; an LSUB does not).
        expect(first.slice(namespace), JSON.stringify(first)).toEqual([
          expect.stringMatching(/ NAMESPACE$/),
          expect.stringMatching(/ LSUB "" "\*"$/),
        ]);
        expect(namespace, JSON.stringify(first)).toBeGreaterThan(examineInbox);
        const second = flights[2] ?? [];
        expect(second.filter((line) => / EXAMINE /.test(line))).toHaveLength(4);
        expect(second.at(-1), JSON.stringify(second)).toMatch(/ LIST /);
        expect(flights.flat().filter((line) => / LIST /i.test(line))).toHaveLength(1);
        return;
      }
      // The counting connection never lists (nor asks for the namespace, which is the listing's); the
      // side connection logs in, lists, and logs out.
      expect(namespace, JSON.stringify(first)).toBe(-1);
      expect(flights.flat().filter((line) => / LIST /i.test(line))).toEqual([]);
      const side = connections.find((own) => own !== counting) ?? [];
      expect(side, JSON.stringify(side)).toEqual([
        [expect.stringMatching(/^\S+ LOGIN /)],
        [expect.stringMatching(/ NAMESPACE$/), expect.stringMatching(/ LIST /)],
        [expect.stringMatching(/^\S+ LOGOUT$/)],
      ]);
    },
  );
});

describeWithDovecot('the pipelined counting path against a Dovecot without SEARCHRES', () => {
  let server: DovecotServer;
  let user: MailUser;
  let proxy: RecordingProxy;
  // The five folders, Clients not subscribed (Junk is subscribed and skipped), and a message at the
  // range's end: not counted.
  const seeds: SeedMessage[] = [...fiveFolders, { mailbox: 'Clients', atMs: Date.UTC(2026, 3, 1) }];
  const range = { since: '2026-03-01T00:00:00Z', until: '2026-04-01T00:00:00Z' };
  const options = { granularity: 'day', timeZone: 'Europe/Berlin', transfer: 'fewest-round-trips' } as const;

  beforeAll(async () => {
    server = await startDovecot(reducedCapabilityVariant);
    user = createMailUser(server, 'without-searchres');
    await seedWithClientsUnsubscribed(server, user, seeds, ['Projects', 'Clients']);
    proxy = await startRecordingProxy(server.plainPort);
  });

  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it('searches then fetches each folder, the subscribed ones before the LIST: 5 awaited round trips after the login', async () => {
    const before = proxy.flightsByConnection().length;
    const counts = await loopbackConnector(proxy.port, user).countSignals(range, options);
    // By hand from the seeds: INBOX 2, Archive 1, Projects 1, Clients 1 (its second message is at the
    // range's end) received; Sent 1; Junk not counted.
    expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 1, received: 5 });
    expect(counts.strategies).toEqual(['pipelined-dates']);
    const flights = countingFlights(proxy, before);
    expect(proxy.flightsByConnection().slice(before)).toHaveLength(1);
    // Login; INBOX's search with NAMESPACE and LSUB; INBOX's fetch (INBOX still open: no EXAMINE) with
    // the subscribed folders' searches; their fetches with LIST behind the last EXAMINE; Clients'
    // search; its fetch; LOGOUT.
    expect(flights.length, JSON.stringify(flights)).toBe(7);
    expect(flights[1]).toEqual([
      expect.stringMatching(/ EXAMINE "INBOX"$/),
      expect.stringMatching(/ UID SEARCH /),
      expect.stringMatching(/ NAMESPACE$/),
      expect.stringMatching(/ LSUB "" "\*"$/),
    ]);
    expect(flights[2]?.[0]).toMatch(/ UID FETCH \S+ \(UID INTERNALDATE\)$/);
    const subscribed = openedIn(flights[2]);
    expect([...subscribed].sort()).toEqual(['Archive', 'Projects', 'Sent']);
    expect(flights[3]?.at(-1), JSON.stringify(flights[3])).toMatch(/ LIST /);
    // The last folder searched is still open: its fetch goes first and needs no EXAMINE.
    expect(flights[3]?.[0]).toMatch(/ UID FETCH /);
    expect(openedIn(flights[3])).toEqual(subscribed.slice(0, -1));
    expect(openedIn(flights[4])).toEqual(['Clients']);
    expect(openedIn(flights[5])).toEqual([]);
    expect(flights.flat().filter((line) => / (LSUB|LIST) /.test(line))).toHaveLength(2);
    expect(flights.at(-1)).toEqual([expect.stringMatching(/^\S+ LOGOUT$/)]);
  });

  it("counts a connector's remembered folders with the subscribed ones: 3 awaited round trips for the count", async () => {
    const connector = loopbackConnector(proxy.port, user);
    const first = await connector.countSignals(range, options);
    const before = proxy.flightsByConnection().length;
    const second = await connector.countSignals(range, options);
    expect(second.buckets).toEqual(first.buckets);
    expect({ sent: second.sent, received: second.received }).toEqual({ sent: 1, received: 5 });
    const flights = countingFlights(proxy, before);
    // Login; INBOX's search + LSUB; INBOX's fetch + the other folders' searches; their fetches + LIST; LOGOUT.
    expect(flights.length, JSON.stringify(flights)).toBe(5);
    expect(openedIn(flights[2])).toEqual(expect.arrayContaining(['Sent', 'Clients']));
    expect(flights[3]?.at(-1)).toMatch(/ LIST /);
  });
});

describeWithDovecot('the other folders of a pipelined count, with a side listing', () => {
  let user: MailUser;

  beforeAll(async () => {
    user = createMailUser(sharedDovecot(), 'pipelined-early');
    await seedMailboxes(
      sharedDovecot(),
      user,
      [
        { mailbox: 'INBOX', atMs: inMarch(1, 9) },
        { mailbox: 'Sent', atMs: inMarch(3, 8) },
        { mailbox: 'Archive', atMs: inMarch(4, 12) },
      ],
      [],
    );
  });

  // Counts March through a proxy that holds answers back as `withhold` says, listing on a side
  // connection; returns the counts and how the withholding ended.
  async function countWithAnswersHeld(
    withhold: WithheldAnswers,
    options: { granularity?: 'day' } = {},
  ): Promise<{ counts: SignalCounts; releases: readonly string[] }> {
    const held = await startRecordingProxy(sharedDovecot().plainPort, withhold);
    try {
      const counts = await loopbackConnector(held.port, user).countSignals(
        { since: '2026-03-01T00:00:00Z', until: '2026-04-01T00:00:00Z' },
        { ...options, transfer: 'fewest-round-trips', mailboxListing: 'side-connection' },
      );
      return { counts, releases: held.releases() };
    } finally {
      await held.close();
    }
  }

  it("are written as soon as the side connection has listed them, while INBOX's answer is on its way", async () => {
    // INBOX's answer is held back until the client writes the next folder's EXAMINE (or 3 s pass):
    // only a client that does not wait for it writes that EXAMINE while it is held.
    const { counts, releases } = await countWithAnswersHeld(
      { from: / EXAMINE "INBOX"$/, until: / EXAMINE "(Sent|Archive)"$/, maxMs: 3_000 },
      { granularity: 'day' },
    );
    expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 1, received: 2 });
    expect(
      counts.buckets.filter((bucket) => bucket.sent + bucket.received > 0).map((bucket) => bucket.start),
    ).toEqual(['2026-03-01T00:00:00.000Z', '2026-03-03T00:00:00.000Z', '2026-03-04T00:00:00.000Z']);
    expect(releases).toEqual(['client-line']);
  });

  it("are written before the side connection's LOGOUT is answered", async () => {
    // The side connection's answer to its LOGOUT (the first LOGOUT of the count: the counting
    // connection logs out last) is held back until the counting connection writes the next folder's
    // EXAMINE: only a count that does not wait for the side's LOGOUT writes it while it is held.
    const { counts, releases } = await countWithAnswersHeld({
      from: /^\S+ LOGOUT$/,
      until: / EXAMINE "(Sent|Archive)"$/,
      maxMs: 3_000,
    });
    expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 1, received: 2 });
    expect(releases).toEqual(['client-line']);
    // A count waiting for that LOGOUT would go on only after the session's 2 s LOGOUT grace (and the
    // release would then come from its EXAMINE all the same): the whole count takes less.
    expect(counts.elapsedMs).toBeLessThan(1_500);
  });
});

describeWithDovecot('a full count on its own connection when a counted folder is not subscribed', () => {
  let server: DovecotEndpoint;
  let user: MailUser;
  let proxy: RecordingProxy;
  const range = { since: '2026-03-01T00:00:00Z', until: '2026-04-01T00:00:00Z' };
  const options = { timeZone: 'UTC', transfer: 'fewest-round-trips' } as const;
  // Clients is created and unsubscribed (a folder a server-side filter made); Junk is subscribed and skipped.
  const seeds: SeedMessage[] = [
    { mailbox: 'INBOX', atMs: inMarch(1, 9) },
    { mailbox: 'Sent', atMs: inMarch(3, 8) },
    { mailbox: 'Sent', atMs: inMarch(31, 23) },
    { mailbox: 'Clients', atMs: inMarch(2, 10) },
    { mailbox: 'Clients', atMs: Date.UTC(2026, 3, 1) }, // at the range's end: not counted
    { mailbox: 'Junk', atMs: inMarch(6, 6) },
  ];

  beforeAll(async () => {
    server = sharedDovecot();
    user = createMailUser(server, 'unsubscribed');
    await seedWithClientsUnsubscribed(server, user, seeds, ['Clients']);
    proxy = await startRecordingProxy(server.plainPort);
  });

  afterAll(async () => {
    await proxy?.close();
  });

  it('counts it exactly in one more flight, after the LIST that found it, and opens no folder twice', async () => {
    const before = proxy.flightsByConnection().length;
    const counts = await loopbackConnector(proxy.port, user).countSignals(range, options);
    // By hand from the seeds: INBOX 1 and Clients 1 received (its second message is at the end); Sent 2.
    expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 2, received: 2 });
    expect(counts.mailboxes.find((mailbox) => mailbox.path === 'Clients')?.inRange).toBe(1);
    const flights = countingFlights(proxy, before);
    // Login; INBOX + LSUB; the subscribed Sent + LIST; Clients; LOGOUT.
    expect(flights.length, JSON.stringify(flights)).toBe(5);
    expect(openedIn(flights[2])).toContain('Sent');
    expect(openedIn(flights[2])).not.toContain('Clients');
    expect(flights[2]?.at(-1)).toMatch(/ LIST /);
    expect(openedIn(flights[3])).toEqual(['Clients']);
    // Junk is subscribed, but its name says what it is: never opened.
    const examined = flights.flatMap(openedIn);
    expect(examined).not.toContain('Junk');
    expect(examined).toHaveLength(new Set(examined).size);
  });

  it('opens it with the subscribed folders, before the LIST, on the next count of the same connector', async () => {
    const connector = loopbackConnector(proxy.port, user);
    const first = await connector.countSignals(range, options);
    const before = proxy.flightsByConnection().length;
    const second = await connector.countSignals(range, options);
    expect({ sent: second.sent, received: second.received }).toEqual({ sent: 2, received: 2 });
    expect(second.buckets).toEqual(first.buckets);
    expect(second.warnings).toEqual(first.warnings);
    const flights = countingFlights(proxy, before);
    // Login; INBOX + LSUB; Sent and the remembered Clients + LIST; LOGOUT.
    expect(flights.length, JSON.stringify(flights)).toBe(4);
    expect(openedIn(flights[2])).toEqual(expect.arrayContaining(['Sent', 'Clients']));
    expect(flights[2]?.at(-1)).toMatch(/ LIST /);
    // A new connector remembers nothing: Clients one flight later again.
    const fresh = proxy.flightsByConnection().length;
    await loopbackConnector(proxy.port, user).countSignals(range, options);
    expect(countingFlights(proxy, fresh)).toHaveLength(5);
  });

  it('drops a remembered mailbox that was deleted since: no warning, the rest counted the same', async () => {
    const forgetful = createMailUser(server, 'remembered-gone');
    await seedMailboxes(server, forgetful, seeds, ['Clients']);
    const client = await RawImapClient.login(server.plainPort, forgetful.username, forgetful.password);
    await client.command('UNSUBSCRIBE "Clients"');
    const connector = loopbackConnector(proxy.port, forgetful);
    expect((await connector.countSignals(range, options)).received).toBe(2);
    await client.command('DELETE "Clients"');
    await client.logout();
    const before = proxy.flightsByConnection().length;
    const counts = await connector.countSignals(range, options);
    expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 2, received: 1 });
    expect(counts.warnings).toEqual([]);
    expect(counts.mailboxes.map((mailbox) => mailbox.path)).not.toContain('Clients');
    expect(countingFlights(proxy, before)[2]).toContainEqual(expect.stringMatching(/ EXAMINE "Clients"$/));
  });

  it('drops a subscription to a mailbox that no longer exists: no warning, the same counts', async () => {
    const ghostly = createMailUser(server, 'ghost-subscription');
    await seedMailboxes(server, ghostly, seeds.slice(0, 3), ['Ghost']);
    const client = await RawImapClient.login(server.plainPort, ghostly.username, ghostly.password);
    await client.command('DELETE "Ghost"');
    const subscriptions = await client.command('LSUB "" "*"');
    await client.logout();
    // Dovecot keeps the subscription of a deleted mailbox (RFC 3501 §6.3.9 allows it).
    expect(subscriptions.untagged.join('\n')).toContain('Ghost');
    const before = proxy.flightsByConnection().length;
    const counts = await loopbackConnector(proxy.port, ghostly).countSignals(range, options);
    expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 2, received: 1 });
    expect(counts.warnings).toEqual([]);
    expect(counts.mailboxes.map((mailbox) => mailbox.path)).not.toContain('Ghost');
    // It was guessed and refused, then left out by the list.
    expect(countingFlights(proxy, before)[2]).toContainEqual(expect.stringMatching(/ EXAMINE "Ghost"$/));
  });

  it('lists after INBOX, as before, when the server refuses LSUB', async () => {
    // The same Dovecot, with LSUB renamed on its way there: Dovecot answers BAD to a command it does not know.
    const refusing = await startRewritingProxy(
      server.plainPort,
      (line) => line,
      (line) => line.replace(/^(\S+) LSUB /, '$1 XLSUB '),
    );
    try {
      const counts = await loopbackConnector(refusing.port, user).countSignals(range, options);
      expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 2, received: 2 });
      expect(counts.warnings).toEqual([]);
      expect(refusing.serverLines()).toContainEqual(expect.stringMatching(/^\S+ BAD /));
    } finally {
      await refusing.close();
    }
  });
});

// Seeds the account (creating `created`, subscribed), then unsubscribes Clients: a folder a
// server-side filter made.
async function seedWithClientsUnsubscribed(
  server: DovecotEndpoint,
  user: MailUser,
  seeds: readonly SeedMessage[],
  created: readonly string[],
): Promise<void> {
  await seedMailboxes(server, user, seeds, created);
  const client = await RawImapClient.login(server.plainPort, user.username, user.password);
  await client.command('UNSUBSCRIBE "Clients"');
  await client.logout();
}

// The mailboxes a flight opened, in order.
function openedIn(flight: readonly string[] | undefined): string[] {
  return (flight ?? []).flatMap((line) => / EXAMINE "(.*)"$/.exec(line)?.[1] ?? []);
}

// The flights of the connection that counted (the one that sent EXAMINE), among those opened since
// `before`: a full count's side connection lists alongside.
function countingFlights(proxy: RecordingProxy, before: number): readonly (readonly string[])[] {
  const connections = proxy.flightsByConnection().slice(before);
  return (
    connections.find((own) => own.some((flight) => flight.some((line) => / EXAMINE /i.test(line)))) ?? []
  );
}

// A cursor's state as the SDK encodes it (`imc1.` + base64url JSON): watermark and per-mailbox floors.
function cursorState(cursor: string): { watermarkMs: number; floors: Record<string, number> } {
  const state = JSON.parse(Buffer.from(cursor.slice('imc1.'.length), 'base64url').toString('utf8')) as {
    w: number;
    m: [string, string, string, number][];
  };
  // Only counted mailboxes ('s', 'r'): a skipped one keeps floor 1.
  const counted = state.m.filter(([, counts]) => counts !== '-');
  return {
    watermarkMs: state.w,
    floors: Object.fromEntries(counted.map(([path, , , floor]) => [path, floor])),
  };
}

describeWithDovecot('a pipelined count of a range that ends less than a day ago', () => {
  const HOUR = 3_600_000;
  const now = Date.now();
  // The range ends 6 hours ago: not surely past, so the cursor's floors need the dates after it.
  const range = {
    since: new Date(now - 7 * 24 * HOUR).toISOString(),
    until: new Date(now - 6 * HOUR).toISOString(),
  };
  let server: DovecotEndpoint;
  let user: MailUser;
  let proxy: RecordingProxy;
  // In append order, so UIDs count from 1 per mailbox. "after" = dated at or after the range's end.
  const seeds: SeedMessage[] = [
    { mailbox: 'INBOX', atMs: now - 3 * HOUR }, // UID 1, after
    { mailbox: 'INBOX', atMs: now - 48 * HOUR }, // UID 2, in range
    { mailbox: 'INBOX', atMs: now - HOUR }, // UID 3, after
    { mailbox: 'Sent', atMs: now - 50 * HOUR }, // UID 1, in range
    { mailbox: 'Sent', atMs: now - 10 * HOUR }, // UID 2, in range
    { mailbox: 'Archive', atMs: now - 72 * HOUR }, // UID 1, in range
    { mailbox: 'Archive', atMs: now - 6 * HOUR + 1_000 }, // UID 2, after (a second past the end)
    { mailbox: 'Projects', atMs: now - 20 * 24 * HOUR }, // UID 1, before the range
    { mailbox: 'Projects', atMs: now - 5 * HOUR }, // UID 2, after
  ];
  // Written by hand from the seeds: the lowest UID dated at or after the end, else UIDNEXT.
  const expectedFloors = { INBOX: 1, Sent: 3, Archive: 2, Projects: 2, Clients: 1 };

  beforeAll(async () => {
    server = sharedDovecot();
    user = createMailUser(server, 'pipelined-now');
    await seedMailboxes(server, user, seeds, ['Projects', 'Clients']);
    proxy = await startRecordingProxy(server.plainPort);
  });

  afterAll(async () => {
    await proxy?.close();
  });

  const connector = () => loopbackConnector(proxy.port, user);

  it('takes 4 awaited round trips from the greeting to LOGOUT, login included, and finds every floor in its batches', async () => {
    const before = proxy.flightsByConnection().length;
    // `auto`: the subscribed folders first, on the counting connection (Dovecot answers LSUB alongside).
    const counts = await connector().countSignals(range, {
      granularity: 'day',
      timeZone: 'Europe/Berlin',
      transfer: 'fewest-round-trips',
    });
    expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 2, received: 2 });
    expect(counts.strategies).toEqual(['pipelined-dates', 'empty']);
    expect(cursorState(counts.cursor).floors).toEqual(expectedFloors);
    // The login (with its NOOP); INBOX's batch with NAMESPACE and LSUB; the subscribed folders' batch
    // with LIST; LOGOUT. No folder is opened twice.
    const flights = countingFlights(proxy, before);
    expect(flights.length, JSON.stringify(flights)).toBe(4);
    expect(flights[0]).toEqual([expect.stringMatching(/^S0 NOOP$/), expect.stringMatching(/^\S+ LOGIN /)]);
    expect(flights[1]?.[0]).toMatch(/^\S+ EXAMINE "INBOX"$/);
    expect(flights[1]?.slice(-2)).toEqual([
      expect.stringMatching(/^\S+ NAMESPACE$/),
      expect.stringMatching(/^\S+ LSUB /),
    ]);
    expect(flights[2]?.at(-1)).toMatch(/^\S+ LIST /);
    expect(flights.at(-1)).toEqual([expect.stringMatching(/^\S+ LOGOUT$/)]);
    const examined = flights.flat().filter((line) => / EXAMINE /.test(line));
    expect(examined).toHaveLength(new Set(examined.map((line) => line.split(' ').slice(1).join(' '))).size);
  });

  it('gives the same counts, floors and watermark as the per-mailbox path', async () => {
    const options = { granularity: 'day', timeZone: 'Europe/Berlin' } as const;
    const pipelined = await connector().countSignals(range, { ...options, transfer: 'fewest-round-trips' });
    const perMailbox = await connector().countSignals(range, { ...options, transfer: 'fewest-bytes' });
    expect(pipelined.buckets).toEqual(perMailbox.buckets);
    expect(cursorState(pipelined.cursor).floors).toEqual(cursorState(perMailbox.cursor).floors);
    // The range has not surely ended: the watermark is its end once the server is seen past it.
    expect(cursorState(pipelined.cursor).watermarkMs).toBe(Date.parse(range.until));
    expect(cursorState(perMailbox.cursor).watermarkMs).toBe(Date.parse(range.until));
  });

  it('counts a range that ends now in one batch per flight as well', async () => {
    const before = proxy.flightsByConnection().length;
    const counts = await connector().countSignals(
      { since: range.since, until: new Date(Date.now()).toISOString() },
      { transfer: 'fewest-round-trips', mailboxListing: 'same-connection' },
    );
    // Every seed but Projects' first (20 days old): INBOX 3, Archive 2, Projects 1 received; Sent 2.
    expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 2, received: 6 });
    expect(countingFlights(proxy, before).length).toBe(4);
    expect(cursorState(counts.cursor).floors).toEqual({
      INBOX: 4,
      Sent: 3,
      Archive: 3,
      Projects: 3,
      Clients: 1,
    });
  });
});

describeWithDovecot('the cursor floors of a pipelined count of a range that has surely ended', () => {
  const HOUR = 3_600_000;
  // Whole seconds, as INTERNALDATE: Archive's message is then exactly at the 3-day range's end.
  const now = Math.floor(Date.now() / 1000) * 1000;
  let server: DovecotEndpoint;
  let user: MailUser;
  let proxy: RecordingProxy;
  // In append order, so UIDs count from 1 per mailbox.
  const seeds: SeedMessage[] = [
    { mailbox: 'INBOX', atMs: now - 3 * HOUR }, // UID 1
    { mailbox: 'INBOX', atMs: now - 48 * HOUR }, // UID 2
    { mailbox: 'Sent', atMs: now - 50 * HOUR }, // UID 1
    { mailbox: 'Archive', atMs: now - 72 * HOUR }, // UID 1: exactly 3 days ago
    { mailbox: 'Projects', atMs: now - 20 * 24 * HOUR }, // UID 1
    { mailbox: 'Projects', atMs: now - 5 * HOUR }, // UID 2
  ];

  beforeAll(async () => {
    server = sharedDovecot();
    user = createMailUser(server, 'pipelined-past');
    await seedMailboxes(server, user, seeds, ['Projects', 'Clients']);
    proxy = await startRecordingProxy(server.plainPort);
  });

  afterAll(async () => {
    await proxy?.close();
  });

  const count = (daysAgo: number) =>
    loopbackConnector(proxy.port, user).countSignals(
      {
        since: new Date(now - (daysAgo + 30) * 24 * HOUR).toISOString(),
        until: new Date(now - daysAgo * 24 * HOUR).toISOString(),
      },
      { transfer: 'fewest-round-trips' },
    );

  it('reads them from the dates it fetches when the range ended within a week: no floor search', async () => {
    const before = proxy.flights().length;
    const counts = await count(3);
    // Only Projects' first message is in the range (20 days ago); Archive's is exactly at its end.
    expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 0, received: 1 });
    const lines = proxy.flights().slice(before).flat();
    expect(lines.filter((line) => /RETURN \(MIN\)/.test(line))).toEqual([]);
    expect(lines.filter((line) => / EXAMINE /.test(line))).toHaveLength(5);
    // Written by hand: the lowest UID dated at or after the end, else UIDNEXT.
    expect(cursorState(counts.cursor).floors).toEqual({
      INBOX: 1,
      Sent: 1,
      Archive: 1,
      Projects: 2,
      Clients: 1,
    });
    expect(cursorState(counts.cursor).watermarkMs).toBe(now - 72 * HOUR);
  });

  it('searches them alongside the batch when the range ended over a week ago', async () => {
    const before = proxy.flights().length;
    const counts = await count(10);
    expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 0, received: 1 });
    const lines = proxy.flights().slice(before).flat();
    // One floor search per mailbox, sent with its EXAMINE.
    expect(lines.filter((line) => /RETURN \(MIN\)/.test(line))).toHaveLength(5);
    expect(cursorState(counts.cursor).floors).toEqual({
      INBOX: 1,
      Sent: 1,
      Archive: 1,
      Projects: 2,
      Clients: 1,
    });
    expect(cursorState(counts.cursor).watermarkMs).toBe(now - 240 * HOUR);
  });
});

describeWithDovecot('the round trip a count measures before choosing its path', () => {
  let proxy: CountingProxy;
  let user: MailUser;

  beforeAll(async () => {
    const server = sharedDovecot();
    user = createMailUser(server, 'rtt-probe');
    await seedMailboxes(server, user, [{ mailbox: 'INBOX', atMs: inMarch(2, 9) }]);
    proxy = await CountingProxy.start(server.plainPort);
  });

  afterAll(async () => {
    await proxy?.stop();
  });

  // A count with `mailboxListing: 'auto'` (the default) through the proxy: how many logins it made and
  // what it logged about its choice.
  async function autoCount(oneWayDelayMs: number) {
    proxy.oneWayDelayMs = oneWayDelayMs;
    proxy.reset();
    const choices: Record<string, unknown>[] = [];
    const record = (entry: Record<string, unknown>) => {
      if (entry['mailboxListing'] !== undefined) choices.push(entry);
    };
    const counts = await loopbackConnector(proxy.port, user, {
      logger: { debug: record, info: record, warn: record, error: record },
    }).countSignals({ since: '2026-03-01T00:00:00Z', until: '2026-04-01T00:00:00Z' }, { timeZone: 'UTC' });
    expect(counts.received).toBe(1);
    expect(choices).toHaveLength(1);
    return { logins: proxy.counters.logins, choice: choices[0] ?? {} };
  }

  it('mailboxListing auto on a fast link lists on its own connection after the subscribed mailboxes: the side never connects', async () => {
    // Dovecot answers LSUB alongside a batch: the count opens the subscribed mailboxes before it lists,
    // which costs no rescan, so the side is declined without waiting for INBOX's size (whatever the
    // round trip: a loaded machine can delay one answer past SIDE_LISTING_MAX_ROUND_TRIP_MS).
    // The debug entry names the reason when the side was declined for it; a count whose login measured
    // a slow round trip declined it before (the loaded machine's case): it is retried a few times.
    let fast = 0;
    for (let count = 0; count < 5 && fast === 0; count += 1) {
      const { logins, choice } = await autoCount(0);
      const roundTripMs = choice['roundTripMs'];
      expect(typeof roundTripMs).toBe('number');
      expect(choice['mailboxListing']).toBe('same-connection');
      expect(choice['inboxMessages']).toBeUndefined();
      expect(logins).toBe(1);
      if ((roundTripMs as number) < SIDE_LISTING_MAX_ROUND_TRIP_MS) {
        expect(choice['subscriptionsFirst']).toBe(true);
        fast += 1;
      }
    }
    expect(fast).toBe(1);
  });

  it('mailboxListing auto lists on the counting connection behind a 40 ms link: the side never logs in', async () => {
    const { logins, choice } = await autoCount(20);
    expect(choice).toMatchObject({ mailboxListing: 'same-connection' });
    expect(choice['roundTripMs']).toBeGreaterThanOrEqual(SIDE_LISTING_MAX_ROUND_TRIP_MS);
    expect(logins).toBe(1);
  });

  it('is timed on the NOOP sent with the login: behind a 40 ms link, auto pipelines on a server with SORT', async () => {
    proxy.oneWayDelayMs = 20;
    const counts = await loopbackConnector(proxy.port, user).countSignals(
      { since: '2026-03-01T00:00:00Z', until: '2026-04-01T00:00:00Z' },
      { granularity: 'day', timeZone: 'UTC' },
    );
    expect(counts.received).toBe(1);
    expect(counts.strategies).toContain('pipelined-dates');
    expect(counts.strategies).not.toContain('arrival-order');
  });
});

describeWithDovecot('an account that deduplicates (it has an All Mail view)', () => {
  const variant: DovecotVariant = {
    ...standardVariant,
    name: 'all-mail-view',
    mailboxes: [...standardVariant.mailboxes, { name: 'All Mail', specialUse: '\\All' }],
  };
  let server: DovecotServer;

  beforeAll(async () => {
    server = await startDovecot(variant);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it.each([
    ['subscribed (\\All): no mailbox is opened before the list', true],
    [
      'not subscribed (a folder named "All Messages"): the mailboxes read before the list are read again, and leave no warning',
      false,
    ],
  ])('warns once about a date it cannot read, the view %s', async (_name, viewSubscribed) => {
    // Dovecot keeps its `auto = subscribe` mailboxes subscribed: the unsubscribed view is an ordinary
    // folder on the shared server, a view by its name.
    const target = viewSubscribed ? server : sharedDovecot();
    const user = createMailUser(target, 'all-mail');
    // 13 March 13:13:13 UTC is Sent's second message: the proxy garbles that date on its way back.
    await seedMailboxes(
      target,
      user,
      [
        { mailbox: 'INBOX', atMs: inMarch(1, 9) },
        { mailbox: 'Sent', atMs: inMarch(3, 8) },
        { mailbox: 'Sent', atMs: Date.UTC(2026, 2, 13, 13, 13, 13) },
      ],
      viewSubscribed ? [] : ['All Messages'],
    );
    if (!viewSubscribed) {
      const client = await RawImapClient.login(target.plainPort, user.username, user.password);
      await client.command('UNSUBSCRIBE "All Messages"');
      await client.logout();
    }
    const sent: string[] = [];
    const garbling = await startRewritingProxy(
      target.plainPort,
      (line) => line.replace('"13-Mar-2026 13:13:13 +0000"', '"13-Mar-2026 99:13:13 +0000"'),
      (line) => {
        sent.push(line);
        return line;
      },
    );
    try {
      const counts = await loopbackConnector(garbling.port, user).countSignals(
        { since: '2026-03-01T00:00:00Z', until: '2026-04-01T00:00:00Z' },
        { timeZone: 'UTC', transfer: 'fewest-round-trips' },
      );
      expect(counts.deduplication).toBe('message-id');
      const list = sent.findIndex((line) => / LIST /.test(line));
      expect(list, sent.join('\n')).toBeGreaterThan(0);
      const firstSent = sent.findIndex((line) => / EXAMINE "?Sent"?( |$)/.test(line));
      if (viewSubscribed) expect(firstSent).toBeGreaterThan(list);
      else expect(firstSent).toBeLessThan(list);
      // The garbled message is not counted (its date cannot be read); it is reported once.
      expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 1, received: 1 });
      expect(counts.warnings.filter((warning) => warning.code === 'internal_date_malformed')).toEqual([
        expect.objectContaining({ mailbox: 'Sent' }),
      ]);
    } finally {
      await garbling.close();
    }
  });
});
