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
/** `auto` (the cost model), `fewest-round-trips` (pipelined dates), `fewest-bytes` (per mailbox). */
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
 * Round trips above which reading every date in one pipelined round beats reading a few dates per
 * boundary over several rounds. On loopback (~0.3 ms; a few ms on a loaded machine) both take about as
 * long (counting-floor.md: 102 ms each at 100k), arrival order with 3–4× fewer bytes and flat cost at
 * 1M; at 20 ms, arrival order pays ~6 round trips a mailbox (~0.6 s for five) where pipelined dates
 * pay two to four in all.
 */
export const PIPELINE_MIN_ROUND_TRIP_MS = 15;
// Totals over a long range: the interior count reads a few hundred bytes where pipelined dates read
// every message of the range; below this the window is small enough that one round wins anyway.
const TOTALS_BY_COUNT_MIN_RANGE_MS = 32 * 86_400_000;
/**
 * Ranges up to this long are counted by pipelined dates on any link: their window (the range and a day
 * either side) holds few messages, so reading every date costs less than the per-mailbox strategies'
 * sort and search rounds (bench "yesterday": one round trip a batch instead of ~6 commands a mailbox).
 */
export const SHORT_RANGE_MAX_MS = 7 * 86_400_000;

/**
 * Picks the counting path:
 * - `prefer` decides when it is not `auto`;
 * - a short range (≤ {@link SHORT_RANGE_MAX_MS}, a daily sync): pipelined dates, a few rows a mailbox;
 * - a slow link (round trip ≥ {@link PIPELINE_MIN_ROUND_TRIP_MS}): pipelined dates, so a count
 *   takes ≤ 4 awaited round trips after login whatever the number of mailboxes;
 * - a fast link with SORT (RFC 5256): per mailbox (arrival order reads ~20 dates per boundary, which
 *   keeps bytes and memory flat on million-message mailboxes);
 * - a fast link with ESEARCH and one bucket over more than a month: per mailbox (interior count);
 * - otherwise every date of the window is read anyway: pipelined.
 *
 * @example
 * ```ts
 * choosePath({ capabilities: ['SORT'], roundTripMs: 0.8, buckets: 365, rangeMs: 365 * 86_400_000 }); // 'per-mailbox'
 * ```
 *
 * @param input - Capabilities, round trip, buckets, range.
 * @returns The path.
 */
export function choosePath(input: CountingCostInput): CountingPath {
  if (input.prefer === 'fewest-round-trips') return 'pipelined-dates';
  if (input.prefer === 'fewest-bytes') return 'per-mailbox';
  if (input.rangeMs <= SHORT_RANGE_MAX_MS) return 'pipelined-dates';
  const slowLink = (input.roundTripMs ?? 0) >= PIPELINE_MIN_ROUND_TRIP_MS;
  if (slowLink) return 'pipelined-dates';
  if (input.capabilities.includes('SORT')) return 'per-mailbox';
  if (input.buckets === 1 && input.rangeMs > TOTALS_BY_COUNT_MIN_RANGE_MS) return 'per-mailbox';
  return 'pipelined-dates';
}
