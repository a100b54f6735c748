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
import { spreadOverDays } from '../harness/spread-seeds.js';

// A server without ESEARCH or SEARCHRES answers a window's search with one `* SEARCH` line listing every
// UID: 30,000 messages make it ~170 KB, more than the response tap frames whole (64 KiB and a chunk),
// so it is read as it arrives (`CountingChannel.streamLongLine`) instead of being framed by imapflow.
const ZONE = 'Europe/Berlin';
const DAYS = 10;
const MESSAGES = 30_000;
// Spread evenly over the ten days, plus one at every midnight and one a second before it; each day's
// count worked out from the seed list alone.
const { since, until, seeds, expectedDaily } = spreadOverDays({
  zone: ZONE,
  firstDay: '2026-03-01',
  days: DAYS,
  messages: MESSAGES,
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
