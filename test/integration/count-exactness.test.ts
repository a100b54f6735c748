import { afterAll, beforeAll, expect, it } from 'vitest';
import { ImapConnector, type SignalCounts } from '../../src/index.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import {
  createMailUser,
  type DovecotEndpoint,
  type DovecotServer,
  type MailUser,
  startDovecot,
} from '../harness/dovecot/dovecot-server.js';
import { reducedCapabilityVariant, standardVariant } from '../harness/dovecot/dovecot-variants.js';
import {
  expectCountsToMatch,
  expectedCounts,
  expectLabelledBuckets,
  type SeededFact,
} from '../harness/expected-counts.js';
import { type SeedMessage, seedMailboxes } from '../harness/mail-seeder.js';

// The host process runs in a zone of its own (+05:45), unlike every server below and every bucket zone.
process.env['TZ'] = 'Asia/Kathmandu';

const at = (iso: string) => Date.parse(iso);
const SECOND = 1_000;
const HOUR = 3_600_000;

/**
 * Boundaries the counts below cut at, written by hand from the tz rules (not computed): local
 * midnights around the DST changes of New York and Berlin, Kathmandu's +05:45 midnight, Kiritimati's
 * +14:00 midnight, month and ISO-week starts, and plain UTC days.
 */
const BOUNDARIES = [
  // New York, DST starts Sun 2026-03-08 02:00 EST → 03:00 EDT: that day is 23 h.
  '2026-03-01T05:00:00Z', // Mar 1 00:00 EST (month start)
  '2026-03-07T05:00:00Z',
  '2026-03-08T05:00:00Z',
  '2026-03-09T04:00:00Z', // Mar 9 00:00 EDT
  '2026-03-10T04:00:00Z',
  '2026-04-01T04:00:00Z', // Apr 1 00:00 EDT (month start)
  '2026-05-01T04:00:00Z',
  // New York, DST ends Sun 2026-11-01 02:00 EDT → 01:00 EST: that day is 25 h.
  '2026-10-31T04:00:00Z',
  '2026-11-01T04:00:00Z',
  '2026-11-02T05:00:00Z',
  '2026-11-03T05:00:00Z',
  // Berlin, DST starts Sun 2026-03-29 02:00 CET → 03:00 CEST; weeks start on Mondays.
  '2026-03-22T23:00:00Z', // Mon Mar 23 00:00 CET
  '2026-03-28T23:00:00Z',
  '2026-03-29T22:00:00Z', // Mon Mar 30 00:00 CEST
  '2026-04-05T22:00:00Z', // Mon Apr 6 00:00 CEST
  // Berlin, DST ends Sun 2026-10-25 03:00 CEST → 02:00 CET.
  '2026-10-24T22:00:00Z',
  '2026-10-25T23:00:00Z',
  // Kathmandu, +05:45 all year.
  '2026-06-13T18:15:00Z',
  '2026-06-14T18:15:00Z',
  '2026-06-15T18:15:00Z',
  // Kiritimati, +14:00: its Jul 1 starts on Jun 30 in UTC.
  '2026-06-30T10:00:00Z',
  '2026-07-01T10:00:00Z',
  // UTC days.
  '2026-07-01T00:00:00Z',
  '2026-07-02T00:00:00Z',
  '2026-07-03T00:00:00Z',
].map(at);

const MAILBOXES = ['INBOX', 'Sent', 'Archive', 'Projects', 'Junk', 'Trash', 'Drafts'] as const;
// Offsets the INTERNALDATE is written with: +14:00, -12:00, +05:45, +09:00, -03:30, UTC, +01:00.
const OFFSETS = [840, -720, 345, 540, -210, 0, 60];

function classOf(path: string): 'sent' | 'received' | null {
  if (path === 'Sent') return 'sent';
  return ['INBOX', 'Archive', 'Projects'].includes(path) ? 'received' : null;
}

