// The buckets of a range: calendar periods of the zone cut to the range, each with its label, local
// start and end, length and whether the range clips it, made in slices so no range holds the event loop.
import { ImapConnectorError } from '../errors/imap-connector-error.js';
import { type BucketGranularity, nextPeriodStart, periodLabel, periodStart } from './calendar-periods.js';
import type { CountRange } from './count-range.js';
import { ZoneClock } from './zone-clock.js';

/** One bucket of the range, `[startMs, endMs)`, with its calendar identity. */
export interface TimeBucket {
  readonly startMs: number;
  readonly endMs: number;
  /** `2026-03-29`, `2026-W13` or `2026-03`; null for the one bucket of a count without granularity. */
  readonly label: string | null;
  readonly granularity: BucketGranularity | null;
  /** Start as the zone's clock reads it, with offset: `2026-03-29T00:00:00+01:00`. */
  readonly localStart: string;
  /** End as the zone's clock reads it, with offset: `2026-03-30T00:00:00+02:00`. */
  readonly localEnd: string;
  /** `endMs − startMs` in seconds: 86,400, or 82,800 / 90,000 across DST, less when partial. */
  readonly seconds: number;
  /** Whether the range cuts the calendar period (always false without granularity). */
  readonly partial: boolean;
}

/** Options of {@link bucketsOf}. */
export interface BucketOptions {
  /** Stops the generation between slices, rejecting with `ABORTED`. */
  readonly signal?: AbortSignal | undefined;
  /** How long one slice may run before yielding to the event loop. Default 10 ms. */
  readonly sliceMs?: number | undefined;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Splits `[since, until)` at local midnights of the range's time zone: one bucket per calendar day,
 * ISO week (Monday to Monday) or month. Local midnight is resolved by the time-zone database, so days
 * are 23 or 25 hours long across DST changes, zones with non-hour offsets work, and a midnight that does
 * not exist (DST starting at 00:00) starts the day at the first instant that does. The first and last
 * buckets are cut to the range (`partial`). Without a granularity the whole range is one bucket.
 *
 * The work is done in slices of ~10 ms with the event loop free in between: 100,000 day buckets (the
 * most {@link parseCountRange} accepts) never hold it longer than a slice.
 *
 * @param range - A validated range.
 * @param options - An abort signal; the slice length.
 * @returns Consecutive buckets covering the range exactly, in order.
 * @throws {@link ImapConnectorError} `ABORTED` when the signal fires between slices.
 *
 * @example
 * ```ts
 * const buckets = await bucketsOf(parseCountRange({ from: '2026-03-29', to: '2026-03-29' }, 'day', 'Europe/Berlin'));
 * buckets[0]; // { label: '2026-03-29', seconds: 82800, localEnd: '2026-03-30T00:00:00+02:00', … }
 * ```
 */
export async function bucketsOf(range: CountRange, options: BucketOptions = {}): Promise<TimeBucket[]> {
  const { sinceMs, untilMs, granularity, timeZone } = range;
  const clock = new ZoneClock(timeZone);
  if (granularity === undefined) {
    return [
      {
        startMs: sinceMs,
        endMs: untilMs,
        label: null,
        granularity: null,
        localStart: clock.localIso(sinceMs),
        localEnd: clock.localIso(untilMs),
        seconds: (untilMs - sinceMs) / 1000,
        partial: false,
      },
    ];
  }
  const sliceMs = options.sliceMs ?? 10;
  const buckets: TimeBucket[] = [];
  let periodDayMs = periodStart(clock.civilDayOf(sinceMs), granularity);
  let periodStartMs = clock.startOfDay(periodDayMs);
  let start = sinceMs;
  let localStart = clock.localIso(sinceMs);
  let sliceStartedAt = performance.now();
  while (start < untilMs) {
    const nextDayMs = nextPeriodStart(periodDayMs, granularity);
    const periodEndMs = clock.startOfDay(nextDayMs);
    const end = Math.min(periodEndMs, untilMs);
    const localEnd = clock.localIso(end);
    buckets.push({
      startMs: start,
      endMs: end,
      label: periodLabel(periodDayMs, granularity),
      granularity,
      localStart,
      localEnd,
      seconds: (end - start) / 1000,
      partial: start !== periodStartMs || end !== periodEndMs,
    });
    start = end;
    localStart = localEnd;
    periodDayMs = nextDayMs;
    periodStartMs = periodEndMs;
    if (buckets.length % 64 === 0 && performance.now() - sliceStartedAt >= sliceMs) {
      await yieldToEventLoop();
      if (options.signal?.aborted)
        throw new ImapConnectorError({ code: 'ABORTED', detail: { phase: 'config' } });
      sliceStartedAt = performance.now();
    }
  }
  return buckets;
}

/**
 * Finds the bucket an instant falls in.
 *
 * @param buckets - From {@link bucketsOf}.
 * @param instant - The instant, in milliseconds since the epoch unless `msPerUnit` says otherwise.
 * @param msPerUnit - Milliseconds per unit of `instant`: 1000 for epoch seconds (a FETCH row's date).
 * @returns The bucket index, or -1 when the instant is outside the range.
 *
 * @example
 * ```ts
 * bucketIndexOf(buckets, Date.parse('2026-03-29T12:00:00Z')); // 0
 * bucketIndexOf(buckets, 1_774_785_600, 1000); // the same instant in seconds: 0
 * ```
 */
export function bucketIndexOf(buckets: readonly TimeBucket[], instant: number, msPerUnit = 1): number {
  // Scaled here, not by the caller: a date in seconds is a small integer, which V8 passes from call to
  // call as is, where a number of milliseconds is boxed at every call it does not inline.
  const instantMs = instant * msPerUnit;
  let low = 0;
  let high = buckets.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const bucket = buckets[middle];
    if (bucket === undefined) return -1;
    if (instantMs < bucket.startMs) high = middle - 1;
    else if (instantMs >= bucket.endMs) low = middle + 1;
    else return middle;
  }
  return -1;
}
