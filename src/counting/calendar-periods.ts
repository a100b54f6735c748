// Calendar periods (days, ISO weeks, months) as civil dates, with no time zone: their labels
// (`2026-03-29`, `2026-W13`, `2026-03`), where they start and where the next one starts. A civil date is
// held as the UTC midnight of that date; a zone turns it into an instant (zone-clock.ts).

/**
 * The calendar units a count can be split into, as a list for forms; the type derives from it.
 *
 * @example
 * ```ts
 * const options = granularities.map((value) => `<option>${value}</option>`).join('');
 * ```
 */
export const granularities = ['day', 'week', 'month'] as const;

/** How to split a range: calendar days, ISO weeks (Monday to Monday) or months of the time zone. */
export type BucketGranularity = (typeof granularities)[number];

const DAY_MS = 86_400_000;
const pad = (value: number, width = 2) => String(value).padStart(width, '0');

function utcDay(year: number, monthIndex: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  return date.getTime();
}

/** The Monday starting the ISO week that holds a civil date. */
function mondayOf(civilDayMs: number): number {
  const weekday = new Date(civilDayMs).getUTCDay(); // 0 = Sunday
  return civilDayMs - ((weekday + 6) % 7) * DAY_MS;
}

/**
 * The first civil date of the period holding `civilDayMs`.
 *
 * @param civilDayMs - UTC midnight of a civil date.
 * @param granularity - Day, ISO week or month.
 * @returns UTC midnight of the period's first date.
 */
export function periodStart(civilDayMs: number, granularity: BucketGranularity): number {
  if (granularity === 'day') return civilDayMs;
  if (granularity === 'week') return mondayOf(civilDayMs);
  const date = new Date(civilDayMs);
  return utcDay(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

/**
 * The first civil date of the next period.
 *
 * @param periodStartMs - From {@link periodStart}.
 * @param granularity - Day, ISO week or month.
 * @returns UTC midnight of the next period's first date.
 */
export function nextPeriodStart(periodStartMs: number, granularity: BucketGranularity): number {
  if (granularity === 'day') return periodStartMs + DAY_MS;
  if (granularity === 'week') return periodStartMs + 7 * DAY_MS;
  const date = new Date(periodStartMs);
  return utcDay(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

/**
 * The label of the period holding a civil date: `2026-03-29`, ISO week `2026-W13` (the week-numbering
 * year, which differs from the calendar year around New Year: 2026-12-31 is in `2026-W53`, 2027-01-01
 * too), or `2026-03`.
 *
 * @param civilDayMs - UTC midnight of a civil date.
 * @param granularity - Day, ISO week or month.
 * @returns The label.
 */
export function periodLabel(civilDayMs: number, granularity: BucketGranularity): string {
  const date = new Date(civilDayMs);
  const year = date.getUTCFullYear();
  if (granularity === 'day')
    return `${pad(year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  if (granularity === 'month') return `${pad(year, 4)}-${pad(date.getUTCMonth() + 1)}`;
  // ISO 8601: a week belongs to the year of its Thursday; week 1 holds the year's first Thursday.
  const thursday = new Date(mondayOf(civilDayMs) + 3 * DAY_MS);
  const weekYear = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - utcDay(weekYear, 0, 1)) / (7 * DAY_MS)) + 1;
  return `${pad(weekYear, 4)}-W${pad(week)}`;
}

/** A calendar label parsed into its period. */
export interface ParsedPeriod {
  /** UTC midnight of the period's first civil date. */
  readonly startDayMs: number;
  /** UTC midnight of the first civil date after the period. */
  readonly endDayMs: number;
  /** Which kind of label it was. */
  readonly granularity: BucketGranularity;
}

const DATE_LABEL = /^(\d{4})-(\d{2})-(\d{2})$/;
const WEEK_LABEL = /^(\d{4})-W(\d{2})$/;
const MONTH_LABEL = /^(\d{4})-(\d{2})$/;

/**
 * Reads an ISO calendar label: a date `2026-03-01`, an ISO week `2026-W10` or a month `2026-03`.
 *
 * @param label - The label.
 * @returns The period, or `undefined` when the label is not one of these or names no real date
 *   (`2026-02-30`, `2026-W54`, `2026-13`).
 */
export function parsePeriodLabel(label: string): ParsedPeriod | undefined {
  const date = DATE_LABEL.exec(label);
  if (date !== null) {
    const [year, month, day] = date.slice(1).map(Number) as [number, number, number];
    const startDayMs = utcDay(year, month - 1, day);
    if (periodLabel(startDayMs, 'day') !== label) return undefined;
    return { startDayMs, endDayMs: startDayMs + DAY_MS, granularity: 'day' };
  }
  const week = WEEK_LABEL.exec(label);
  if (week !== null) {
    const [year, number] = week.slice(1).map(Number) as [number, number];
    // Week 1 is the week holding January 4th.
    const startDayMs = mondayOf(utcDay(year, 0, 4)) + (number - 1) * 7 * DAY_MS;
    if (number < 1 || periodLabel(startDayMs, 'week') !== label) return undefined;
    return { startDayMs, endDayMs: startDayMs + 7 * DAY_MS, granularity: 'week' };
  }
  const month = MONTH_LABEL.exec(label);
  if (month !== null) {
    const [year, number] = month.slice(1).map(Number) as [number, number];
    if (number < 1 || number > 12) return undefined;
    const startDayMs = utcDay(year, number - 1, 1);
    return { startDayMs, endDayMs: nextPeriodStart(startDayMs, 'month'), granularity: 'month' };
  }
  return undefined;
}
