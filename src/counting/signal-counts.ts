import type { MailboxRole, RoleSource } from '../mailboxes/role-detection.js';
import type { BucketGranularity } from './count-range.js';
import type { SkipReason } from './counting-plan.js';

/** Counts for one bucket `[start, end)`. */
export interface SignalBucket {
  /** Bucket start, ISO-8601 UTC instant (inclusive). */
  readonly start: string;
  /** Bucket end, ISO-8601 UTC instant (exclusive). */
  readonly end: string;
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
 * - `interior-count`: ESEARCH `COUNT` (or, without ESEARCH, the length of a plain SEARCH answer) of the
 *   dates certainly inside the range, plus the exact dates of the messages near both ends (totals on
 *   servers without SORT);
 * - `fetch-dates`: the INTERNALDATE of every message in a date window a little wider than the range,
 *   filtered and bucketed exactly (any server; also used for buckets and deduplication);
 * - `pipelined-dates`: like `fetch-dates`, for every mailbox at once in one or two pipelined round
 *   trips (`EXAMINE`, `UID SEARCH RETURN (SAVE)`, `UID FETCH $`): chosen on slow links;
 * - `empty`: the mailbox has no messages, nothing was searched.
 */
export type CountingStrategy =
  | 'arrival-order'
  | 'interior-count'
  | 'fetch-dates'
  | 'pipelined-dates'
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
}

/** A non-fatal remark about a count: the numbers are right, but something is worth knowing. */
export interface CountWarning {
  /** A stable code, e.g. `role_guessed_by_name`, `no_sent_mailbox`, `mailbox_unavailable`, `esearch_mismatch`, `arrival_order_unusable`, `mailbox_name_unusable`, `internal_date_malformed`. */
  readonly code: string;
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
  /** Remarks: roles guessed by name, mailboxes that could not be opened, server answers cross-checked... */
  readonly warnings: readonly CountWarning[];
  /** Wall time of the count, in milliseconds, retries and their waits included. */
  readonly elapsedMs: number;
  /** Connections it took: 1, or more when transient failures were retried (see `retry`). */
  readonly attempts: number;
}
