import { DateTime } from 'luxon';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ImapConnector, type SignalCounts } from '../../src/index.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import {
  createMailUser,
  type DovecotEndpoint,
  type DovecotServer,
  type MailUser,
  startDovecot,
} from '../harness/dovecot/dovecot-server.js';
import { reducedCapabilityVariant, withoutWithinVariant } from '../harness/dovecot/dovecot-variants.js';
import { type SeedMessage, seedMailboxes } from '../harness/mail-seeder.js';
import { startRewritingProxy } from '../harness/rewriting-proxy.js';

const ZONE = 'Europe/Berlin';
// 20 Berlin days across the start of summer time (2026-03-29, a 23-hour day).
const FIRST_DAY = DateTime.fromISO('2026-03-20T00:00:00', { zone: ZONE });
const DAYS = 20;
const boundaries = Array.from({ length: DAYS + 1 }, (_, day) => FIRST_DAY.plus({ days: day }).toMillis());
const since = boundaries[0] ?? 0;
const until = boundaries[DAYS] ?? 0;

// A small deterministic PRNG, so the seed list (and what it must count to) is the same on every run.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
}

// At every boundary: messages 1 s before, at, and 1 s after, a burst within ±40 s, and mail all day
// long; a few days before and after the range; offsets from −12:00 to +14:00; and 3 % appended out of
// date order (imports, moves), so UID order is not date order.
function seedList(mailbox: string, seed: number): SeedMessage[] {
  const next = random(seed);
  const offsets = [-720, -300, 0, 60, 120, 345, 540, 840];
  const dates: number[] = [];
  for (const boundary of boundaries) {
    dates.push(boundary - 1000, boundary, boundary + 1000);
    for (let index = 0; index < 6; index += 1) dates.push(boundary + Math.round((next() - 0.5) * 80) * 1000);
  }
  for (let index = 0; index < 400; index += 1)
    dates.push(since - 3 * 86_400_000 + Math.floor(next() * (DAYS + 6) * 86_400) * 1000);
  dates.sort((a, b) => a - b);
  const moved = dates.filter(() => next() < 0.03);
  const ordered = [...dates.filter((date) => !moved.includes(date)), ...moved];
  return ordered.map((atMs) => ({
    mailbox,
    atMs,
    offsetMinutes: offsets[Math.floor(next() * offsets.length)] ?? 0,
  }));
}

const received = seedList('INBOX', 1);
const sent = seedList('Sent', 2);

// Expected counts, from the seed list alone.
function expected(from: number, to: number, edges: readonly number[]) {
  const countIn = (list: readonly SeedMessage[], start: number, end: number) =>
    list.filter((message) => message.atMs >= start && message.atMs < end).length;
  const buckets = edges.slice(0, -1).map((start, index) => {
    const end = edges[index + 1] ?? to;
    return { sent: countIn(sent, start, end), received: countIn(received, start, end) };
  });
  return { sent: countIn(sent, from, to), received: countIn(received, from, to), buckets };
}

const shape = (counts: SignalCounts) => ({
  sent: counts.sent,
  received: counts.received,
  buckets: counts.buckets.map((bucket) => ({ sent: bucket.sent, received: bucket.received })),
});

// The strategies used for the mailboxes that hold mail (empty folders are answered without any).
const countedWith = (counts: SignalCounts) => counts.strategies.filter((strategy) => strategy !== 'empty');

