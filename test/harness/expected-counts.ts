import { expect } from 'vitest';
import type { SignalCounts } from '../../src/index.js';

/** A seeded message as the test knows it: where it went and its instant. */
export interface SeededFact {
  readonly mailbox: string;
  readonly atMs: number;
  readonly messageId?: string;
}

/** How the test itself classifies a mailbox path; `null` means "never counted". */
export type MailboxClass = (path: string) => 'sent' | 'received' | null;

/** What a count must find, by calendar key (`YYYY-MM-DD`, ISO week's Monday, or `YYYY-MM`). */
export interface ExpectedCounts {
  readonly sent: number;
  readonly received: number;
  readonly byKey: ReadonlyMap<string, { sent: number; received: number }>;
}

type Granularity = 'day' | 'week' | 'month';

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The local calendar date and time of an instant in a zone, by the platform's Intl (ICU), not by the
 * Luxon arithmetic the SDK uses: the expectation and the code under test share no time-zone code.
 *
 * @param instantMs - The instant.
 * @param timeZone - An IANA zone.
 * @returns Local year, month, day, hour, minute, second.
 */
export function localParts(
  instantMs: number,
  timeZone: string,
): Record<'y' | 'mo' | 'd' | 'h' | 'mi' | 's', number> {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(
    formatter.formatToParts(new Date(instantMs)).map((part) => [part.type, Number(part.value)]),
  );
  return {
    y: parts['year'] ?? 0,
    mo: parts['month'] ?? 0,
    d: parts['day'] ?? 0,
    h: parts['hour'] ?? 0,
    mi: parts['minute'] ?? 0,
    s: parts['second'] ?? 0,
  };
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/**
 * The calendar bucket an instant belongs to in a zone: its local date, the Monday of its ISO week, or
 * its month.
 *
 * @param instantMs - The instant.
 * @param timeZone - An IANA zone.
 * @param granularity - Bucket size.
 * @returns A sortable key.
 */
export function calendarKey(instantMs: number, timeZone: string, granularity: Granularity): string {
  const { y, mo, d } = localParts(instantMs, timeZone);
  if (granularity === 'month') return `${pad(y, 4)}-${pad(mo)}`;
  if (granularity === 'day') return `${pad(y, 4)}-${pad(mo)}-${pad(d)}`;
  const civil = new Date(Date.UTC(y, mo - 1, d));
  const daysSinceMonday = (civil.getUTCDay() + 6) % 7;
  const monday = new Date(civil.getTime() - daysSinceMonday * 86_400_000);
  return `${pad(monday.getUTCFullYear(), 4)}-${pad(monday.getUTCMonth() + 1)}-${pad(monday.getUTCDate())}`;
}

/**
 * Brute force over the seed list: every message, its class, whether its instant is in `[since, until)`,
 * its calendar key, and (when asked) one count per Message-ID within sent and within received.
 *
 * @param facts - What was seeded.
 * @param range - The range and bucketing of the count.
 * @param classOf - Sent, received or neither, by mailbox path.
 * @param deduplicate - Count each Message-ID once per class.
 * @returns Totals and counts per calendar key (the whole range is one key, `all`, without granularity).
 */
export function expectedCounts(
  facts: readonly SeededFact[],
  range: {
    sinceMs: number;
    untilMs: number;
    granularity?: Granularity | undefined;
    timeZone?: string | undefined;
  },
  classOf: MailboxClass,
  deduplicate = false,
): ExpectedCounts {
  const byKey = new Map<string, { sent: number; received: number }>();
  const seen = { sent: new Set<string>(), received: new Set<string>() };
  let sent = 0;
  let received = 0;
  for (const fact of facts) {
    const kind = classOf(fact.mailbox);
    if (kind === null || fact.atMs < range.sinceMs || fact.atMs >= range.untilMs) continue;
    if (deduplicate && fact.messageId !== undefined) {
      if (seen[kind].has(fact.messageId)) continue;
      seen[kind].add(fact.messageId);
    }
    const key = range.granularity
      ? calendarKey(fact.atMs, range.timeZone ?? 'UTC', range.granularity)
      : 'all';
    const entry = byKey.get(key) ?? { sent: 0, received: 0 };
    entry[kind] += 1;
    byKey.set(key, entry);
    if (kind === 'sent') sent += 1;
    else received += 1;
  }
  return { sent, received, byKey };
}

/**
 * Checks a count against the brute-force expectation bucket by bucket, and checks the buckets
 * themselves: contiguous, covering exactly the range, each starting at a local midnight (of a Monday,
 * of the 1st) except the first, with the second before each boundary in another calendar bucket.
 *
 * @param result - What `countSignals` returned.
 * @param expected - From {@link expectedCounts}.
 * @param range - The same range and bucketing.
 */
export function expectCountsToMatch(
  result: SignalCounts,
  expected: ExpectedCounts,
  range: {
    sinceMs: number;
    untilMs: number;
    granularity?: Granularity | undefined;
    timeZone?: string | undefined;
  },
): void {
  const zone = range.timeZone ?? 'UTC';
  expect(Date.parse(result.range.since)).toBe(range.sinceMs);
  expect(Date.parse(result.range.until)).toBe(range.untilMs);
  expect(result.buckets.length).toBeGreaterThan(0);
  expect(Date.parse(result.buckets[0]?.start ?? '')).toBe(range.sinceMs);
  expect(Date.parse(result.buckets.at(-1)?.end ?? '')).toBe(range.untilMs);
  const actual = new Map<string, { sent: number; received: number }>();
  result.buckets.forEach((bucket, index) => {
    const startMs = Date.parse(bucket.start);
    const endMs = Date.parse(bucket.end);
    expect(endMs).toBeGreaterThan(startMs);
    const previous = result.buckets[index - 1];
    if (previous !== undefined) expect(previous.end).toBe(bucket.start);
    const key = range.granularity ? calendarKey(startMs, zone, range.granularity) : 'all';
    expect(actual.has(key), `two buckets for ${key}`).toBe(false);
    actual.set(key, { sent: bucket.sent, received: bucket.received });
    if (index > 0 && range.granularity) {
      const local = localParts(startMs, zone);
      expect([local.h, local.mi, local.s], `${bucket.start} is local midnight in ${zone}`).toEqual([0, 0, 0]);
      expect(calendarKey(startMs - 1_000, zone, range.granularity)).not.toBe(key);
      if (range.granularity === 'month') expect(local.d).toBe(1);
      if (range.granularity === 'week')
        expect(calendarKey(startMs, zone, 'week')).toBe(calendarKey(startMs, zone, 'day'));
    }
  });
  for (const [key, counts] of expected.byKey) {
    expect(actual.get(key), `bucket ${key}`).toEqual(counts);
  }
  for (const [key, counts] of actual) {
    if (!expected.byKey.has(key)) expect(counts, `bucket ${key}`).toEqual({ sent: 0, received: 0 });
  }
  expect({ sent: result.sent, received: result.received }).toEqual({
    sent: expected.sent,
    received: expected.received,
  });
}
