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

/**
 * The ISO 8601 week label (`2026-W13`) of an instant in a zone, from the Intl local date: the week
 * belongs to the year of its Thursday, and week 1 holds that year's first Thursday.
 *
 * @param instantMs - The instant.
 * @param timeZone - An IANA zone.
 * @returns The label.
 */
export function isoWeekLabel(instantMs: number, timeZone: string): string {
  const { y, mo, d } = localParts(instantMs, timeZone);
  const civil = Date.UTC(y, mo - 1, d);
  const isoWeekday = ((new Date(civil).getUTCDay() + 6) % 7) + 1; // Monday 1 … Sunday 7
  const thursday = new Date(civil + (4 - isoWeekday) * 86_400_000);
  const weekYear = thursday.getUTCFullYear();
  const dayOfYear = Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / 86_400_000);
  return `${pad(weekYear, 4)}-W${pad(Math.floor(dayOfYear / 7) + 1)}`;
}

/**
 * Checks each bucket's calendar identity against Intl: its label is the local date / ISO week /
 * month of its start, its local start and end read the Intl wall time with an offset that names the
 * same instant, its length is its span, and it is partial exactly when the instant before its start or
 * its end instant still belongs to its own period.
 *
 * @param result - What `countSignals` returned.
 * @param range - The bucketing of the count.
 */
export function expectLabelledBuckets(
  result: SignalCounts,
  range: { granularity?: Granularity | undefined; timeZone?: string | undefined },
): void {
  const zone = range.timeZone ?? 'UTC';
  const labelOf = (instantMs: number) => {
    if (range.granularity === undefined) return null;
    return range.granularity === 'week'
      ? isoWeekLabel(instantMs, zone)
      : calendarKey(instantMs, zone, range.granularity);
  };
  const wall = (instantMs: number) => {
    const { y, mo, d, h, mi, s } = localParts(instantMs, zone);
    return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}`;
  };
  for (const bucket of result.buckets) {
    const startMs = Date.parse(bucket.start);
    const endMs = Date.parse(bucket.end);
    expect(Date.parse(bucket.localStart), bucket.localStart).toBe(startMs);
    expect(Date.parse(bucket.localEnd), bucket.localEnd).toBe(endMs);
    expect(bucket.localStart.slice(0, 19)).toBe(wall(startMs));
    expect(bucket.localEnd.slice(0, 19)).toBe(wall(endMs));
    expect(bucket.seconds).toBe((endMs - startMs) / 1000);
    expect(bucket.granularity).toBe(range.granularity ?? null);
    const label = labelOf(startMs);
    expect(bucket.label).toBe(label);
    const partial = label !== null && (labelOf(startMs - 1_000) === label || labelOf(endMs) === label);
    expect(bucket.partial, `${bucket.label} partial`).toBe(partial);
  }
}
