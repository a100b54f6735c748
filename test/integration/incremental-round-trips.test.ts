import { afterAll, beforeAll, expect, it } from 'vitest';
import { ImapConnector } from '../../src/index.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import { createMailUser, type DovecotEndpoint, type MailUser } from '../harness/dovecot/dovecot-server.js';
import { type SeedMessage, seedMailboxes } from '../harness/mail-seeder.js';
import { type RecordingProxy, startRecordingProxy } from '../harness/recording-proxy.js';

const inMarch = (day: number, hour: number) => Date.UTC(2026, 2, day, hour, 15);

describeWithDovecot('the incremental count (cursor) against a real Dovecot', () => {
  let server: DovecotEndpoint;
  let user: MailUser;
  let proxy: RecordingProxy;
  // Five counted folders, as in the benchmark, plus one the count skips.
  const seeds: SeedMessage[] = [
    { mailbox: 'INBOX', atMs: inMarch(1, 9) },
    { mailbox: 'INBOX', atMs: inMarch(2, 23) },
    { mailbox: 'Sent', atMs: inMarch(3, 8) },
    { mailbox: 'Archive', atMs: inMarch(4, 12) },
    { mailbox: 'Projects', atMs: inMarch(5, 7) },
    { mailbox: 'Clients', atMs: inMarch(6, 22) },
    { mailbox: 'Junk', atMs: inMarch(6, 6) },
  ];

  beforeAll(async () => {
    server = sharedDovecot();
    user = createMailUser(server, 'incremental-trips');
    await seedMailboxes(server, user, seeds, ['Projects', 'Clients']);
    proxy = await startRecordingProxy(server.plainPort);
  });

  afterAll(async () => {
    await proxy?.close();
  });

  it('reads five folders from the cursor in at most 3 awaited round trips after login, exactly', async () => {
    const connector = new ImapConnector({
      host: '127.0.0.1',
      port: proxy.port,
      security: 'none',
      username: user.username,
      password: user.password,
    });
    const options = { granularity: 'day', timeZone: 'Europe/Berlin' } as const;
    const { cursor } = await connector.countSignals({ from: '2026-03-01', to: '2026-03-09' }, options);
    // The next days' mail, delivered after the first count: one in each counted folder, one in Junk.
    await seedMailboxes(server, user, [
      { mailbox: 'INBOX', atMs: inMarch(10, 8) },
      { mailbox: 'INBOX', atMs: inMarch(11, 21) },
      { mailbox: 'Sent', atMs: inMarch(10, 12) },
      { mailbox: 'Archive', atMs: inMarch(11, 9) },
      { mailbox: 'Projects', atMs: inMarch(10, 17) },
      { mailbox: 'Clients', atMs: inMarch(11, 6) },
      { mailbox: 'Junk', atMs: inMarch(10, 6) },
    ]);
    const before = proxy.flights().length;
    const counts = await connector.countSignals(
      { from: '2026-03-10', to: '2026-03-11' },
      { ...options, cursor },
    );
    // Written by hand from the appended messages: 10 March has INBOX, Sent, Projects and Junk (not
    // counted); 11 March INBOX (21:15 UTC is 22:15 in Berlin, still the 11th), Archive, Clients.
    expect(counts.mode).toBe('incremental');
    expect(counts.buckets.map((bucket) => [bucket.label, bucket.sent, bucket.received])).toEqual([
      ['2026-03-10', 1, 2],
      ['2026-03-11', 0, 3],
    ]);
    expect(counts.mailboxes.filter((mailbox) => mailbox.sync === 'incremental')).toHaveLength(5);
    const flights = proxy.flights().slice(before);
    const firstAfterLogin = flights.findIndex((flight) => flight.some((line) => / EXAMINE /i.test(line)));
    const countingFlights = flights
      .slice(firstAfterLogin)
      .filter((flight) => !flight.every((line) => / LOGOUT$/i.test(line)));
    expect(countingFlights.length, JSON.stringify(countingFlights)).toBeLessThanOrEqual(3);
    // The LIST shares the first flight, after every EXAMINE (on Dovecot a LIST before them would make
    // each EXAMINE rescan its folder).
    const first = countingFlights[0] ?? [];
    const lastExamine = first.findLastIndex((line) => / EXAMINE /i.test(line));
    const list = first.findIndex((line) => / LIST /i.test(line));
    expect(first.filter((line) => / EXAMINE /i.test(line))).toHaveLength(5);
    expect(list).toBeGreaterThan(lastExamine);
  });
});
