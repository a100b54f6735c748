/** `--from`, `--to` and `--tz` of `count`: a calendar date means midnight in the zone, an instant is kept. */
import { DateTime, IANAZone } from 'luxon';
import { UsageError } from './cli-io.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DEFAULT_DAYS = 30;

/** The range to count, as ISO instants with offsets, and the zone of its buckets. */
export interface CountRangeFlags {
  readonly since: string;
  readonly until: string;
  readonly timeZone: string;
}

/**
 * Reads the range flags. A date (`2026-11-01`) is the start of that day in `--tz`, so
 * `--from 2026-11-01 --to 2026-12-01` is November, whole; a date-time needs an offset (`…T09:00+01:00`).
 * Without `--to` the range ends now; without `--from` it starts at midnight 29 days before the day `--to`
 * falls in (with today, 30 days).
 *
 * @param from - `--from`, if given.
 * @param to - `--to`, if given.
 * @param zone - `--tz`, or the machine's zone.
 * @param nowMs - The current time.
 * @returns The range.
 * @throws {@link UsageError} for an unknown zone or a date that does not exist.
 */
export function countRangeOf(
  from: string | undefined,
  to: string | undefined,
  zone: string,
  nowMs: number,
): CountRangeFlags {
  if (!IANAZone.isValidZone(zone)) {
    throw new UsageError(`--tz "${zone}" is not an IANA time zone such as Europe/Berlin or UTC.`);
  }
  const until = to === undefined ? DateTime.fromMillis(nowMs, { zone }) : instantOf(to, '--to', zone);
  const since =
    from === undefined
      ? until
          .minus({ milliseconds: 1 })
          .startOf('day')
          .minus({ days: DEFAULT_DAYS - 1 })
      : instantOf(from, '--from', zone);
  return { since: isoOf(since, from), until: isoOf(until, to), timeZone: zone };
}

function instantOf(value: string, flag: string, zone: string): DateTime {
  if (DATE_ONLY.test(value)) {
    const date = DateTime.fromISO(value, { zone });
    if (!date.isValid) throw new UsageError(`${flag} ${value} is not a calendar date.`);
    return date;
  }
  // Anything else goes to the SDK as it is: it rejects a date-time without an offset with its own message.
  return DateTime.fromISO(value, { setZone: true });
}

function isoOf(instant: DateTime, given: string | undefined): string {
  if (given !== undefined && !DATE_ONLY.test(given)) return given;
  return instant.toISO({ suppressMilliseconds: true }) ?? given ?? '';
}
