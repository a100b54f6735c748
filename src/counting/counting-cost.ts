/** How a count reaches the server: the cost model that picks a path from what is known after login. */
import type { SecurityMode } from '../config/security-mode.js';

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
 * Round trips at or above which `mailboxListing: 'auto'` lists on the counting connection, in INBOX's
 * flight, without waiting for INBOX's size. Below it, the count waits for INBOX's EXAMINE to weigh a
 * side connection ({@link sideListingPaysFor}), and a small INBOX's list then takes one more round trip
 * (written behind INBOX's batch: Dovecot answers EXAMINE together with the searches after it, so about
 * when the batch ends). That round trip is what every small mailbox pays for the side connection a
 * large one may get: under 10 ms it is cheap. Measured on Dovecot at 100k messages and 20 ms RTT
 * (docs/performance.md): waiting, "yesterday" took 262 ms against 230 with the list in INBOX's flight.
 */
export const SIDE_LISTING_MAX_ROUND_TRIP_MS = 10;

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

/**
 * What a LIST on the counting connection costs the rest of a count, per message in INBOX: on Dovecot
 * with Maildir a LIST makes every later EXAMINE of the session rescan its folder, a cost that grows with
 * the folders opened after it, estimated from INBOX's size (the one size known before the list). Measured
 * on Dovecot (docs/performance.md, "Listing by INBOX's size"): the raw floor's daily year at 100k
 * messages (INBOX 65k) took 43 ms longer with a LIST after INBOX; five EXAMINEs after a LIST, 28 ms
 * longer at 100k and 509 ms at 1M (0.4–0.8 µs per INBOX message).
 */
export const RESCAN_MS_PER_INBOX_MESSAGE = 0.0007;

/**
 * The round trips a side connection's list takes beyond the one a LIST on the counting connection takes
 * anyway: TCP with the greeting, and LOGIN (the LIST's own round trip is the one both pay), plus the
 * TLS handshake (one round trip with TLS 1.3) and, for STARTTLS, its command.
 */
const SIDE_LISTING_EXTRA_ROUND_TRIPS: Record<SecurityMode, number> = { none: 2, tls: 3, starttls: 4 };

/** What `mailboxListing: 'auto'` weighs once INBOX's EXAMINE has answered. */
export interface SideListingCostInput {
  /** INBOX's EXISTS. */
  readonly inboxMessages: number;
  /** The round trip measured with the counting connection's login. */
  readonly roundTripMs: number | undefined;
  /** What the server took to accept that login beyond the round trip: a second login costs as much. */
  readonly loginServerMs: number | undefined;
  /** The connection's security: how many round trips a second connection takes before its LOGIN. */
  readonly security: SecurityMode;
}

/**
 * Whether a side connection pays, once INBOX's size is known: when the rescan a LIST on the counting
 * connection would cause ({@link RESCAN_MS_PER_INBOX_MESSAGE} × INBOX's messages) costs more than
 * opening a second connection, logging in and listing there (its extra round trips and the server's
 * login time, both measured with the counting connection's login). Not when either was not measured.
 * On loopback against a Dovecot whose login takes 22 ms, that is an INBOX of about 33,000 messages;
 * at 8 ms of round trip with TLS, about 66,000.
 *
 * @example
 * ```ts
 * sideListingPaysFor({ inboxMessages: 65_000, roundTripMs: 0.3, loginServerMs: 22, security: 'tls' }); // true
 * sideListingPaysFor({ inboxMessages: 6_500, roundTripMs: 0.3, loginServerMs: 22, security: 'tls' }); // false
 * sideListingPaysFor({ inboxMessages: 65_000, roundTripMs: 8, loginServerMs: 22, security: 'tls' }); // false
 * ```
 *
 * @param input - INBOX's size, the measured round trip and login time, the security mode.
 * @returns `true` to list on the side connection.
 */
export function sideListingPaysFor(input: SideListingCostInput): boolean {
  const { roundTripMs, loginServerMs } = input;
  if (roundTripMs === undefined || loginServerMs === undefined) return false;
  const sideMs = SIDE_LISTING_EXTRA_ROUND_TRIPS[input.security] * roundTripMs + loginServerMs;
  return RESCAN_MS_PER_INBOX_MESSAGE * input.inboxMessages > sideMs;
}
