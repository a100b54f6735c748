/**
 * The ways one open mailbox can be counted. Each returns per-bucket counts (or `undefined` when it
 * does not apply); the caller adds them up and records which one ran.
 */
import type {
  DateWindow,
  ExaminedMailbox,
  FetchedDate,
  ImapSession,
  UidList,
} from '../session/imap-session.js';
import { ArrivalOrderBroken, arrivalPositionsOf } from './arrival-positions.js';
import type { CountRange } from './count-range.js';
import { interiorWindowOf, supersetWindowOf } from './date-windows.js';
import type { CountingStrategy, CountWarning } from './signal-counts.js';
import { bucketIndexOf, type TimeBucket } from './time-buckets.js';

/** A mailbox opened for counting, and where its remarks go. */
export interface OpenMailbox {
  readonly session: ImapSession;
  readonly examined: ExaminedMailbox;
  /** Adds a warning about this mailbox to the result. */
  readonly warn: (code: CountWarning['code'], message: string) => void;
}

/**
 * Counts one open mailbox: per-bucket counts, or `undefined` when the strategy does not apply (the
 * next one is tried). The interface an incremental or pipelined strategy plugs into.
 *
 * @example
 * ```ts
 * const counts = await arrivalOrderStrategy(mailbox, range, buckets); // [3, 0, 5, ...] or undefined
 * ```
 */
export type MailboxStrategy = (
  mailbox: OpenMailbox,
  range: CountRange,
  buckets: readonly TimeBucket[],
) => Promise<number[] | undefined>;

/** A strategy with its name, as the result reports it. */
export interface NamedStrategy {
  readonly name: CountingStrategy;
  readonly count: MailboxStrategy;
}

// Only long ranges (all-time counts) are likely to hold a mailbox's whole date window; for shorter ones
// asking first would cost a server sort for nothing.
const LONG_RANGE_MS = 366 * 86_400_000;
// Without ESEARCH, the interior's UID list costs a scan per edge more than fetching every date of the
// window; on the benchmark (Dovecot, 100k messages) that pays off from about three months of mail.
const PLAIN_INTERIOR_MIN_RANGE_MS = 90 * 86_400_000;

/**
 * Adds each date to its bucket: the bucket edges are computed once per count (`bucketsOf`), a date
 * costs one binary search, no date object.
 *
 * @param buckets - The buckets.
 * @returns The counts and the function to feed dates to.
 */
export function bucketTally(buckets: readonly TimeBucket[]): {
  counts: number[];
  add: (internalDateMs: number) => void;
  /** The same for a date in epoch seconds, as dated FETCH rows hand it (see `ScannedRow`). */
  addSeconds: (internalDateSeconds: number) => void;
} {
  const counts = buckets.map(() => 0);
  const count = (index: number) => {
    if (index >= 0) counts[index] = (counts[index] ?? 0) + 1;
  };
  return {
    counts,
    add: (internalDateMs) => count(bucketIndexOf(buckets, internalDateMs)),
    addSeconds: (internalDateSeconds) => count(bucketIndexOf(buckets, internalDateSeconds, 1000)),
  };
}

/**
 * RFC 5256 SORT ARRIVAL orders messages by INTERNALDATE: a bucket's count is the difference between the
 * list positions of its two boundaries, found by reading a few dates instead of every one.
 */
export const arrivalOrderStrategy: MailboxStrategy = async ({ session, examined, warn }, range, buckets) => {
  if (!session.capabilities.includes('SORT')) return undefined;
  const { sinceMs, untilMs } = range;
  const window = supersetWindowOf(sinceMs, untilMs);
  if (buckets.length === 1 && untilMs - sinceMs >= LONG_RANGE_MS) {
    const whole = await countWholeWindow(session, window, range);
    if (whole !== undefined) return [whole];
  }
  const uids = await session.sortByArrival(window);
  if (uids === undefined) return undefined;
  const boundaries = [...buckets.map((bucket) => bucket.startMs), untilMs];
  let positions: number[];
  try {
    positions = await arrivalPositionsOf(uids.length, boundaries, (wanted) =>
      datesAtPositions(session, uids, wanted),
    );
  } catch (error) {
    if (!(error instanceof ArrivalOrderBroken)) throw error;
    warn(
      'arrival_order_unusable',
      `The server's arrival order could not be used (${error.message}); counted by dates instead.`,
    );
    return undefined;
  }
  void examined;
  return buckets.map((_, index) => (positions[index + 1] ?? 0) - (positions[index] ?? 0));
};

