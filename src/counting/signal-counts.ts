import type { MailboxRole, RoleSource } from '../mailboxes/role-detection.js';
import type { BucketGranularity } from './calendar-periods.js';
import type { RangeWarningCode } from './count-range.js';
import type { RoleWarningCode, SkipReason } from './counting-plan.js';
import type { CursorFallbackReason, MailboxSync, RescanReason } from './sync-cursor.js';
import type { TimeBucket } from './time-buckets.js';

/**
 * Counts for one bucket `[start, end)`, with its calendar identity in the count's zone, so a host can
 * store it keyed by `(account, label)` without date code of its own.
 *
 * @example
 * ```ts
 * // Europe/Berlin, the day DST starts:
 * const bucket: SignalBucket = {
 *   label: '2026-03-29', granularity: 'day',
 *   start: '2026-03-28T23:00:00.000Z', end: '2026-03-29T22:00:00.000Z',
 *   localStart: '2026-03-29T00:00:00+01:00', localEnd: '2026-03-30T00:00:00+02:00',
 *   seconds: 82800, partial: false, sent: 3, received: 17,
 * };
 * ```
 */
export interface SignalBucket {
  /**
   * The calendar period in the zone: a date `2026-03-29` (day), an ISO week `2026-W13` (week; the
   * week-numbering year), a month `2026-03` (month); `null` for the one bucket of a count without
   * granularity.
   */
  readonly label: string | null;
  /** The kind of period the label names; `null` without granularity. */
  readonly granularity: BucketGranularity | null;
  /** Bucket start, ISO-8601 UTC instant (inclusive). */
  readonly start: string;
  /** Bucket end, ISO-8601 UTC instant (exclusive). */
  readonly end: string;
  /** The start on the zone's clock, with its offset: `2026-03-29T00:00:00+01:00`. */
  readonly localStart: string;
  /** The end on the zone's clock, with its offset (the next period's local midnight): `2026-03-30T00:00:00+02:00`. */
  readonly localEnd: string;
  /** Length in seconds: 86,400 for most days, 82,800 or 90,000 across DST, less when partial. */
  readonly seconds: number;
  /** `true` when the range cuts the period (the bucket holds only part of its day, week or month). */
  readonly partial: boolean;
  /** Messages in Sent mailboxes with an INTERNALDATE in the bucket. */
  readonly sent: number;
  /** Messages in received mailboxes with an INTERNALDATE in the bucket. */
  readonly received: number;
}

/**
 * How a mailbox was counted:
 * - `arrival-order`: the server sorts the messages of a date window a little wider than the range by
 *   arrival (RFC 5256 SORT ARRIVAL, i.e. INTERNALDATE; compact with RFC 5267 ESORT), and each bucket
 *   boundary's position in that list is found by reading a few INTERNALDATEs (interpolation search), so a
 *   bucket's count is a difference of positions; totals whose window lies wholly inside the range take the
 *   server's count after checking the earliest and latest dates (servers with SORT; no deduplication);
 * - `within-counts`: with `transfer: 'fewest-bytes'` on servers with WITHIN and ESEARCH, the server
 *   counts the messages at or after each bucket boundary (RFC 5032 `YOUNGER`, relative to the server's
 *   clock, which probes of two known messages pin to the second), and a bucket is the difference of two
 *   counts: ~25 bytes a boundary whatever the mailbox holds, but a search of the whole mailbox each;
 * - `interior-count`: ESEARCH `COUNT` (or, without ESEARCH, the length of a plain SEARCH answer) of the
 *   dates certainly inside the range, plus the exact dates of the messages near both ends (totals on
 *   servers without SORT);
 * - `fetch-dates`: the INTERNALDATE of every message in a date window a little wider than the range,
 *   filtered and bucketed exactly (any server; also used for buckets and deduplication);
 * - `pipelined-dates`: like `fetch-dates`, for every mailbox at once in one or two pipelined round
 *   trips (`EXAMINE`, `UID SEARCH RETURN (SAVE)`, `UID FETCH $`): chosen on slow links;
 * - `new-messages`: an incremental count (a `cursor` was given): `UID FETCH <floor>:<UIDNEXT−1> (UID
 *   INTERNALDATE)` of the UIDs the cursor had not accounted for, or, after a UIDVALIDITY change or for a
 *   new mailbox, the dates of the messages on or after the watermark's date;
 * - `empty`: the mailbox has no messages, nothing was searched.
 */
