// The range a count covers, as the host gives it (instants, or calendar dates of a zone) and as the
// counting code uses it: validated field by field, bounded, in epoch milliseconds, with its warnings.
import type { FieldIssue } from '../errors/failure-detail.js';
import { ImapConnectorError } from '../errors/imap-connector-error.js';
import {
  type BucketGranularity,
  granularities,
  nextPeriodStart,
  parsePeriodLabel,
  periodLabel,
  periodStart,
} from './calendar-periods.js';
import { isKnownTimeZone, isListedTimeZone, ZoneClock } from './zone-clock.js';

export { type BucketGranularity, granularities } from './calendar-periods.js';

/**
 * A half-open range of instants, `[since, until)`.
 *
 * @example
 * ```ts
 * const range: InstantRangeInput = { since: '2026-03-01T00:00:00Z', until: new Date() };
 * ```
 */
export interface InstantRangeInput {
  /** First instant counted (inclusive): a `Date` or an ISO-8601 string with an offset, e.g. `2026-11-01T00:00:00+01:00`. */
  readonly since: Date | string;
  /** First instant not counted (exclusive); at most {@link rangeLimits}`.latestUntil`. */
  readonly until: Date | string;
}

/**
 * Calendar periods of the count's `timeZone`, both ends inclusive: dates `2026-03-01`, ISO weeks
 * `2026-W10` or months `2026-03` (the two ends may be of different kinds). The range runs from the
 * local midnight starting `from` to the local midnight ending `to`, so DST never shifts it.
 *
 * @example
 * ```ts
 * const march: CalendarRangeInput = { from: '2026-03-01', to: '2026-03-31' };
 * const q1: CalendarRangeInput = { from: '2026-01', to: '2026-03' };
 * ```
 */
export interface CalendarRangeInput {
  /** First period counted: `YYYY-MM-DD`, `YYYY-Www` or `YYYY-MM`. */
  readonly from: string;
  /** Last period counted (inclusive), in the same forms. */
  readonly to: string;
}

/**
 * What `countSignals` counts: instants `{ since, until }`, or calendar periods `{ from, to }` of the
 * count's time zone.
 *
 * @example
 * ```ts
 * await connector.countSignals({ from: '2026-03-01', to: '2026-03-31' }, { granularity: 'day', timeZone: 'Europe/Berlin' });
 * ```
 */
export type CountRangeInput = InstantRangeInput | CalendarRangeInput;

/**
 * The documented bounds of a range; anything beyond is `CONFIG_INVALID` before any connection.
 *
 * @example
 * ```ts
 * rangeLimits.maxBuckets; // 100000
 * ```
 */
export const rangeLimits = {
  /** The earliest `since`: 1970-01-01T00:00:00Z (no mail is older). */
  earliestSince: '1970-01-01T00:00:00.000Z',
  /**
   * The latest `until`: 9999-12-30T00:00:00Z. IMAP dates stop at year 9999 (RFC 3501 `date-year` is 4
   * digits), and the date window searched around a range reaches up to 38 hours past its end.
   */
  latestUntil: '9999-12-30T00:00:00.000Z',
  /** The most buckets a count returns (about 273 years of days); more is a mistake, not a request. */
  maxBuckets: 100_000,
} as const;

const EARLIEST_SINCE_MS = Date.parse(rangeLimits.earliestSince);
const LATEST_UNTIL_MS = Date.parse(rangeLimits.latestUntil);

/**
 * Codes of the remarks a range itself can cause.
 *
 * @example
 * ```ts
 * if (result.warnings.some((w) => w.code === 'range_end_not_on_boundary')) console.warn('last bucket is partial');
 * ```
 */
export type RangeWarningCode = 'range_start_not_on_boundary' | 'range_end_not_on_boundary';

/** A remark on the range (it does not fail the count). */
export interface RangeWarning {
  readonly code: RangeWarningCode;
  readonly message: string;
  readonly mailbox: null;
}

/** A validated range, in epoch milliseconds, with its optional bucketing. */
export interface CountRange {
  readonly sinceMs: number;
  readonly untilMs: number;
  readonly granularity: BucketGranularity | undefined;
  readonly timeZone: string;
  /** How many buckets {@link bucketsOf} will make (1 without a granularity). */
  readonly bucketCount: number;
  /** Remarks on the range itself (an instant range cutting a bucket), for the result's `warnings`. */
  readonly warnings: readonly RangeWarning[];
}

// An ISO-8601 date-time that names its offset (Z or ±hh:mm): a bare local time would be read in the
// host process's zone, which is exactly the ambiguity the range must not have.
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const PERIOD_FORMS = 'a date (2026-03-01), an ISO week (2026-W10) or a month (2026-03)';
const RANGE_FIELDS: ReadonlySet<string> = new Set(['since', 'until', 'from', 'to']);

