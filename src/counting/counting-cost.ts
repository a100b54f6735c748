/** How a count reaches the server: the cost model that picks a path from what is known after login. */

/**
 * `pipelined-dates`: every mailbox's dates of the window in one or two pipelined round trips (few
 * rounds, ~60 bytes a message of the window). `per-mailbox`: one mailbox after the other through the
 * per-mailbox strategies (arrival order: ~20 dates read per boundary, but several round trips a
 * mailbox; interior count for totals: bytes per boundary only).
 */
export type CountingPath = 'pipelined-dates' | 'per-mailbox';

/**
 * Every value of `countSignals`' `transfer` option, for forms and input checks: what a count should
 * spare most (see {@link TransferPreference}).
 *
 * @example
 * ```ts
 * const transfer = transferPreferences.find((value) => value === request.query.transfer) ?? 'auto';
 * ```
 */
export const transferPreferences = ['auto', 'fewest-round-trips', 'fewest-bytes'] as const;
/** `auto` (the cost model), `fewest-round-trips` (pipelined dates), `fewest-bytes` (per mailbox: WITHIN counts or arrival order). */
export type TransferPreference = (typeof transferPreferences)[number];

/** What the cost model knows before the first mailbox is opened. */
export interface CountingCostInput {
  /** The caller's preference; `auto` by default. */
  readonly prefer?: TransferPreference | undefined;
  /** Upper-case capabilities after login. */
  readonly capabilities: readonly string[];
  /** The round trip of the first command after login (NAMESPACE), if measured. */
  readonly roundTripMs: number | undefined;
  /** How many buckets. */
  readonly buckets: number;
  /** The range's length. */
  readonly rangeMs: number;
}

/**
 * Round trips at or above which even a long total is counted by pipelined dates: on a slow link the
 * per-mailbox interior count pays several round trips a mailbox (~0.6 s for five at 20 ms), where
 * pipelined dates pay two to four in all.
 */
export const PIPELINE_MIN_ROUND_TRIP_MS = 15;
// Totals over a long range: the interior count reads a few hundred bytes where pipelined dates read
// every message of the range; below this the window is small enough that one round wins anyway.
const TOTALS_BY_COUNT_MIN_RANGE_MS = 32 * 86_400_000;

/**
 * Picks the counting path:
 * - `prefer` decides when it is not `auto`;
 * - a total (one bucket) over more than a month on a fast link (round trip below
 *   {@link PIPELINE_MIN_ROUND_TRIP_MS}): per mailbox, where the server counts the interior
 *   (ESEARCH COUNT, SORT's MIN/MAX/COUNT) and only the edges' dates are read;
 * - everything else: pipelined dates, every mailbox's dates of the window in ≤ 4 awaited round trips
 *   after login. Measured on Dovecot (docs/performance.md), a daily year on a fast link takes 0.68×
 *   (10k messages) and 0.77× (100k) the time of arrival order, 1.1× at 1M, with the bytes of the raw
 *   floor; `fewest-bytes` keeps the server's WITHIN counts or arrival order for metered links.
 *
 * @example
 * ```ts
 * choosePath({ capabilities: ['SORT'], roundTripMs: 0.8, buckets: 365, rangeMs: 365 * 86_400_000 }); // 'pipelined-dates'
 * choosePath({ capabilities: ['ESEARCH'], roundTripMs: 0.8, buckets: 1, rangeMs: 365 * 86_400_000 }); // 'per-mailbox'
 * ```
 *
 * @param input - Capabilities, round trip, buckets, range.
 * @returns The path.
 */
export function choosePath(input: CountingCostInput): CountingPath {
  if (input.prefer === 'fewest-round-trips') return 'pipelined-dates';
  if (input.prefer === 'fewest-bytes') return 'per-mailbox';
  const slowLink = (input.roundTripMs ?? 0) >= PIPELINE_MIN_ROUND_TRIP_MS;
  if (!slowLink && input.buckets === 1 && input.rangeMs > TOTALS_BY_COUNT_MIN_RANGE_MS) return 'per-mailbox';
  return 'pipelined-dates';
}

/**
 * Round trips at or above which `mailboxListing: 'auto'` lists on the counting connection instead of
 * a side connection. The side connection logs in once the counting connection has (so a wrong password
 * is sent once), and then lists: about one round trip after INBOX's batch went out, where the rescan
 * a LIST causes on Dovecot with Maildir costs ~40 ms at 100k messages. Measured on Dovecot at 100k
 * (docs/performance.md): at 20 ms RTT the side connection wins (daily year 235 vs 288 ms), at 100 ms it
 * loses (732 vs 631 ms).
 */
export const SIDE_LISTING_MAX_ROUND_TRIP_MS = 30;

/**
 * Whether `mailboxListing: 'auto'` lists on a side connection, from the round trip measured with the
 * login: only on a link fast enough ({@link SIDE_LISTING_MAX_ROUND_TRIP_MS}); not when it could not be
 * measured.
 *
 * @example
 * ```ts
 * sideListingPays(0.4); // true
 * sideListingPays(95); // false
 * ```
 *
 * @param roundTripMs - The round trip measured with the login, if any.
 * @returns `true` to list on the side connection.
 */
export function sideListingPays(roundTripMs: number | undefined): boolean {
  return roundTripMs !== undefined && roundTripMs < SIDE_LISTING_MAX_ROUND_TRIP_MS;
}
