import { DateTime } from 'luxon';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ImapConnector } from '../../src/index.js';
import { CountingChannel } from '../../src/session/counting-channel.js';
import { describeWithDovecot } from '../harness/dovecot/dovecot-availability.js';
import {
  createMailUser,
  type DovecotServer,
  type MailUser,
  startDovecot,
} from '../harness/dovecot/dovecot-server.js';
import { reducedCapabilityVariant } from '../harness/dovecot/dovecot-variants.js';
import { writeInboxFiles } from '../harness/maildir-writer.js';

// A server without ESEARCH or SEARCHRES answers a window's search with one `* SEARCH` line listing every
// UID: 30,000 messages make it ~170 KB, more than the response tap frames whole (64 KiB and a chunk),
// so it is read as it arrives (`CountingChannel.streamLongLine`) instead of being framed by imapflow.
const ZONE = 'Europe/Berlin';
const DAYS = 10;
const MESSAGES = 30_000;
const days = Array.from({ length: DAYS + 1 }, (_, day) =>
  DateTime.fromISO('2026-03-01T00:00:00', { zone: ZONE }).plus({ days: day }).toMillis(),
);
const since = days[0] ?? 0;
const until = days[DAYS] ?? 0;

// Spread evenly over the ten days (whole seconds), plus one at every midnight and one a second before it.
const seeds: number[] = [
  ...Array.from(
    { length: MESSAGES },
    (_, index) => Math.floor((since + ((until - since) * index) / MESSAGES) / 1000) * 1000,
  ),
  ...days.slice(1, DAYS).flatMap((midnight) => [midnight, midnight - 1_000]),
];
// Counted by hand from the seed list: a message belongs to the Berlin day whose midnight is at or before it.
const expectedDaily = days.slice(0, DAYS).map((start, day) => {
  const end = days[day + 1] ?? 0;
  return seeds.filter((atMs) => atMs >= start && atMs < end).length;
});

describeWithDovecot('a SEARCH answer longer than 64 KiB, on a Dovecot without ESEARCH or SEARCHRES', () => {
  let server: DovecotServer;
  let user: MailUser;

  beforeAll(async () => {
    server = await startDovecot(reducedCapabilityVariant);
    user = createMailUser(server, 'long-search');
    writeInboxFiles(server, user, seeds);
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await server?.stop();
  });

  it('counts every Berlin day exactly, the answer read as it arrives', async () => {
    const streamed = vi.spyOn(CountingChannel.prototype, 'streamLongLine');
    const counts = await new ImapConnector({
      host: server.host,
      port: server.plainPort,
      security: 'none',
      username: user.username,
      password: user.password,
    }).countSignals(
      { since: new Date(since), until: new Date(until) },
      { granularity: 'day', timeZone: ZONE, transfer: 'fewest-round-trips' },
    );
    expect(counts.strategies).toContain('pipelined-dates');
    expect(counts.buckets.map((bucket) => bucket.received)).toEqual(expectedDaily);
    expect(counts.received).toBe(MESSAGES + 2 * (DAYS - 1));
    // INBOX's answer was read by the channel as it came (a sink was handed out for it).
    expect(
      streamed.mock.results.some((result) => result.type === 'return' && result.value !== undefined),
    ).toBe(true);
  });
});
