import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BucketGranularity, periodLabel, periodStart } from '../../../src/counting/calendar-periods.js';
import {
  type CountRangeInput,
  earlyRangeCheck,
  parseCountRange,
  rangeLimits,
} from '../../../src/counting/count-range.js';
import { isKnownTimeZone, isListedTimeZone } from '../../../src/counting/zone-clock.js';

// A count checks its range without the zone's offsets, so that the first time-zone formatter of a process
// (~20 ms) can be built while the login is in flight; the range is parsed for real only then. That is
// safe only if every range the early check accepts is one parseCountRange accepts: nothing invalid may
// reach a server. These tests pin that implication, near every limit the zone's offsets decide.

const DAY_MS = 86_400_000;
const EARLIEST = Date.parse(rangeLimits.earliestSince);
const LATEST = Date.parse(rangeLimits.latestUntil);

const zones = [
  undefined,
  'UTC',
  'utc',
  'Europe/Berlin',
  'europe/BERLIN',
  'Pacific/Kiritimati', // +14:00
  'Pacific/Pago_Pago', // -11:00
  'America/Santiago', // DST starts at midnight
  'Pacific/Apia', // skipped 2011-12-30
  'Asia/Kolkata',
  'Asia/Calcutta',
  'US/Eastern',
  'Etc/GMT+12',
  'Etc/GMT-14',
  'Mars/Olympus_Mons',
  '',
  '+01:00',
];

const granularity = fc.constantFrom(undefined, 'day', 'week', 'month', 'hour');
// Instants near the limits, and anywhere between.
const instantMs = fc.oneof(
  fc.integer({ min: EARLIEST - 3 * DAY_MS, max: EARLIEST + 3 * DAY_MS }),
  fc.integer({ min: LATEST - 3 * DAY_MS, max: LATEST + 3 * DAY_MS }),
  fc.integer({ min: EARLIEST - DAY_MS, max: LATEST + DAY_MS }),
);
// Spans near 100,000 days, weeks and 28-day months (the bucket limit), and short ones.
const spanMs = fc.oneof(
  fc.integer({ min: -DAY_MS, max: 400 * DAY_MS }),
  fc.integer({ min: (rangeLimits.maxBuckets - 4) * DAY_MS, max: (rangeLimits.maxBuckets + 4) * DAY_MS }),
  fc.integer({
    min: (rangeLimits.maxBuckets - 4) * 7 * DAY_MS,
    max: (rangeLimits.maxBuckets + 4) * 7 * DAY_MS,
  }),
);
const instantRange = fc
  .tuple(instantMs, spanMs, fc.boolean())
  .map(([since, span, asStrings]): CountRangeInput => {
    const until = since + span;
    return asStrings && Math.abs(since) < 8.64e15 && Math.abs(until) < 8.64e15
      ? { since: new Date(since).toISOString(), until: new Date(until).toISOString() }
      : { since: new Date(since), until: new Date(until) };
  });
const dayMs = fc.oneof(
  fc.integer({ min: -3, max: 3 }).map((days) => EARLIEST + days * DAY_MS),
  fc.integer({ min: -4, max: 2 }).map((days) => LATEST + days * DAY_MS),
  fc
    .integer({ min: 0, max: Math.floor((LATEST - EARLIEST) / DAY_MS) })
    .map((days) => EARLIEST + days * DAY_MS),
);
const form = fc.constantFrom<BucketGranularity>('day', 'week', 'month');
const labelOf = (civilDayMs: number, periodForm: BucketGranularity) =>
  periodLabel(periodStart(civilDayMs, periodForm), periodForm);
// `to` anywhere, or a number of days after `from` (near the bucket limit, or the wrong way round).
const calendarRange = fc
  .tuple(
    dayMs,
    form,
    fc.oneof(
      dayMs.map((ms) => ({ toMs: ms })),
      fc.integer({ min: -2, max: rangeLimits.maxBuckets + 3 }).map((days) => ({ days })),
    ),
    form,
  )
  .map(([fromMs, fromForm, to, toForm]): CountRangeInput => {
    const toMs = 'toMs' in to ? to.toMs : fromMs + to.days * DAY_MS;
    return { from: labelOf(fromMs, fromForm), to: labelOf(toMs, toForm) };
  });
