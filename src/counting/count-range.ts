import { IANAZone } from 'luxon';
import type { FieldIssue } from '../errors/failure-detail.js';
import { ImapConnectorError } from '../errors/imap-connector-error.js';

/** A half-open range of instants, `[since, until)`. */
export interface CountRangeInput {
  /** First instant counted (inclusive): a `Date` or an ISO-8601 string with an offset, e.g. `2026-11-01T00:00:00+01:00`. */
  readonly since: Date | string;
  /** First instant not counted (exclusive). */
  readonly until: Date | string;
}

/**
 * Every way a range can be split, for forms and input checks.
 *
 * @example
 * ```ts
 * const granularity = granularities.find((value) => value === request.query.granularity) ?? 'day';
 * ```
 */
export const granularities = ['day', 'week', 'month'] as const;

/** How to split the range: one of {@link granularities}. */
export type BucketGranularity = (typeof granularities)[number];

/** A validated range, in epoch milliseconds, with its optional bucketing. */
export interface CountRange {
  readonly sinceMs: number;
  readonly untilMs: number;
  readonly granularity: BucketGranularity | undefined;
  readonly timeZone: string;
}

// An ISO-8601 date-time that names its offset (Z or ±hh:mm): a bare local time would be read in the
// host process's zone, which is exactly the ambiguity the range must not have.
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
// IMAP INTERNALDATE has no year beyond 9999 and nothing before 1970 matters for mail.
const MAX_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

/**
 * Validates a counting range and bucketing before anything is sent to a server.
 *
 * @param range - `since` and `until`.
 * @param granularity - Optional bucket size.
 * @param timeZone - IANA zone of the bucket boundaries; defaults to `UTC`.
 * @returns The range in epoch milliseconds.
 * @throws {@link ImapConnectorError} `CONFIG_INVALID` with one issue per bad field.
 */
export function parseCountRange(
  range: CountRangeInput,
  granularity: BucketGranularity | undefined,
  timeZone: string | undefined,
): CountRange {
  const issues: FieldIssue[] = [];
  const sinceMs = instantOf(range?.since, 'since', issues);
  const untilMs = instantOf(range?.until, 'until', issues);
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs >= untilMs) {
    issues.push({
      field: 'until',
      code: sinceMs === untilMs ? 'empty_range' : 'reversed_range',
      message: 'until must be later than since: the range is [since, until).',
    });
  }
  if (granularity !== undefined && !['day', 'week', 'month'].includes(granularity)) {
    issues.push({ field: 'granularity', code: 'invalid_choice', message: 'Choose day, week or month.' });
  }
  const zone = timeZone ?? 'UTC';
  if (!IANAZone.isValidZone(zone)) {
    issues.push({
      field: 'timeZone',
      code: 'invalid_time_zone',
      message: `"${zone}" is not an IANA time zone such as Europe/Berlin.`,
    });
  }
  if (issues.length > 0 || sinceMs === undefined || untilMs === undefined) {
    throw new ImapConnectorError({
      code: 'CONFIG_INVALID',
      message: `Invalid count range: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join(' ')}`,
      detail: { phase: 'config', issues },
    });
  }
  return { sinceMs, untilMs, granularity, timeZone: zone };
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
  if (ms === undefined || Number.isNaN(ms) || ms < 0 || ms > MAX_INSTANT_MS) {
    issues.push({
      field,
      code: 'invalid_instant',
      message: `${field} is not a valid instant between 1970 and 9999.`,
    });
    return undefined;
  }
  return ms;
}
