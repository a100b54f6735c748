/** SEARCH criteria a count sends, written out as command text. */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * RFC 3501 `date` of a UTC midnight.
 *
 * @example
 * ```ts
 * imapDateOf(Date.UTC(2026, 1, 1)); // '1-Feb-2026'
 * ```
 *
 * @param dayMs - A UTC midnight.
 * @returns The date.
 */
export function imapDateOf(dayMs: number): string {
  const day = new Date(dayMs);
  return `${day.getUTCDate()}-${MONTHS[day.getUTCMonth()]}-${day.getUTCFullYear()}`;
}

/**
 * `SINCE <date> BEFORE <date>` for a date window (RFC 3501 §6.4.4: dates only, compared in the
 * server's zone), or `ALL` without one.
 *
 * @example
 * ```ts
 * dateWindowCriteria({ sinceDayMs: Date.UTC(2026, 0, 1), beforeDayMs: Date.UTC(2026, 1, 1) });
 * // 'SINCE 1-Jan-2026 BEFORE 1-Feb-2026'
 * ```
 *
 * @param window - UTC midnights, or `undefined`.
 * @returns The criteria.
 */
export function dateWindowCriteria(window: { sinceDayMs: number; beforeDayMs: number } | undefined): string {
  if (window === undefined) return 'ALL';
  return `SINCE ${imapDateOf(window.sinceDayMs)} BEFORE ${imapDateOf(window.beforeDayMs)}`;
}
