import { afterAll, beforeAll, expect, it } from 'vitest';
import { ImapConnector } from '../../src/index.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import { createMailUser, type DovecotEndpoint, type MailUser } from '../harness/dovecot/dovecot-server.js';
import { type SeedMessage, seedMailboxes } from '../harness/mail-seeder.js';
import { type RecordingProxy, startRecordingProxy } from '../harness/recording-proxy.js';

const inMarch = (day: number, hour: number) => Date.UTC(2026, 2, day, hour, 15);

describeWithDovecot('the pipelined counting path against a real Dovecot', () => {
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
    { mailbox: 'Clients', atMs: inMarch(31, 22) },
    { mailbox: 'Junk', atMs: inMarch(6, 6) },
  ];

  beforeAll(async () => {
    server = sharedDovecot();
    user = createMailUser(server, 'pipelined');
    await seedMailboxes(server, user, seeds, ['Projects', 'Clients']);
    proxy = await startRecordingProxy(server.plainPort);
  });

  afterAll(async () => {
    await proxy?.close();
  });

  it('counts five folders daily in at most 4 awaited round trips after login, exactly', async () => {
    const before = proxy.flights().length;
    const counts = await new ImapConnector({
      host: '127.0.0.1',
      port: proxy.port,
      security: 'none',
      username: user.username,
      password: user.password,
    }).countSignals(
      { since: '2026-03-01T00:00:00Z', until: '2026-04-01T00:00:00Z' },
      { granularity: 'day', timeZone: 'Europe/Berlin', transfer: 'fewest-round-trips' },
    );
    // Written by hand from the seeds: every message is inside [1 March, 1 April) UTC (Clients' one at
    // 22:15 UTC on 31 March too); Junk is not counted.
    expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 1, received: 5 });
    expect(counts.strategies).toEqual(['pipelined-dates']);
    const flights = proxy.flights().slice(before);
    const firstAfterLogin = flights.findIndex((flight) => flight.some((line) => / EXAMINE /i.test(line)));
    const countingFlights = flights
      .slice(firstAfterLogin)
      .filter((flight) => !flight.every((line) => / LOGOUT$/i.test(line)));
    expect(countingFlights.length, JSON.stringify(countingFlights)).toBeLessThanOrEqual(4);
    // LIST rides in INBOX's flight, behind INBOX's EXAMINE (on Dovecot a LIST makes every later EXAMINE
    // rescan its folder).
    const first = countingFlights[0] ?? [];
    const examineInbox = first.findIndex((line) => / EXAMINE "INBOX"$/i.test(line));
    const list = first.findIndex((line) => / LIST /i.test(line));
    expect(examineInbox, JSON.stringify(first)).toBe(0);
    expect(list, JSON.stringify(first)).toBeGreaterThan(examineInbox);
  });
});