const oddRange = fc.constantFrom<CountRangeInput>(
  { from: '2026-02-30', to: '2026-03-01' },
  { since: '2026-05-01T00:00:00', until: '2026-06-01T00:00:00Z' },
  {
    since: '2026-05-01T00:00:00Z',
    until: '2026-06-01T00:00:00Z',
    from: '2026-05-01',
  } as unknown as CountRangeInput,
  {
    since: '2026-05-01T00:00:00Z',
    until: '2026-06-01T00:00:00Z',
    granularity: 'day',
  } as unknown as CountRangeInput,
  null as unknown as CountRangeInput,
  { since: new Date('nonsense'), until: new Date() },
  { from: '2026-W54', to: '2026-W60' },
);

function parses(range: CountRangeInput, bucket: unknown, zone: string | undefined): boolean {
  try {
    parseCountRange(range, bucket as 'day', zone);
    return true;
  } catch {
    return false;
  }
}

describe('the range check before connecting (no time-zone data)', () => {
  it('accepts only ranges that parseCountRange accepts, near every limit', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.oneof(instantRange, calendarRange, oddRange),
        granularity,
        fc.constantFrom(...zones),
        (range, bucket, zone) => {
          const early = earlyRangeCheck(range, bucket as 'day', zone);
          if (!early.accepted) return;
          accepted += 1;
          expect(parses(range, bucket, zone)).toBe(true);
          expect(parseCountRange(range, bucket as 'day', zone).bucketCount).toBeLessThanOrEqual(
            early.mostBuckets,
          );
        },
      ),
      { numRuns: 20_000, seed: 20261202 },
    );
    // Not vacuous: the well-formed ranges away from the limits pass early.
    expect(accepted).toBeGreaterThan(1_000);
  });

  it('settles everyday ranges without the zone, and leaves aliases and limits to the full parse', () => {
    const year = { since: '2025-11-25T00:00:00+01:00', until: '2026-11-25T00:00:00+01:00' };
    expect(earlyRangeCheck(year, 'day', 'Europe/Berlin').accepted).toBe(true);
    expect(earlyRangeCheck({ from: '2026-03-01', to: '2026-03-31' }, 'day', 'europe/berlin').accepted).toBe(
      true,
    );
    expect(earlyRangeCheck({ from: '2026-01', to: '2026-W10' }, 'week', undefined).accepted).toBe(true);
    expect(earlyRangeCheck(year, undefined, 'UTC').accepted).toBe(true);
    // Known zones that only a formatter recognises, and ends within two days of a limit: the full parse.
    expect(earlyRangeCheck(year, 'day', 'US/Eastern').accepted).toBe(false);
    expect(parses(year, 'day', 'US/Eastern')).toBe(true);
    expect(earlyRangeCheck({ from: '1970-01-01', to: '1970-01-31' }, 'day', 'UTC').accepted).toBe(false);
    expect(parses({ from: '1970-01-01', to: '1970-01-31' }, 'day', 'UTC')).toBe(true);
    expect(earlyRangeCheck({ from: '1970-01-01', to: '1970-01-31' }, 'day', 'Europe/Berlin').accepted).toBe(
      false,
    );
    expect(parses({ from: '1970-01-01', to: '1970-01-31' }, 'day', 'Europe/Berlin')).toBe(false);
  });

  it('lists a zone only if a formatter accepts it, in any case', () => {
    for (const zone of Intl.supportedValuesOf('timeZone')) {
      for (const spelling of [zone, zone.toLowerCase(), zone.toUpperCase()]) {
        expect(isListedTimeZone(spelling)).toBe(true);
        expect(isKnownTimeZone(spelling)).toBe(true);
      }
    }
    expect(isListedTimeZone('UTC')).toBe(true);
    expect(isListedTimeZone('Europe/Atlantis')).toBe(false);
    expect(isListedTimeZone('')).toBe(false);
  });
});