/**
 * Validates a counting range and bucketing before anything is sent to a server: field by field, within
 * {@link rangeLimits}, calendar ends resolved to the local midnights of the zone.
 *
 * @param range - `{ since, until }` or `{ from, to }`.
 * @param granularity - Optional bucket size.
 * @param timeZone - IANA zone of the calendar and the bucket boundaries; defaults to `UTC`.
 * @returns The range in epoch milliseconds.
 * @throws {@link ImapConnectorError} `CONFIG_INVALID` with one issue per bad field.
 */
export function parseCountRange(
  range: CountRangeInput,
  granularity: BucketGranularity | undefined,
  timeZone: string | undefined,
): CountRange {
  const issues: FieldIssue[] = [];
  const optionIssues: FieldIssue[] = [];
  if (granularity !== undefined && !(granularities as readonly unknown[]).includes(granularity)) {
    optionIssues.push({
      field: 'granularity',
      code: 'invalid_choice',
      message: 'Choose day, week or month.',
    });
  }
  const zone = timeZone ?? 'UTC';
  const zoneKnown = typeof zone === 'string' && isKnownTimeZone(zone);
  if (!zoneKnown) {
    optionIssues.push({
      field: 'timeZone',
      code: 'invalid_time_zone',
      message: `"${String(zone)}" is not an IANA time zone such as Europe/Berlin.`,
    });
  }
  const clock = zoneKnown ? new ZoneClock(zone) : undefined;
  const bounds = isCalendarInput(range)
    ? calendarBoundsOf(range, clock, issues)
    : instantBoundsOf(range, issues);
  const { sinceMs, untilMs } = bounds;
  const field = isCalendarInput(range) ? 'to' : 'until';
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs >= untilMs) {
    issues.push({
      field,
      code: sinceMs === untilMs ? 'empty_range' : 'reversed_range',
      message: isCalendarInput(range)
        ? 'to must not be before from: both ends are included.'
        : 'until must be later than since: the range is [since, until).',
    });
  }
  if (untilMs !== undefined && untilMs > LATEST_UNTIL_MS) {
    issues.push({
      field,
      code: 'out_of_range',
      message: `The range must end by ${rangeLimits.latestUntil} (IMAP dates stop at year 9999).`,
    });
  }
  if (sinceMs !== undefined && sinceMs < EARLIEST_SINCE_MS) {
    issues.push({
      field: isCalendarInput(range) ? 'from' : 'since',
      code: 'out_of_range',
      message: `The range must start at ${rangeLimits.earliestSince} or later.`,
    });
  }
  issues.push(...unknownFieldIssues(range), ...optionIssues);
  if (issues.length > 0 || sinceMs === undefined || untilMs === undefined || clock === undefined) {
    throw invalidRange(issues);
  }
  const bucketCount = granularity === undefined ? 1 : countPeriods(clock, sinceMs, untilMs, granularity);
  if (bucketCount > rangeLimits.maxBuckets) {
    throw invalidRange([
      {
        field: 'granularity',
        code: 'too_many_buckets',
        message: `The range has ${bucketCount} ${granularity} buckets; at most ${rangeLimits.maxBuckets} are allowed. Use a coarser granularity or a shorter range.`,
      },
    ]);
  }
  const warnings =
    granularity === undefined || isCalendarInput(range)
      ? []
      : boundaryWarnings(clock, sinceMs, untilMs, granularity);
  return { sinceMs, untilMs, granularity, timeZone: zone, bucketCount, warnings };
}

// The shortest period of each granularity, in civil days: bounds the periods a span can touch.
const SHORTEST_PERIOD_DAYS: Readonly<Record<BucketGranularity, number>> = { day: 1, week: 7, month: 28 };
const DAY_MS = 86_400_000;
// Local midnights and civil dates of a zone lie within a day of each other (offsets stay under 24 h):
// two days of margin wherever the zone's offsets would decide.
const ZONE_MARGIN_MS = 2 * DAY_MS;

/** What {@link earlyRangeCheck} could tell without the zone's offsets. */
export type EarlyRangeCheck =
  /** {@link parseCountRange} will accept the range, which has at most `mostBuckets` buckets. */
  | { readonly accepted: true; readonly mostBuckets: number }
  /** It may not, or only the zone's offsets can tell: parse it before connecting. */
  | { readonly accepted: false };

const NOT_SETTLED: EarlyRangeCheck = { accepted: false };

/**
 * Whether {@link parseCountRange} will accept a range, decided without the zone's offsets, so without
 * loading the platform's time-zone data (its first formatter costs a fresh process ~20 ms): accepted
 * only when it certainly will; not when it may not, or when only the zone's offsets can tell (a zone
 * alias, an end within two days of {@link rangeLimits}, a bucket count near the maximum). A count
 * checks this first, so that the zone arithmetic can wait for the login's round trip while nothing
 * invalid is ever sent.
 *
 * @param range - `{ since, until }` or `{ from, to }`.
 * @param granularity - Optional bucket size.
 * @param timeZone - IANA zone; defaults to `UTC`.
 * @returns Accepted, with a bound on the bucket count, or not settled.
 */