/** Messages 1 s before, at, and 1 s after every boundary, plus ±1 h and ±23 h, in every mailbox and offset. */
function boundarySeeds(): SeedMessage[] {
  const seeds: SeedMessage[] = [];
  let turn = 0;
  for (const boundary of BOUNDARIES) {
    for (const delta of [-SECOND, 0, SECOND, -HOUR, HOUR, -23 * HOUR, 23 * HOUR, -SECOND, SECOND]) {
      turn += 1;
      seeds.push({
        mailbox: MAILBOXES[turn % MAILBOXES.length] ?? 'INBOX',
        atMs: boundary + delta,
        offsetMinutes: OFFSETS[turn % OFFSETS.length] ?? 0,
      });
    }
  }
  // Local times that read as "inside" a UTC day but are not, and the reverse.
  seeds.push(
    { mailbox: 'INBOX', atMs: at('2026-06-30T23:59:59Z'), offsetMinutes: 840 }, // 1 Jul 13:59:59 +14
    { mailbox: 'INBOX', atMs: at('2026-07-01T00:00:00Z'), offsetMinutes: -720 }, // 30 Jun 12:00 -12
    { mailbox: 'Sent', atMs: at('2026-07-01T23:59:59Z'), offsetMinutes: -720 }, // 1 Jul 11:59:59 -12
    { mailbox: 'Sent', atMs: at('2026-07-02T00:00:00Z'), offsetMinutes: 840 }, // 2 Jul 14:00 +14
    { mailbox: 'Archive', atMs: at('2026-07-01T18:14:59Z'), offsetMinutes: 345 }, // 1 Jul 23:59:59 +0545
    { mailbox: 'Archive', atMs: at('2026-07-01T18:15:00Z'), offsetMinutes: 345 }, // 2 Jul 00:00 +0545
    { mailbox: 'Projects', atMs: at('2026-07-01T14:59:59Z'), offsetMinutes: 540 }, // 1 Jul 23:59:59 +09
    { mailbox: 'Projects', atMs: at('2026-07-01T15:00:00Z'), offsetMinutes: 540 }, // 2 Jul 00:00 +09
    // New York's repeated hour: 01:30 EDT and 01:30 EST on Nov 1 are both Nov 1 local.
    { mailbox: 'INBOX', atMs: at('2026-11-01T05:30:00Z'), offsetMinutes: -240 },
    { mailbox: 'INBOX', atMs: at('2026-11-01T06:30:00Z'), offsetMinutes: -300 },
  );
  return seeds;
}

interface CountCase {
  readonly name: string;
  /** The range as instants, written by hand; for a calendar case, what `from`/`to` must resolve to. */
  readonly since: string;
  readonly until: string;
  /** Calendar periods of `timeZone`, passed instead of `since`/`until`. */
  readonly calendar?: { readonly from: string; readonly to: string };
  readonly granularity?: 'day' | 'week' | 'month';
  readonly timeZone?: string;
  /** Bucket boundaries written by hand, where the case is about them. */
  readonly bucketStarts?: readonly string[];
}

