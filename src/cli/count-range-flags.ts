/**
 * `--from`, `--to` and `--tz` of `count`: calendar periods (dates, ISO weeks, months; both ends
 * included) go to the SDK as a calendar range, instants with an offset as an instant range.
 */
import { DateTime, IANAZone } from 'luxon';
import type { CountRangeInput } from '../index.js';
import { UsageError } from './cli-io.js';

// The SDK's calendar forms: YYYY-MM-DD, YYYY-Www, YYYY-MM.
const CALENDAR_PERIOD = /^\d{4}-(?:\d{2}-\d{2}|W\d{2}|\d{2})$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DEFAULT_DAYS = 30;

/**
 * Reads the range flags.
 *
 * - Both calendar periods: `{ from, to }`, both included (`--from 2026-11-01 --to 2026-11-30` is
 *   November; so is `--from 2026-11 --to 2026-11`).
 * - Both instants: `{ since, until }`, `until` excluded.
 * - Neither: the last 30 days of `--tz`, today included. Only `--from`: up to today (a period) or now
 *   (an instant). Only `--to`, a date: the 30 days ending with it.
 *
 * @param from - `--from`, if given.
 * @param to - `--to`, if given.
 * @param zone - `--tz`, or the machine's zone.
 * @param nowMs - The current time.
 * @returns The range for `countSignals`; the SDK validates it further.
 * @throws {@link UsageError} for an unknown zone, or one end a period and the other an instant.
 */
export function countRangeOf(
  from: string | undefined,
  to: string | undefined,
  zone: string,
  nowMs: number,
): CountRangeInput {
  if (!IANAZone.isValidZone(zone)) {
    throw new UsageError(`--tz "${zone}" is not an IANA time zone such as Europe/Berlin or UTC.`);
  }
  const today = DateTime.fromMillis(nowMs, { zone }).toISODate() ?? '';
  const daysBefore = (date: string) =>
    DateTime.fromISO(date, { zone })
      .minus({ days: DEFAULT_DAYS - 1 })
      .toISODate();
  if (from === undefined && to === undefined) return { from: daysBefore(today) ?? today, to: today };
  if (from === undefined) {
    if (to === undefined || !DATE_ONLY.test(to)) {
      throw new UsageError('Give --from too: without it --to must be a date (the last of 30 days).');
    }
    return { from: daysBefore(to) ?? to, to };
  }
  if (to === undefined) {
    return CALENDAR_PERIOD.test(from)
      ? { from, to: today }
      : { since: from, until: new Date(nowMs).toISOString() };
  }
  const calendar = [from, to].map((value) => CALENDAR_PERIOD.test(value));
  if (calendar[0] !== calendar[1]) {
    throw new UsageError(
      'Give --from and --to both as calendar periods (2026-11-01, 2026-W45, 2026-11) or both as instants with an offset (2026-11-01T00:00:00+01:00).',
    );
  }
  return calendar[0] ? { from, to } : { since: from, until: to };
}
