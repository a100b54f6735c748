import { DateTime } from 'luxon';
import type { CountRange } from './count-range.js';

/** One bucket of the range, `[startMs, endMs)`. */
export interface TimeBucket {
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * Splits `[since, until)` at local midnights of the range's time zone: one bucket per calendar day,
 * ISO week (Monday to Monday) or month. Local midnight is resolved by the time-zone database, so days
 * are 23 or 25 hours long across DST changes, zones with non-hour offsets work, and a midnight that does
 * not exist (DST starting at 00:00) starts the day at the first instant that does. The first and last
 * buckets are cut to the range. Without a granularity the whole range is one bucket.
 *
 * @param range - A validated range.
 * @returns Consecutive buckets covering the range exactly, in order.
 */
export function bucketsOf(range: CountRange): TimeBucket[] {
  const { sinceMs, untilMs, granularity, timeZone } = range;
  if (granularity === undefined) return [{ startMs: sinceMs, endMs: untilMs }];
  const unit = granularity === 'week' ? 'week' : granularity;
  const buckets: TimeBucket[] = [];
  let start = sinceMs;
  let boundary = DateTime.fromMillis(sinceMs, { zone: timeZone }).startOf(unit);
  while (start < untilMs) {
    boundary = boundary.plus({ [`${unit}s`]: 1 }).startOf(unit);
    const end = Math.min(boundary.toMillis(), untilMs);
    buckets.push({ startMs: start, endMs: end });
    start = end;
  }
  return buckets;
}

/**
 * Finds the bucket an instant falls in.
 *
 * @param buckets - From {@link bucketsOf}.
 * @param instantMs - The instant.
 * @returns The bucket index, or -1 when the instant is outside the range.
 */
export function bucketIndexOf(buckets: readonly TimeBucket[], instantMs: number): number {
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