const CASES: readonly CountCase[] = [
  {
    name: 'a UTC day against INTERNALDATEs written in +14:00, -12:00, +05:45 and +09:00',
    since: '2026-07-01T00:00:00Z',
    until: '2026-07-02T00:00:00Z',
  },
  {
    name: 'New York days across the start of DST (a 23-hour day)',
    since: '2026-03-07T00:00:00-05:00',
    until: '2026-03-10T00:00:00-04:00',
    granularity: 'day',
    timeZone: 'America/New_York',
    bucketStarts: ['2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z'],
  },
  {
    name: 'New York days across the end of DST (a 25-hour day)',
    since: '2026-10-31T04:00:00Z',
    until: '2026-11-03T05:00:00Z',
    granularity: 'day',
    timeZone: 'America/New_York',
    bucketStarts: ['2026-10-31T04:00:00.000Z', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z'],
  },
  {
    name: 'Berlin days across the start of DST',
    since: '2026-03-28T23:00:00Z',
    until: '2026-03-29T22:00:00Z',
    granularity: 'day',
    timeZone: 'Europe/Berlin',
    bucketStarts: ['2026-03-28T23:00:00.000Z'],
  },
  {
    name: 'Berlin days across the end of DST',
    since: '2026-10-24T22:00:00Z',
    until: '2026-10-25T23:00:00Z',
    granularity: 'day',
    timeZone: 'Europe/Berlin',
    bucketStarts: ['2026-10-24T22:00:00.000Z'],
  },
  {
    name: 'Berlin ISO weeks across the start of DST',
    since: '2026-03-22T23:00:00Z',
    until: '2026-04-05T22:00:00Z',
    granularity: 'week',
    timeZone: 'Europe/Berlin',
    bucketStarts: ['2026-03-22T23:00:00.000Z', '2026-03-29T22:00:00.000Z'],
  },
  {
    name: 'New York months across the start of DST',
    since: '2026-03-01T05:00:00Z',
    until: '2026-05-01T04:00:00Z',
    granularity: 'month',
    timeZone: 'America/New_York',
    bucketStarts: ['2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z'],
  },
  {
    name: 'Kathmandu days (+05:45)',
    since: '2026-06-13T18:15:00Z',
    until: '2026-06-15T18:15:00Z',
    granularity: 'day',
    timeZone: 'Asia/Kathmandu',
    bucketStarts: ['2026-06-13T18:15:00.000Z', '2026-06-14T18:15:00.000Z'],
  },
  {
    name: 'Kiritimati days (+14:00)',
    since: '2026-06-29T10:00:00Z',
    until: '2026-07-01T10:00:00Z',
    granularity: 'day',
    timeZone: 'Pacific/Kiritimati',
    bucketStarts: ['2026-06-29T10:00:00.000Z', '2026-06-30T10:00:00.000Z'],
  },
  {
    name: 'UTC days with both ends inside a day (first and last buckets cut)',
    since: '2026-07-01T12:00:00Z',
    until: '2026-07-03T00:00:01Z',
    granularity: 'day',
    timeZone: 'UTC',
    bucketStarts: ['2026-07-01T12:00:00.000Z', '2026-07-02T00:00:00.000Z', '2026-07-03T00:00:00.000Z'],
  },
  {
    name: 'calendar: Berlin days around the start of DST',
    calendar: { from: '2026-03-28', to: '2026-03-29' },
    since: '2026-03-27T23:00:00Z',
    until: '2026-03-29T22:00:00Z',
    granularity: 'day',
    timeZone: 'Europe/Berlin',
    bucketStarts: ['2026-03-27T23:00:00.000Z', '2026-03-28T23:00:00.000Z'],
  },
  {
    name: 'calendar: the Berlin day DST ends (25 hours)',
    calendar: { from: '2026-10-25', to: '2026-10-25' },
    since: '2026-10-24T22:00:00Z',
    until: '2026-10-25T23:00:00Z',
    granularity: 'day',
    timeZone: 'Europe/Berlin',
    bucketStarts: ['2026-10-24T22:00:00.000Z'],
  },
  {
    name: 'calendar: New York days around the start of DST (a 23-hour day)',
    calendar: { from: '2026-03-07', to: '2026-03-09' },
    since: '2026-03-07T05:00:00Z',
    until: '2026-03-10T04:00:00Z',
    granularity: 'day',
    timeZone: 'America/New_York',
    bucketStarts: ['2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z'],
  },
  {
    name: 'calendar: New York days around the end of DST',
    calendar: { from: '2026-10-31', to: '2026-11-02' },
    since: '2026-10-31T04:00:00Z',
    until: '2026-11-03T05:00:00Z',
    granularity: 'day',
    timeZone: 'America/New_York',
    bucketStarts: ['2026-10-31T04:00:00.000Z', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z'],
  },
  {
    name: 'calendar: New York months March and April (DST starts in March)',
    calendar: { from: '2026-03', to: '2026-04' },
    since: '2026-03-01T05:00:00Z',
    until: '2026-05-01T04:00:00Z',
    granularity: 'month',
    timeZone: 'America/New_York',
    bucketStarts: ['2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z'],
  },
  {
    name: 'calendar: Berlin ISO weeks 13 and 14 (DST starts in week 13)',
    calendar: { from: '2026-W13', to: '2026-W14' },
    since: '2026-03-22T23:00:00Z',
    until: '2026-04-05T22:00:00Z',
    granularity: 'week',
    timeZone: 'Europe/Berlin',
    bucketStarts: ['2026-03-22T23:00:00.000Z', '2026-03-29T22:00:00.000Z'],
  },
  {
    name: 'calendar: Kathmandu days (+05:45), totals over two days',
    calendar: { from: '2026-06-14', to: '2026-06-15' },
    since: '2026-06-13T18:15:00Z',
    until: '2026-06-15T18:15:00Z',
    timeZone: 'Asia/Kathmandu',
  },
  {
    name: 'a range starting and ending a second off the boundaries',
    since: '2026-03-08T05:00:01Z',
    until: '2026-11-01T03:59:59Z',
  },
  {
    name: 'the whole seeded period, totals only (interior ESEARCH count where offered)',
    since: '2026-02-01T00:00:00Z',
    until: '2026-12-01T00:00:00Z',
  },
];

interface Target {
  readonly label: string;
  readonly endpoint: () => DovecotEndpoint;
  readonly esearch: boolean;
}

describeWithDovecot('countSignals is exact to the second on real Dovecot servers in other zones', () => {
  const facts: SeededFact[] = [];
  const started: DovecotServer[] = [];
  const users = new Map<string, MailUser>();
  const results = new Map<string, Map<string, SignalCounts>>();
  let shared: DovecotEndpoint;

  const targets: Target[] = [
    { label: 'stock Dovecot, server in UTC', endpoint: () => shared, esearch: true },
    { label: 'stock Dovecot, server in Pacific/Auckland', endpoint: () => server(0), esearch: true },
    {
      label: 'plain RFC 3501 Dovecot, server in Pacific/Kiritimati (+14)',
      endpoint: () => server(1),
      esearch: false,
    },
    {
      label: 'plain RFC 3501 Dovecot, server in Etc/GMT+12 (-12)',
      endpoint: () => server(2),
      esearch: false,
    },
  ];
  function server(index: number): DovecotServer {
    const found = started[index];
    if (!found) throw new Error(`server ${index} did not start`);
    return found;
  }

  beforeAll(async () => {
    expect(new Date(Date.UTC(2026, 0, 1)).getTimezoneOffset()).toBe(-345);
    shared = sharedDovecot();
    started.push(
      await startDovecot({ ...standardVariant, name: 'standard-auckland', timeZone: 'Pacific/Auckland' }),
      await startDovecot({
        ...reducedCapabilityVariant,
        name: 'reduced-kiritimati',
        timeZone: 'Pacific/Kiritimati',
      }),
      await startDovecot({ ...reducedCapabilityVariant, name: 'reduced-gmt-12', timeZone: 'Etc/GMT+12' }),
    );
    const seeds = boundarySeeds();
    facts.push(...seeds);
    for (const target of targets) {
      const user = createMailUser(target.endpoint(), 'exact');
      users.set(target.label, user);
      await seedMailboxes(target.endpoint(), user, seeds, ['Projects']);
    }
  });

  afterAll(async () => {
    await Promise.all(started.map((instance) => instance.stop()));
  });

  function connectorFor(target: Target): ImapConnector {
    const endpoint = target.endpoint();
    const user = users.get(target.label);
    if (!user) throw new Error('no user');
    return new ImapConnector({
      host: endpoint.host,
      port: endpoint.tlsPort,
      security: 'tls',
      username: user.username,
      password: user.password,
      tls: { ca: endpoint.caPem },
    });
  }

  for (const target of targets) {
    for (const testCase of CASES) {
      it(`${target.label}: ${testCase.name}`, async () => {
        const range = {
          sinceMs: Date.parse(testCase.since),
          untilMs: Date.parse(testCase.until),
          granularity: testCase.granularity,
          timeZone: testCase.timeZone,
        };
        const result = await connectorFor(target).countSignals(
          testCase.calendar ?? { since: testCase.since, until: testCase.until },
          { granularity: testCase.granularity, timeZone: testCase.timeZone },
        );
        const expected = expectedCounts(facts, range, classOf);
        expectCountsToMatch(result, expected, range);
        expectLabelledBuckets(result, range);
        const rangeWarnings = result.warnings.filter((warning) => warning.code.startsWith('range_'));
        if (testCase.calendar) expect(rangeWarnings).toEqual([]);
        if (testCase.bucketStarts)
          expect(result.buckets.map((bucket) => bucket.start)).toEqual(testCase.bucketStarts);
        // Each boundary case must actually be decided by the seconds around it.
        expect(expected.sent + expected.received).toBeGreaterThan(0);
        const perTarget = results.get(testCase.name) ?? new Map<string, SignalCounts>();
        perTarget.set(target.label, result);
        results.set(testCase.name, perTarget);
        if (!target.esearch) return;
        // The same seconds decided by the server's WITHIN counts against its clock (metered links).
        const counted = await connectorFor(target).countSignals(
          testCase.calendar ?? { since: testCase.since, until: testCase.until },
          { granularity: testCase.granularity, timeZone: testCase.timeZone, transfer: 'fewest-bytes' },
        );
        expectCountsToMatch(counted, expected, range);
        const boundaries = counted.buckets.length + 1;
        for (const mailbox of counted.mailboxes.filter((each) => each.counts !== 'skipped'))
          expect(mailbox.strategy).toBe(
            (mailbox.messages ?? 0) === 0
              ? 'empty'
              : (mailbox.messages ?? 0) >= 2 * boundaries
                ? 'within-counts'
                : 'arrival-order',
          );
        expect(counted.strategies).toContain('within-counts');
      });
    }

    it(`${target.label}: counts with ${target.esearch ? 'WITHIN counts and arrival order (SORT)' : 'plain SEARCH and fetched dates'}`, async () => {
      const strategiesOf = (result: SignalCounts) =>
        new Set(
          result.mailboxes
            .filter((mailbox) => mailbox.counts !== 'skipped')
            .map((mailbox) => mailbox.strategy),
        );
      const range = { since: '2026-02-01T00:00:00Z', until: '2026-12-01T00:00:00Z' };
      const totals = await connectorFor(target).countSignals(range, { transfer: 'fewest-bytes' });
      const daily = await connectorFor(target).countSignals(range, {
        granularity: 'day',
        timeZone: 'Europe/Berlin',
        transfer: 'fewest-bytes',
      });
      // Two boundaries: the server counts (WITHIN); 305 daily ones: more than these mailboxes hold.
      expect(strategiesOf(totals)).toEqual(new Set([target.esearch ? 'within-counts' : 'interior-count']));
      expect(strategiesOf(daily)).toEqual(new Set([target.esearch ? 'arrival-order' : 'fetch-dates']));
      // The pipelined path (one or two round trips for every mailbox) gives the same buckets.
      const pipelined = await connectorFor(target).countSignals(range, {
        granularity: 'day',
        timeZone: 'Europe/Berlin',
        transfer: 'fewest-round-trips',
      });
      expect(strategiesOf(pipelined)).toEqual(new Set(['pipelined-dates']));
      expect(pipelined.buckets).toEqual(daily.buckets);
    });
  }

  it('every server, whatever its capabilities and zone, gave identical buckets', () => {
    for (const [name, perTarget] of results) {
      const shapes = [...perTarget.values()].map((result) => JSON.stringify(result.buckets));
      expect(shapes.length, name).toBe(targets.length);
      expect(new Set(shapes).size, name).toBe(1);
    }
  });
});