describeWithDovecot(
  'counting by arrival order (SORT/ESORT) and by WITHIN counts against a real Dovecot',
  () => {
    // Stock Dovecot without WITHIN: `fewest-bytes` counts by arrival order there.
    let standard: DovecotServer;
    let reduced: DovecotServer;
    let withWithin: DovecotEndpoint;
    let standardUser: MailUser;
    let reducedUser: MailUser;
    let withinUser: MailUser;

    beforeAll(async () => {
      standard = await startDovecot(withoutWithinVariant);
      reduced = await startDovecot(reducedCapabilityVariant);
      withWithin = sharedDovecot();
      standardUser = createMailUser(standard, 'arrival');
      reducedUser = createMailUser(reduced, 'arrival');
      withinUser = createMailUser(withWithin, 'within');
      await seedMailboxes(standard, standardUser, [...received, ...sent]);
      await seedMailboxes(reduced, reducedUser, [...received, ...sent]);
      await seedMailboxes(withWithin, withinUser, [...received, ...sent]);
    });

    afterAll(async () => {
      vi.restoreAllMocks();
      await standard?.stop();
      await reduced?.stop();
    });

    function connector(server: DovecotEndpoint, user: MailUser, port = server.plainPort): ImapConnector {
      return new ImapConnector({
        host: server.host,
        port,
        security: 'none',
        username: user.username,
        password: user.password,
      });
    }

    it('counts every Berlin day exactly, ±1 s edges and out-of-order appends included, by arrival order', async () => {
      const counts = await connector(standard, standardUser).countSignals(
        { since: new Date(since), until: new Date(until) },
        { granularity: 'day', timeZone: ZONE, transfer: 'fewest-bytes' },
      );
      expect(countedWith(counts)).toEqual(['arrival-order']);
      expect(shape(counts)).toEqual(expected(since, until, boundaries));
      expect(counts.warnings.filter((warning) => warning.code === 'arrival_order_unusable')).toEqual([]);
    });

    it('gives the same buckets as fetching every date on a server without SORT', async () => {
      const options = { granularity: 'day', timeZone: ZONE, transfer: 'fewest-bytes' } as const;
      const range = { since: new Date(since), until: new Date(until) };
      const byArrival = await connector(standard, standardUser).countSignals(range, options);
      const byDates = await connector(reduced, reducedUser).countSignals(range, options);
      expect(countedWith(byDates)).toEqual(['fetch-dates']);
      expect(shape(byArrival)).toEqual(shape(byDates));
    });

    it('does not depend on the client clock: a few seconds of skew either way change nothing', async () => {
      const realNow = Date.now;
      for (const skewMs of [-7_000, 7_000]) {
        vi.spyOn(Date, 'now').mockImplementation(() => realNow() + skewMs);
        const counts = await connector(standard, standardUser).countSignals(
          { since: new Date(since), until: new Date(until) },
          { granularity: 'day', timeZone: ZONE, transfer: 'fewest-bytes' },
        );
        vi.restoreAllMocks();
        expect(shape(counts)).toEqual(expected(since, until, boundaries));
      }
    });

    it('counts a total whose range starts and ends 1 s from seeded messages', async () => {
      const from = (boundaries[3] ?? 0) + 1000;
      const to = (boundaries[11] ?? 0) - 1000;
      const counts = await connector(standard, standardUser).countSignals(
        { since: new Date(from), until: new Date(to) },
        { transfer: 'fewest-bytes' },
      );
      expect(countedWith(counts)).toEqual(['arrival-order']);
      expect(shape(counts)).toEqual(expected(from, to, [from, to]));
    });

    it('counts a long total on a server without SORT or ESEARCH from the interior UID list and the edge dates', async () => {
      const from = (boundaries[2] ?? 0) - 1000;
      const to = (boundaries[17] ?? 0) + 200 * 86_400_000;
      const counts = await connector(reduced, reducedUser).countSignals(
        { since: new Date(from), until: new Date(to) },
        { transfer: 'fewest-bytes' },
      );
      expect(countedWith(counts)).toEqual(['interior-count']);
      expect(shape(counts)).toEqual(expected(from, to, [from, to]));
    });

    it('counts a short total on a server without SORT or ESEARCH by fetching the dates', async () => {
      const from = (boundaries[2] ?? 0) - 1000;
      const to = (boundaries[17] ?? 0) + 1000;
      const counts = await connector(reduced, reducedUser).countSignals(
        { since: new Date(from), until: new Date(to) },
        { transfer: 'fewest-bytes' },
      );
      expect(countedWith(counts)).toEqual(['fetch-dates']);
      expect(shape(counts)).toEqual(expected(from, to, [from, to]));
    });

    it('counts everything when the range holds the whole mailbox', async () => {
      const from = Date.UTC(2000, 0, 1);
      const to = Date.UTC(2030, 0, 1);
      const counts = await connector(standard, standardUser).countSignals(
        { since: new Date(from), until: new Date(to) },
        { transfer: 'fewest-bytes' },
      );
      expect(countedWith(counts)).toEqual(['arrival-order']);
      expect(shape(counts)).toEqual({
        sent: sent.length,
        received: received.length,
        buckets: [{ sent: sent.length, received: received.length }],
      });
    });
    it('counts every Berlin day exactly with WITHIN counts, ±1 s edges, bursts and out-of-order appends included', async () => {
      const counts = await connector(withWithin, withinUser).countSignals(
        { since: new Date(since), until: new Date(until) },
        { granularity: 'day', timeZone: ZONE, transfer: 'fewest-bytes' },
      );
      expect(countedWith(counts)).toEqual(['within-counts']);
      expect(shape(counts)).toEqual(expected(since, until, boundaries));
      expect(counts.warnings).toEqual([]);
    });

    it('finds the server clock when the local one is minutes or days off, and still counts exactly', async () => {
      const realNow = Date.now;
      for (const skewMs of [-1_500, 9_000, -300_000, 4 * 86_400_000]) {
        vi.spyOn(Date, 'now').mockImplementation(() => realNow() + skewMs);
        const counts = await connector(withWithin, withinUser).countSignals(
          { since: new Date(since), until: new Date(until) },
          { granularity: 'day', timeZone: ZONE, transfer: 'fewest-bytes' },
        );
        vi.restoreAllMocks();
        expect(countedWith(counts), `skew ${skewMs} ms`).toEqual(['within-counts']);
        expect(shape(counts), `skew ${skewMs} ms`).toEqual(expected(since, until, boundaries));
      }
    });

    it('counts a total 1 s from seeded messages with WITHIN counts, and leaves a range reaching the future to arrival order', async () => {
      const from = (boundaries[3] ?? 0) + 1000;
      const to = (boundaries[11] ?? 0) - 1000;
      const total = await connector(withWithin, withinUser).countSignals(
        { since: new Date(from), until: new Date(to) },
        { transfer: 'fewest-bytes' },
      );
      expect(countedWith(total)).toEqual(['within-counts']);
      expect(shape(total)).toEqual(expected(from, to, [from, to]));
      // YOUNGER cannot name an instant the server has not reached.
      const open = await connector(withWithin, withinUser).countSignals(
        { since: new Date(from), until: new Date(Date.UTC(2030, 0, 1)) },
        { transfer: 'fewest-bytes' },
      );
      expect(countedWith(open)).toEqual(['arrival-order']);
      expect(shape(open)).toEqual(expected(from, Date.UTC(2030, 0, 1), [from, Date.UTC(2030, 0, 1)]));
    });

    it('leaves WITHIN counts that contradict each other to arrival order, with a warning, and counts exactly', async () => {
      // Counts above the probes' 0–2 made to jump up and down: later boundaries cannot have more mail.
      const counts = await countDailyThroughProxy((line) =>
        line.replace(
          /^(\* ESEARCH \(TAG "[^"]+"\) UID COUNT )(\d+)$/,
          (whole, head: string, count: string) =>
            Number(count) > 2 ? `${head}${(Number(count) * 7) % 97}` : whole,
        ),
      );
      expect(countedWith(counts)).toEqual(['arrival-order']);
      expect(counts.warnings.map((warning) => warning.code)).toEqual([
        'server_clock_unusable',
        'server_clock_unusable',
      ]);
      expect(shape(counts)).toEqual(expected(since, until, boundaries));
    });

    // The daily count with `fewest-bytes` on the Dovecot with WITHIN, through a proxy that rewrites
    // server lines and, when given, command lines.
    async function countDailyThroughProxy(
      rewrite: (line: string) => string,
      rewriteClientLine?: (line: string) => string,
    ): Promise<SignalCounts> {
      const proxy = await startRewritingProxy(withWithin.plainPort, rewrite, rewriteClientLine);
      try {
        return await connector(withWithin, withinUser, proxy.port).countSignals(
          { since: new Date(since), until: new Date(until) },
          { granularity: 'day', timeZone: ZONE, transfer: 'fewest-bytes' },
        );
      } finally {
        await proxy.close();
      }
    }

    // The server's clock as a client sees it, rewritten on the way in: each command's YOUNGER intervals
    // shortened by `shiftSeconds(n)` make the server read now + shift for its n-th such command.
    async function countThroughShiftedClock(
      shiftSeconds: (command: number) => number,
    ): Promise<SignalCounts> {
      let commands = 0;
      return countDailyThroughProxy(
        (line) => line,
        (line) => {
          if (!/ YOUNGER \d/.test(line)) return line;
          commands += 1;
          const shift = shiftSeconds(commands);
          return line.replace(
            / YOUNGER (\d+)/g,
            // An interval the shift takes below 1 s reaches past the real now: no message either way.
            (_, interval: string) => ` YOUNGER ${Math.max(1, Number(interval) - shift)}`,
          );
        },
      );
    }

    it('stays exact with WITHIN counts when the server clock is set 20 s ahead mid-count', async () => {
      const counts = await countThroughShiftedClock((command) => (command > 30 ? 20 : 0));
      expect(countedWith(counts)).toEqual(['within-counts']);
      expect(shape(counts)).toEqual(expected(since, until, boundaries));
    });

    it('gives up WITHIN counts, with a warning, on a clock that leaps 2 s every 15 commands, and counts exactly', async () => {
      const counts = await countThroughShiftedClock((command) => 2 * Math.floor(command / 15));
      expect(countedWith(counts)).toEqual(['arrival-order']);
      expect(counts.warnings.map((warning) => warning.code)).toContain('server_clock_unusable');
      expect(shape(counts)).toEqual(expected(since, until, boundaries));
    });

    it('stays exact with WITHIN counts when the server clock is set back 30 s mid-count', async () => {
      const counts = await countThroughShiftedClock((command) => (command > 40 ? -30 : 0));
      expect(countedWith(counts)).toEqual(['within-counts']);
      expect(shape(counts)).toEqual(expected(since, until, boundaries));
    });
  },
);