export function earlyRangeCheck(
  range: CountRangeInput,
  granularity: BucketGranularity | undefined,
  timeZone: string | undefined,
): EarlyRangeCheck {
  if (granularity !== undefined && !(granularities as readonly unknown[]).includes(granularity)) {
    return NOT_SETTLED;
  }
  const zone = timeZone ?? 'UTC';
  if (typeof zone !== 'string' || !isListedTimeZone(zone)) return NOT_SETTLED;
  if (typeof range !== 'object' || range === null || unknownFieldIssues(range).length > 0) return NOT_SETTLED;
  const issues: FieldIssue[] = [];
  let spanMs: number;
  if (isCalendarInput(range)) {
    if ('since' in range || 'until' in range) return NOT_SETTLED;
    const from = periodOf(range.from, 'from', issues);
    const to = periodOf(range.to, 'to', issues);
    if (from === undefined || to === undefined || to.endDayMs <= from.startDayMs) return NOT_SETTLED;
    if (from.startDayMs - ZONE_MARGIN_MS < EARLIEST_SINCE_MS) return NOT_SETTLED;
    if (to.endDayMs + ZONE_MARGIN_MS > LATEST_UNTIL_MS) return NOT_SETTLED;
    spanMs = to.endDayMs - from.startDayMs;
  } else {
    const sinceMs = instantOf(range.since, 'since', issues);
    const untilMs = instantOf(range.until, 'until', issues);
    if (sinceMs === undefined || untilMs === undefined || sinceMs >= untilMs) return NOT_SETTLED;
    if (sinceMs < EARLIEST_SINCE_MS || untilMs > LATEST_UNTIL_MS) return NOT_SETTLED;
    spanMs = untilMs - sinceMs;
  }
  if (granularity === undefined) return { accepted: true, mostBuckets: 1 };
  const mostBuckets = Math.ceil((spanMs + ZONE_MARGIN_MS) / (SHORTEST_PERIOD_DAYS[granularity] * DAY_MS)) + 2;
  return mostBuckets <= rangeLimits.maxBuckets ? { accepted: true, mostBuckets } : NOT_SETTLED;
}

// A field the range does not know, e.g. an option such as `granularity` or `mailboxListing` put in the
// range instead of the second argument: rejected, as the configuration rejects unknown settings, rather
// than ignored. A field set to `undefined` says nothing and passes.
function unknownFieldIssues(range: CountRangeInput): FieldIssue[] {
  if (typeof range !== 'object' || range === null) return [];
  return Object.entries(range)
    .filter(([key, value]) => !RANGE_FIELDS.has(key) && value !== undefined)
    .map(([key]) => {
      const field = key.slice(0, 64);
      return {
        field,
        code: 'unknown_field',
        message: `Unknown range field: ${field}. A range is { since, until } or { from, to }; options such as granularity go in countSignals' second argument.`,
      };
    });
}

/**
 * Whether a range is given as calendar periods.
 *
 * @param range - What the host passed.
 * @returns `true` for `{ from, to }`.
 */
export function isCalendarInput(range: CountRangeInput): range is CalendarRangeInput {
  return typeof range === 'object' && range !== null && ('from' in range || 'to' in range);
}

function invalidRange(issues: readonly FieldIssue[]): ImapConnectorError {
  return new ImapConnectorError({
    code: 'CONFIG_INVALID',
    message: `Invalid count range: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join(' ')}`,
    detail: { phase: 'config', issues: [...issues] },
  });
}

interface Bounds {
  readonly sinceMs: number | undefined;
  readonly untilMs: number | undefined;
}

function instantBoundsOf(range: InstantRangeInput, issues: FieldIssue[]): Bounds {
  return {
    sinceMs: instantOf(range?.since, 'since', issues),
    untilMs: instantOf(range?.until, 'until', issues),
  };
}

function calendarBoundsOf(
  range: CalendarRangeInput,
  clock: ZoneClock | undefined,
  issues: FieldIssue[],
): Bounds {
  if ('since' in range || 'until' in range) {
    issues.push({
      field: 'range',
      code: 'ambiguous_range',
      message: 'Give either { since, until } (instants) or { from, to } (calendar periods), not both.',
    });
  }
  const from = periodOf(range.from, 'from', issues);
  const to = periodOf(range.to, 'to', issues);
  if (from === undefined || to === undefined || clock === undefined) {
    return { sinceMs: undefined, untilMs: undefined };
  }
  if (to.endDayMs <= from.startDayMs) {
    issues.push({
      field: 'to',
      code: 'reversed_range',
      message: 'to must not be before from: both ends are included.',
    });
    return { sinceMs: undefined, untilMs: undefined };
  }
  return { sinceMs: clock.startOfDay(from.startDayMs), untilMs: clock.startOfDay(to.endDayMs) };
}