export type CountingStrategy =
  | 'arrival-order'
  | 'within-counts'
  | 'interior-count'
  | 'fetch-dates'
  | 'pipelined-dates'
  | 'new-messages'
  | 'empty';

/** What deduplication applied: none, or by which identity a message seen in several mailboxes counted once. */
export type Deduplication = 'none' | 'message-id' | 'email-id';

/** One listed mailbox and what it contributed. */
export interface CountedMailbox {
  /** The full path, as the server names it. */
  readonly path: string;
  /** Its role, if it has one. */
  readonly role: MailboxRole | null;
  /** How the role was known. */
  readonly roleSource: RoleSource | null;
  /** Whether its messages counted as sent, as received, or not at all. */
  readonly counts: 'sent' | 'received' | 'skipped';
  /** Why it was skipped, when it was. */
  readonly skipReason: SkipReason | null;
  /** Messages of this mailbox in the range (before cross-mailbox deduplication); null when skipped. */
  readonly inRange: number | null;
  /** How it was counted; null when skipped. */
  readonly strategy: CountingStrategy | null;
  /** UIDVALIDITY (decimal string) at count time, for a later incremental count; null when not opened. */
  readonly uidValidity: string | null;
  /** UIDNEXT at count time; null when not opened. */
  readonly uidNext: number | null;
  /** All messages in the mailbox at count time; null when not opened. */
  readonly messages: number | null;
  /**
   * How it was counted with respect to the cursor: `full` (the whole range), `incremental` (only UIDs
   * the cursor had not accounted for), `rescan` (its messages dated from the watermark on, see
   * `rescanReason`); null when not opened.
   */
  readonly sync: MailboxSync | null;
  /** Why it was rescanned: `uidvalidity_changed`, `mailbox_new` (created, renamed, or first seen); else null. */
  readonly rescanReason: RescanReason | null;
}

/**
 * The stable codes of {@link CountWarning} (switch on them; the messages may change):
 * - `role_guessed_by_name`, `role_from_unadvertised_attribute`, `no_sent_mailbox`: mailbox roles;
 * - `mailbox_unavailable`: a mailbox could not be opened and was left out;
 * - `mailbox_name_unusable`: a mailbox name holds a control character; that mailbox was skipped;
 * - `internal_date_malformed`: messages whose INTERNALDATE cannot be read were not counted;
 * - `esearch_mismatch`, `arrival_order_unusable`, `server_clock_unusable`: a server answer failed a
 *   cross-check, counted another way;
 * - `range_start_not_on_boundary`, `range_end_not_on_boundary`: an instant range cuts its first or last
 *   bucket (e.g. a fixed `+01:00` offset across a DST change); the bucket is `partial`;
 * - `mailbox_gone`: a mailbox the cursor knew is no longer listed (deleted or renamed); what it held was
 *   counted before and stays counted;
 * - `cursor_gap`: an incremental range starts after the cursor's watermark: mail between the two is
 *   never counted.
 *
 * @example
 * ```ts
 * for (const warning of result.warnings) if (warning.code === 'mailbox_unavailable') alert(warning.message);
 * ```
 */
export type CountWarningCode =
  | RoleWarningCode
  | 'mailbox_unavailable'
  | 'mailbox_name_unusable'
  | 'internal_date_malformed'
  | 'mailbox_gone'
  | 'cursor_gap'
  | 'esearch_mismatch'
  | 'arrival_order_unusable'
  | 'server_clock_unusable'
  | 'mailbox_name_unusable'
  | 'internal_date_malformed'
  | RangeWarningCode;

/** A non-fatal remark about a count: the numbers are right, but something is worth knowing. */
export interface CountWarning {
  /** A stable code; see {@link CountWarningCode}. */
  readonly code: CountWarningCode;
  /** A sentence for logs or an admin. */
  readonly message: string;
  /** The mailbox concerned, if one. */
  readonly mailbox: string | null;
}

