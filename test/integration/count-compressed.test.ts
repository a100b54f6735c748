import { DateTime } from 'luxon';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CountSignalsOptions, ImapConnector, type SignalCounts } from '../../src/index.js';
import { describeWithDovecot } from '../harness/dovecot/dovecot-availability.js';
import {
  createMailUser,
  type DovecotServer,
  type MailUser,
  startDovecot,
} from '../harness/dovecot/dovecot-server.js';
import { compressingVariant } from '../harness/dovecot/dovecot-variants.js';
import { type SeedMessage, seedMailboxes } from '../harness/mail-seeder.js';

const ZONE = 'Europe/Berlin';
// 12 Berlin days across the end of summer time (2026-10-25, a 25-hour day).
const FIRST_DAY = DateTime.fromISO('2026-10-19T00:00:00', { zone: ZONE });
const DAYS = 12;
const boundaries = Array.from({ length: DAYS + 1 }, (_, day) => FIRST_DAY.plus({ days: day }).toMillis());
const since = boundaries[0] ?? 0;
const until = boundaries[DAYS] ?? 0;

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
}

// Messages 1 s before, at and 1 s after every boundary, mail all day long, some outside the range, and
// 5 % appended out of date order, so UID order is not date order.
function seedList(mailbox: string, seed: number): SeedMessage[] {
  const next = random(seed);
  const dates: number[] = [];
  for (const boundary of boundaries) dates.push(boundary - 1000, boundary, boundary + 1000);
  for (let index = 0; index < 600; index += 1)
    dates.push(since - 2 * 86_400_000 + Math.floor(next() * (DAYS + 4) * 86_400) * 1000);
  dates.sort((a, b) => a - b);
  const moved = dates.filter(() => next() < 0.05);
  const ordered = [...dates.filter((date) => !moved.includes(date)), ...moved];
  return ordered.map((atMs) => ({ mailbox, atMs, offsetMinutes: Math.floor(next() * 5) * 180 - 360 }));
}

const received = seedList('INBOX', 11);
const sent = seedList('Sent', 12);

// Expected counts, from the seed list alone.
function expected() {
  const countIn = (list: readonly SeedMessage[], start: number, end: number) =>
    list.filter((message) => message.atMs >= start && message.atMs < end).length;
  return {
    sent: countIn(sent, since, until),
    received: countIn(received, since, until),
    buckets: boundaries.slice(0, -1).map((start, index) => {
      const end = boundaries[index + 1] ?? until;
      return { sent: countIn(sent, start, end), received: countIn(received, start, end) };
    }),
  };
}

const shape = (counts: SignalCounts) => ({
  sent: counts.sent,
  received: counts.received,
  buckets: counts.buckets.map((bucket) => ({ sent: bucket.sent, received: bucket.received })),
});

describeWithDovecot('counting over a COMPRESS=DEFLATE connection (real Dovecot with imap_zlib)', () => {
  let server: DovecotServer;
  let user: MailUser;

  beforeAll(async () => {
    server = await startDovecot(compressingVariant);
    user = createMailUser(server, 'deflate');
    await seedMailboxes(server, user, [...received, ...sent]);
  });

  afterAll(async () => {
    await server?.stop();
  });

  // The client's side of the protocol trace, to prove the count ran compressed.
  function tracingConnector(clientLines: string[]): ImapConnector {
    const record = (entry: Readonly<Record<string, unknown>>) => {
      if (entry['src'] === 'c') clientLines.push(String(entry['msg']));
    };
    return new ImapConnector(
      {
        host: server.host,
        port: server.tlsPort,
        security: 'tls',
        username: user.username,
        password: user.password,
        tls: { ca: server.caPem },
      },
      { logger: { debug: record, info: record, warn: record, error: record } },
    );
  }

  it.each([
    ['pipelined dates', 'fewest-round-trips'],
    ['arrival order', 'fewest-bytes'],
  ] as const)('counts every Berlin day exactly by %s, compressed', async (_name, transfer) => {
    const clientLines: string[] = [];
    const options: CountSignalsOptions = { granularity: 'day', timeZone: ZONE, transfer };
    const counts = await tracingConnector(clientLines).countSignals(
      { since: new Date(since), until: new Date(until) },
      options,
    );
    expect(clientLines.some((line) => /\bCOMPRESS DEFLATE\b/i.test(line))).toBe(true);
    expect(shape(counts)).toEqual(expected());
  });

  it('continues from a cursor over a compressed connection: the sum of the syncs equals the full count', async () => {
    const first = await tracingConnector([]).countSignals(
      { since: new Date(since), until: new Date(boundaries[6] ?? 0) },
      { granularity: 'day', timeZone: ZONE },
    );
    const second = await tracingConnector([]).countSignals(
      { since: new Date(since), until: new Date(until) },
      { granularity: 'day', timeZone: ZONE, cursor: first.cursor },
    );
    expect(second.mode).toBe('incremental');
    expect(first.sent + second.sent).toBe(expected().sent);
    expect(first.received + second.received).toBe(expected().received);
  });
});