// Totals: when the earliest and the latest message of the date window are both inside the range, every
// message of the window is (all-time counts, long ranges), and the server's COUNT is the answer.
async function countWholeWindow(
  session: ImapSession,
  window: DateWindow,
  range: CountRange,
): Promise<number | undefined> {
  const summary = await session.summarizeByArrival(window);
  if (summary === undefined) return undefined;
  if (summary.count === 0) return 0;
  const { firstUid, lastUid } = summary;
  if (firstUid === undefined || lastUid === undefined) return undefined;
  const dates = new Map<number, number>();
  await session.fetchDates(
    [...new Set([firstUid, lastUid])].sort((a, b) => a - b),
    { identity: false },
    (message) => dates.set(message.uid, message.internalDateMs),
  );
  const first = dates.get(firstUid);
  const last = dates.get(lastUid);
  if (first === undefined || last === undefined) return undefined;
  return first >= range.sinceMs && last < range.untilMs ? summary.count : undefined;
}

async function datesAtPositions(
  session: ImapSession,
  uids: UidList,
  positions: readonly number[],
): Promise<ReadonlyMap<number, number>> {
  const positionOfUid = new Map<number, number>();
  for (const position of positions) {
    const uid = uids.at(position);
    if (uid !== undefined) positionOfUid.set(uid, position);
  }
  const dates = new Map<number, number>();
  await session.fetchDates(
    [...positionOfUid.keys()].sort((a, b) => a - b),
    { identity: false },
    (message) => {
      const position = positionOfUid.get(message.uid);
      if (position !== undefined) dates.set(position, message.internalDateMs);
    },
  );
  return dates;
}

/**
 * Totals only: RFC 4731 COUNT (or, without ESEARCH, the length of the plain SEARCH answer: ~7 bytes a
 * message instead of a ~70-byte FETCH row) for the dates certainly inside the range, exact dates for
 * the two edges.
 */
export const interiorCountStrategy: MailboxStrategy = async ({ session, examined, warn }, range, buckets) => {
  if (buckets.length !== 1) return undefined;
  const { sinceMs, untilMs } = range;
  const interior = interiorWindowOf(sinceMs, untilMs);
  if (interior === undefined) return undefined;
  let interiorCount: number;
  if (!session.capabilities.includes('ESEARCH')) {
    // Two more date scans than fetching the window: worth it only when the window holds many messages.
    if (untilMs - sinceMs < PLAIN_INTERIOR_MIN_RANGE_MS) return undefined;
    interiorCount = (await session.searchByDate(interior)).length;
  } else {
    // Some servers answer ESEARCH wrongly (an empty result for a full mailbox has been seen): check
    // the server's count of everything against EXISTS before trusting its counts.
    const everything = await session.countByDate(undefined);
    if (everything !== examined.exists) {
      // Mail delivered since the EXAMINE is no broken ESEARCH: counted by dates, without a warning.
      if (session.openMailboxGrew) return undefined;
      warn(
        'esearch_mismatch',
        `ESEARCH counted ${everything ?? 'nothing'} messages where the mailbox has ${examined.exists}; counted by dates instead.`,
      );
      return undefined;
    }
    const counted = await session.countByDate(interior);
    if (counted === undefined) return undefined;
    interiorCount = counted;
  }
  const superset = supersetWindowOf(sinceMs, untilMs);
  let edgeCount = 0;
  for (const edge of [
    { sinceDayMs: superset.sinceDayMs, beforeDayMs: interior.sinceDayMs },
    { sinceDayMs: interior.beforeDayMs, beforeDayMs: superset.beforeDayMs },
  ]) {
    await session.fetchDates(await session.searchByDate(edge), { identity: false }, (message) => {
      if (message.internalDateMs >= sinceMs && message.internalDateMs < untilMs) edgeCount += 1;
    });
  }
  return [interiorCount + edgeCount];
};

/**
 * Every date of the window, each added to its bucket; with `identities`, a message already counted in
 * another mailbox (same email id or Message-ID) is counted once.
 *
 * @param identities - The identities seen so far in this category, or `undefined` for no deduplication.
 * @param onDuplicate - Called for each message of the range left out as a copy (the mailbox still holds it).
 * @returns The strategy.
 */
export function fetchDatesStrategy(
  identities: Set<string> | undefined,
  onDuplicate: () => void = () => undefined,
): MailboxStrategy {
  return async ({ session }, range, buckets) => {
    const uids = await session.searchByDate(supersetWindowOf(range.sinceMs, range.untilMs));
    const tally = bucketTally(buckets);
    if (identities === undefined) {
      await session.fetchDates(uids, { identity: false }, (message) => tally.add(message.internalDateMs));
      return tally.counts;
    }
    await session.fetchDates(uids, { identity: true }, (message: FetchedDate) => {
      if (bucketIndexOf(buckets, message.internalDateMs) < 0) return;
      if (message.identity !== undefined) {
        if (identities.has(message.identity)) {
          onDuplicate();
          return;
        }
        identities.add(message.identity);
      }
      tally.add(message.internalDateMs);
    });
    return tally.counts;
  };
}