/** The counted range as ISO-8601 UTC instants, `[since, until)`. */
export interface CountedRange {
  /** First instant counted. */
  readonly since: string;
  /** First instant not counted. */
  readonly until: string;
}

/** The result of `countSignals`: plain, JSON-serializable data for the host to store. */
export interface SignalCounts {
  /** The counted range, ISO-8601 UTC instants, `[since, until)`. */
  readonly range: CountedRange;
  /** The bucket size, or null for one bucket spanning the range. */
  readonly granularity: BucketGranularity | null;
  /** The IANA zone of the bucket boundaries. */
  readonly timeZone: string;
  /** Messages sent in the range (sum of the buckets). */
  readonly sent: number;
  /** Messages received in the range (sum of the buckets). */
  readonly received: number;
  /** One entry per bucket, in order; a single entry without a granularity. */
  readonly buckets: readonly SignalBucket[];
  /** Every listed mailbox with its role and contribution. */
  readonly mailboxes: readonly CountedMailbox[];
  /** The strategies used, in the order first used. */
  readonly strategies: readonly CountingStrategy[];
  /** How messages seen in several mailboxes were counted once. */
  readonly deduplication: Deduplication;
  /**
   * `full`: the buckets hold every message of the range (no cursor was given, or it could not be used:
   * see `fallbackReason`); store them as they are. `incremental`: they hold only what arrived since the
   * cursor's count; add them to what is stored for the same labels.
   */
  readonly mode: 'incremental' | 'full';
  /** Why a cursor given could not be used: `cursor_invalid`, `cursor_version`, `cursor_account`, `selection_changed`, `uidnext_missing`; null otherwise. */
  readonly fallbackReason: CursorFallbackReason | null;
  /**
   * Opaque, versioned string to pass as `cursor` to the next count of this account: per-mailbox
   * UIDVALIDITY and UID floor, and the watermark time; no secret. Store it with the counts.
   */
  readonly cursor: string;
  /** Remarks: roles guessed by name, mailboxes that could not be opened, server answers cross-checked... */
  readonly warnings: readonly CountWarning[];
  /** Wall time of the count, in milliseconds, retries and their waits included. */
  readonly elapsedMs: number;
  /** Connections it took: 1, or more when transient failures were retried (see `retry`). */
  readonly attempts: number;
}

/**
 * The buckets of a result: each bucket's calendar identity with the counts of its index.
 *
 * @param buckets - From `bucketsOf`.
 * @param sent - Sent count per bucket, same order.
 * @param received - Received count per bucket, same order.
 * @returns One plain entry per bucket.
 *
 * @example
 * ```ts
 * signalBucketsOf(buckets, [1, 0], [4, 2]);
 * ```
 */
export function signalBucketsOf(
  buckets: readonly TimeBucket[],
  sent: readonly number[],
  received: readonly number[],
): SignalBucket[] {
  return buckets.map((bucket, index) => ({
    label: bucket.label,
    granularity: bucket.granularity,
    start: new Date(bucket.startMs).toISOString(),
    end: new Date(bucket.endMs).toISOString(),
    localStart: bucket.localStart,
    localEnd: bucket.localEnd,
    seconds: bucket.seconds,
    partial: bucket.partial,
    sent: sent[index] ?? 0,
    received: received[index] ?? 0,
  }));
}

/**
 * The warning for messages whose INTERNALDATE the server sent in a form that cannot be read, if any.
 * Such a message has no instant to be counted at; shifting it to a guessed one would count it in the
 * wrong bucket, so it is left out and said so.
 */
export function malformedDatesWarning(
  mailbox: string,
  malformed: readonly { readonly uid: number; readonly raw: string }[],
): CountWarning | undefined {
  const first = malformed[0];
  if (first === undefined) return undefined;
  return {
    code: 'internal_date_malformed',
    message: `${malformed.length} message(s) have an INTERNALDATE the server sent in a form that cannot be read (UID ${first.uid}: "${first.raw}"); they are not counted.`,
    mailbox,
  };
}