function periodOf(value: unknown, field: 'from' | 'to', issues: FieldIssue[]) {
  if (typeof value !== 'string') {
    issues.push({ field, code: 'required', message: `${field} is required: ${PERIOD_FORMS}.` });
    return undefined;
  }
  const period = parsePeriodLabel(value.trim());
  if (period === undefined) {
    issues.push({ field, code: 'invalid_period', message: `${field} must be ${PERIOD_FORMS}.` });
  }
  return period;
}

function instantOf(value: unknown, field: string, issues: FieldIssue[]): number | undefined {
  let ms: number | undefined;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'string' && ISO_WITH_OFFSET.test(value.trim())) ms = Date.parse(value.trim());
  else if (typeof value === 'string') {
    issues.push({
      field,
      code: 'invalid_instant',
      message: `${field} must be an ISO-8601 date-time with an offset, e.g. 2026-11-01T00:00:00Z or 2026-11-01T00:00:00+01:00.`,
    });
    return undefined;
  } else {
    issues.push({ field, code: 'required', message: `${field} is required (a Date or an ISO-8601 string).` });
    return undefined;
  }
  if (ms === undefined || Number.isNaN(ms)) {
    issues.push({ field, code: 'invalid_instant', message: `${field} is not a valid instant.` });
    return undefined;
  }
  return ms;
}

/** The exact number of calendar periods `[sinceMs, untilMs)` touches, from two offset look-ups. */
function countPeriods(
  clock: ZoneClock,
  sinceMs: number,
  untilMs: number,
  granularity: BucketGranularity,
): number {
  const first = periodStart(clock.civilDayOf(sinceMs), granularity);
  const last = periodStart(clock.civilDayOf(untilMs - 1), granularity);
  if (granularity === 'day') return Math.round((last - first) / DAY_MS) + 1;
  if (granularity === 'week') return Math.round((last - first) / (7 * DAY_MS)) + 1;
  const months = (date: Date) => date.getUTCFullYear() * 12 + date.getUTCMonth();
  return months(new Date(last)) - months(new Date(first)) + 1;
}

// README's old example (`2026-03-01T00:00:00+01:00` … `2026-04-01T00:00:00+01:00` in Europe/Berlin) ends
// an hour into April once DST has started: say so, instead of returning a 1-hour "April 1".
function boundaryWarnings(
  clock: ZoneClock,
  sinceMs: number,
  untilMs: number,
  granularity: BucketGranularity,
): RangeWarning[] {
  const start = nearestBoundary(clock, sinceMs, granularity);
  const end = nearestBoundary(clock, untilMs, granularity);
  if (start.boundaryMs === sinceMs && end.boundaryMs === untilMs) return [];
  const firstLabel = periodLabel(start.periodDayMs, granularity);
  const lastDayMs = periodStart(end.periodDayMs - DAY_MS, granularity);
  const advice =
    end.periodDayMs > start.periodDayMs
      ? ` To count whole ${granularity}s, pass { from: '${firstLabel}', to: '${periodLabel(lastDayMs, granularity)}' }.`
      : '';
  const warnings: RangeWarning[] = [];
  if (start.boundaryMs !== sinceMs) {
    warnings.push({
      code: 'range_start_not_on_boundary',
      message: `since (${clock.localIso(sinceMs)}) is not the start of a ${granularity} in ${clock.timeZone} (the nearest is ${clock.localIso(start.boundaryMs)}): the first bucket is partial.${advice}`,
      mailbox: null,
    });
  }
  if (end.boundaryMs !== untilMs) {
    warnings.push({
      code: 'range_end_not_on_boundary',
      message: `until (${clock.localIso(untilMs)}) is not the end of a ${granularity} in ${clock.timeZone} (the nearest is ${clock.localIso(end.boundaryMs)}): the last bucket is partial.${advice}`,
      mailbox: null,
    });
  }
  return warnings;
}

/** The bucket boundary nearest an instant, and the first civil date of the period it starts. */
function nearestBoundary(clock: ZoneClock, instantMs: number, granularity: BucketGranularity) {
  const currentDayMs = periodStart(clock.civilDayOf(instantMs), granularity);
  const nextDayMs = nextPeriodStart(currentDayMs, granularity);
  const current = clock.startOfDay(currentDayMs);
  const next = clock.startOfDay(nextDayMs);
  return instantMs - current <= next - instantMs
    ? { boundaryMs: current, periodDayMs: currentDayMs }
    : { boundaryMs: next, periodDayMs: nextDayMs };
}
