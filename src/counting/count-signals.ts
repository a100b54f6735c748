import type { ImapConnectorConfig } from '../config/config-schema.js';
import type { MailboxSelection } from '../config/mailbox-selection.js';
import { ImapConnectorError } from '../errors/imap-connector-error.js';
import { callHost, hostErrorOf, unexpectedFailure } from '../errors/unexpected-failure.js';
import type { ConnectionLimiter } from '../limits/connection-limiter.js';
import type { ConnectorLogger } from '../logger.js';
import { partitionByMailboxName } from '../mailboxes/mailbox-names.js';
import { detectMailboxRoles } from '../mailboxes/role-detection.js';
import type { RetryOptions } from '../retry/retry-policy.js';
import {
  type DateWindow,
  type ExaminedMailbox,
  type FetchedDate,
  ImapSession,
} from '../session/imap-session.js';
import { ArrivalOrderBroken, arrivalPositionsOf } from './arrival-positions.js';
import type { BucketGranularity } from './calendar-periods.js';
import type { CountRange } from './count-range.js';
import { deduplicationOf, type PlannedMailbox, planMailboxes, roleWarningsOf } from './counting-plan.js';
import { interiorWindowOf, supersetWindowOf } from './date-windows.js';
import type {
  CountedMailbox,
  CountingStrategy,
  CountWarning,
  Deduplication,
  SignalCounts,
} from './signal-counts.js';
import { malformedDatesWarning, signalBucketsOf } from './signal-counts.js';
import {
  accountIdentityOf,
  encodeCursor,
  fullCountFloor,
  type MailboxFloor,
  nextWatermark,
  ServerTimeReached,
} from './sync-cursor.js';
import { bucketIndexOf, type TimeBucket } from './time-buckets.js';

/** Progress of a count, reported after each mailbox. */
export interface CountProgress {
  /** Mailboxes counted so far (skipped ones excluded). */
  readonly mailboxesDone: number;
  /** Mailboxes that will be counted. */
  readonly mailboxesTotal: number;
  /** The mailbox just finished. */
  readonly mailbox: string;
}

/** Options of `countSignals`. */
export interface CountSignalsOptions {
  /** Split the range into calendar days, ISO weeks (from Monday) or months of `timeZone`. */
  readonly granularity?: BucketGranularity | undefined;
  /** IANA zone of calendar ranges (`{ from, to }`) and bucket boundaries, e.g. `Europe/Berlin`. Default `UTC`. */
  readonly timeZone?: string | undefined;
  /**
   * The `cursor` of an earlier count of the same account: count only what changed since (see
   * `mode` in the result and docs/counting.md, "Incremental counts").
   */
  readonly cursor?: string | undefined;
  /** Cancels the count; it then rejects with code `ABORTED` and the connection closed. */
  readonly signal?: AbortSignal | undefined;
  /** Called after each counted mailbox (from the first mailbox again when a try is retried). */
  readonly onProgress?: ((progress: CountProgress) => void) | undefined;
  /**
   * Overrides the connector's `retry` policy for this call, field by field; e.g. `{ attempts: 1 }` when
   * a person is waiting for the answer.
   */
  readonly retry?: RetryOptions | undefined;
}

/** What a count needs besides the range. */
export interface CountContext {
  readonly logger: ConnectorLogger;
  readonly selection: MailboxSelection;
  /** The host's shared cap on connections, if any: each try waits for its own slot. */
  readonly limiter?: ConnectionLimiter | undefined;
}

type Tally = { sent: number[]; received: number[] };
/** A mailbox's entry before the cursor fields are added in one place, at the end. */
type MailboxCount = Omit<CountedMailbox, 'sync' | 'rescanReason'>;

// Only long ranges (all-time counts) are likely to hold a mailbox's whole date window; for shorter ones
// asking first would cost a server sort for nothing.
const LONG_RANGE_MS = 366 * 86_400_000;
// Without ESEARCH, the interior's UID list costs a scan per edge more than fetching every date of the
// window; on the benchmark (Dovecot, 100k messages) that pays off from about three months of mail.
const PLAIN_INTERIOR_MIN_RANGE_MS = 90 * 86_400_000;

/**
 * Counts the messages sent and received in `[since, until)`, by INTERNALDATE, exactly to the second,
 * optionally per calendar bucket of a time zone. Read-only: mailboxes are opened with EXAMINE, and
 * nothing but SEARCH and FETCH of dates (and Message-IDs, with BODY.PEEK) is sent.
 *
 * @param config - The validated configuration.
 * @param context - Logger and mailbox selection.
 * @param range - `[since, until)`, parsed once by the caller (`parseCountRange`).
 * @param buckets - The range's buckets (`bucketsOf`).
 * @param options - Signal, progress.
 * @returns Plain, serializable counts (of this one try: {@link countSignalsWithRetries} adds `attempts`).
 * @throws {@link ImapConnectorError} `CONFIG_INVALID` for a bad range (nothing is sent), or the code of
 *   the connection failure.
 */
export async function countSignals(
  config: ImapConnectorConfig,
  context: CountContext,
  range: CountRange,
  buckets: readonly TimeBucket[],
  options: CountSignalsOptions,
): Promise<Omit<SignalCounts, 'attempts'>> {
  const startedAt = performance.now();
  const session = await ImapSession.open(config, {
    purpose: 'count',
    logger: context.logger,
    signal: options.signal,
    overallTimeoutMs: config.timeouts.countSignalsMs,
    limiter: context.limiter,
  });
  try {
    const counter = new SignalCounter(session, range, buckets, context.selection, accountIdentityOf(config));
    const result = await counter.run(options.onProgress);
    await session.logout();
    // Mailbox names and warnings quote the server: a hostile one can echo the password. (Only those:
    // the buckets are the SDK's own, and redacting 100k of them would block the event loop.)
    return {
      ...result,
      mailboxes: session.redacted(result.mailboxes),
      warnings: session.redacted(result.warnings),
      elapsedMs: Math.round(performance.now() - startedAt),
    };
  } catch (error) {
    session.close();
    // A host's onProgress error is the host's, not a count failure: passed up as it is (withRetries unwraps it).
    if (hostErrorOf(error)) throw error;
    throw unexpectedFailure(error, session.secrets);
  }
}

/** One count over one open session. */
class SignalCounter {
  readonly #tally: Tally;
  readonly #warnings: CountWarning[];
  readonly #strategies = new Set<CountingStrategy>();
  readonly #seen = { sent: new Set<string>(), received: new Set<string>() };
  #deduplication: Deduplication = 'none';
  readonly #floors = new Map<string, MailboxFloor>();
  readonly #serverTime = new ServerTimeReached();
  readonly #startedAtMs = Date.now();

  constructor(
    private readonly session: ImapSession,
    private readonly range: CountRange,
    private readonly buckets: readonly TimeBucket[],
    private readonly selection: MailboxSelection,
    private readonly account: string,
  ) {
    this.#tally = { sent: buckets.map(() => 0), received: buckets.map(() => 0) };
    this.#warnings = [...range.warnings];
  }

  async run(
    onProgress: CountSignalsOptions['onProgress'],
  ): Promise<Omit<SignalCounts, 'elapsedMs' | 'attempts'>> {
    const { usable: listed, unusable } = partitionByMailboxName(await this.session.listMailboxes());
    for (const odd of unusable) {
      this.#warnings.push({ code: 'mailbox_name_unusable', message: odd.reason, mailbox: odd.displayPath });
    }
    const capabilities = this.session.capabilities;
    const roles = detectMailboxRoles(listed, capabilities, this.selection.roles);
    const plan = planMailboxes(listed, roles, this.selection.exclude);
    this.#deduplication = deduplicationOf(this.selection.deduplicate, roles, capabilities);
    this.#warnings.push(...roleWarningsOf(plan, roles));

    const countable = plan.filter((mailbox) => mailbox.counts !== 'skipped');
    const counted: MailboxCount[] = [];
    let done = 0;
    for (const mailbox of plan) {
      if (mailbox.counts === 'skipped') {
        counted.push({
          ...mailbox,
          inRange: null,
          strategy: null,
          uidValidity: null,
          uidNext: null,
          messages: null,
        });
        continue;
      }
      const result = await this.#countMailbox(mailbox, capabilities);
      counted.push(result);
      this.#warnAboutMalformedDates(mailbox.path);
      // While the mailbox is open: where the next incremental count must start reading it.
      if (result.uidNext !== null) {
        // An empty mailbox has nothing dated after the range: its floor is UIDNEXT, no search needed.
        const floor =
          result.messages === 0
            ? { floorUid: result.uidNext, newestMs: undefined }
            : await fullCountFloor(this.session, result.uidNext, this.range, this.#startedAtMs);
        this.#floors.set(mailbox.path, floor);
        this.#serverTime.observe(floor.newestMs);
      }
      done += 1;
      callHost(
        onProgress,
        this.session.redacted({
          mailboxesDone: done,
          mailboxesTotal: countable.length,
          mailbox: mailbox.path,
        }),
      );
    }

    const bucketResults = signalBucketsOf(this.buckets, this.#tally.sent, this.#tally.received);
    return {
      range: {
        since: new Date(this.range.sinceMs).toISOString(),
        until: new Date(this.range.untilMs).toISOString(),
      },
      granularity: this.range.granularity ?? null,
      timeZone: this.range.timeZone,
      sent: bucketResults.reduce((sum, bucket) => sum + bucket.sent, 0),
      received: bucketResults.reduce((sum, bucket) => sum + bucket.received, 0),
      buckets: bucketResults,
      mailboxes: counted.map((mailbox) => ({
        ...mailbox,
        sync: mailbox.uidNext === null ? null : ('full' as const),
        rescanReason: null,
      })),
      mode: 'full',
      fallbackReason: null,
      cursor: this.#cursor(counted),
      strategies: [...this.#strategies],
      deduplication: this.#deduplication,
      warnings: this.#warnings,
    };
  }

  async #countMailbox(mailbox: PlannedMailbox, capabilities: readonly string[]): Promise<MailboxCount> {
    let examined: ExaminedMailbox;
    try {
      examined = await this.session.examine(mailbox.path);
    } catch (error) {
      if (!(error instanceof ImapConnectorError) || error.code !== 'MAILBOX_UNAVAILABLE') throw error;
      this.#warnings.push({ code: 'mailbox_unavailable', message: error.message, mailbox: mailbox.path });
      return { ...mailbox, inRange: null, strategy: null, uidValidity: null, uidNext: null, messages: null };
    }
    const category = mailbox.counts === 'sent' ? 'sent' : 'received';
    const opened = {
      uidValidity: examined.uidValidity,
      uidNext: examined.uidNext,
      messages: examined.exists,
    };
    if (examined.exists === 0) {
      this.#strategies.add('empty');
      return { ...mailbox, ...opened, inRange: 0, strategy: 'empty' };
    }
    if (this.#deduplication === 'none' && capabilities.includes('SORT')) {
      const inRange = await this.#countByArrivalOrder(category, mailbox.path);
      if (inRange !== undefined) {
        this.#strategies.add('arrival-order');
        return { ...mailbox, ...opened, inRange, strategy: 'arrival-order' };
      }
    }
    if (this.buckets.length === 1 && this.#deduplication === 'none') {
      const inRange = await this.#countWithInteriorSearch(
        examined,
        category,
        mailbox.path,
        capabilities.includes('ESEARCH'),
      );
      if (inRange !== undefined) {
        this.#strategies.add('interior-count');
        return { ...mailbox, ...opened, inRange, strategy: 'interior-count' };
      }
    }
    const inRange = await this.#countByFetchingDates(category);
    this.#strategies.add('fetch-dates');
    return { ...mailbox, ...opened, inRange, strategy: 'fetch-dates' };
  }

  // RFC 5256 SORT ARRIVAL orders messages by INTERNALDATE: a bucket's count is the difference between the
  // list positions of its two boundaries, found by reading a few dates instead of every one.
  async #countByArrivalOrder(category: keyof Tally, path: string): Promise<number | undefined> {
    const { sinceMs, untilMs } = this.range;
    const window = supersetWindowOf(sinceMs, untilMs);
    const bucketTally = this.#tally[category];
    if (this.buckets.length === 1 && untilMs - sinceMs >= LONG_RANGE_MS) {
      const whole = await this.#countWholeWindow(window);
      if (whole !== undefined) {
        bucketTally[0] = (bucketTally[0] ?? 0) + whole;
        return whole;
      }
    }
    const uids = await this.session.sortByArrival(window);
    if (uids === undefined) return undefined;
    const boundaries = [...this.buckets.map((bucket) => bucket.startMs), untilMs];
    let positions: number[];
    try {
      positions = await arrivalPositionsOf(uids.length, boundaries, (wanted) =>
        this.#datesAtPositions(uids, wanted),
      );
    } catch (error) {
      if (!(error instanceof ArrivalOrderBroken)) throw error;
      this.#warnings.push({
        code: 'arrival_order_unusable',
        message: `The server's arrival order could not be used (${error.message}); counted by dates instead.`,
        mailbox: path,
      });
      return undefined;
    }
    let inRange = 0;
    for (let index = 0; index < this.buckets.length; index += 1) {
      const count = (positions[index + 1] ?? 0) - (positions[index] ?? 0);
      bucketTally[index] = (bucketTally[index] ?? 0) + count;
      inRange += count;
    }
    return inRange;
  }

  // Totals: when the earliest and the latest message of the date window are both inside the range, every
  // message of the window is (all-time counts, long ranges), and the server's COUNT is the answer.
  async #countWholeWindow(window: DateWindow): Promise<number | undefined> {
    const summary = await this.session.summarizeByArrival(window);
    if (summary === undefined) return undefined;
    if (summary.count === 0) return 0;
    const { firstUid, lastUid } = summary;
    if (firstUid === undefined || lastUid === undefined) return undefined;
    const dates = new Map<number, number>();
    await this.session.fetchInternalDates(
      [...new Set([firstUid, lastUid])].sort((a, b) => a - b),
      (message) => dates.set(message.uid, message.internalDateMs),
    );
    const first = dates.get(firstUid);
    const last = dates.get(lastUid);
    if (first === undefined || last === undefined) return undefined;
    return first >= this.range.sinceMs && last < this.range.untilMs ? summary.count : undefined;
  }

  async #datesAtPositions(
    uids: readonly number[],
    positions: readonly number[],
  ): Promise<ReadonlyMap<number, number>> {
    const positionOfUid = new Map<number, number>();
    for (const position of positions) {
      const uid = uids[position];
      if (uid !== undefined) positionOfUid.set(uid, position);
    }
    const dates = new Map<number, number>();
    await this.session.fetchInternalDates(
      [...positionOfUid.keys()].sort((a, b) => a - b),
      (message) => {
        const position = positionOfUid.get(message.uid);
        if (position !== undefined) dates.set(position, message.internalDateMs);
      },
    );
    return dates;
  }

  // RFC 4731 COUNT (or, without ESEARCH, the length of the plain SEARCH answer: ~7 bytes a message
  // instead of a ~70-byte FETCH row) for the dates certainly inside the range, exact dates for the two
  // edges.
  async #countWithInteriorSearch(
    examined: ExaminedMailbox,
    category: keyof Tally,
    path: string,
    esearch: boolean,
  ): Promise<number | undefined> {
    const { sinceMs, untilMs } = this.range;
    const interior = interiorWindowOf(sinceMs, untilMs);
    if (interior === undefined) return undefined;
    if (!esearch) {
      // Two more date scans than fetching the window: worth it only when the window holds many messages.
      if (untilMs - sinceMs < PLAIN_INTERIOR_MIN_RANGE_MS) return undefined;
      return this.#countWithInteriorList(interior, category);
    }
    // Some servers answer ESEARCH wrongly (an empty result for a full mailbox has been seen): check
    // the server's count of everything against EXISTS before trusting its counts.
    const everything = await this.session.countByDate(undefined);
    if (everything !== examined.exists) {
      this.#warnings.push({
        code: 'esearch_mismatch',
        message: `ESEARCH counted ${everything ?? 'nothing'} messages where the mailbox has ${examined.exists}; counted by dates instead.`,
        mailbox: path,
      });
      return undefined;
    }
    const interiorCount = await this.session.countByDate(interior);
    if (interiorCount === undefined) return undefined;
    return this.#addEdges(interiorCount, interior, category);
  }

  async #countWithInteriorList(interior: DateWindow, category: keyof Tally): Promise<number> {
    const interiorCount = (await this.session.searchByDate(interior)).length;
    return this.#addEdges(interiorCount, interior, category);
  }

  async #addEdges(interiorCount: number, interior: DateWindow, category: keyof Tally): Promise<number> {
    const { sinceMs, untilMs } = this.range;
    const superset = supersetWindowOf(sinceMs, untilMs);
    const edges = [
      ...(await this.session.searchByDate({
        sinceDayMs: superset.sinceDayMs,
        beforeDayMs: interior.sinceDayMs,
      })),
      ...(await this.session.searchByDate({
        sinceDayMs: interior.beforeDayMs,
        beforeDayMs: superset.beforeDayMs,
      })),
    ];
    let edgeCount = 0;
    await this.session.fetchInternalDates(edges, (message) => {
      if (message.internalDateMs >= sinceMs && message.internalDateMs < untilMs) edgeCount += 1;
    });
    const bucketTally = this.#tally[category];
    bucketTally[0] = (bucketTally[0] ?? 0) + interiorCount + edgeCount;
    return interiorCount + edgeCount;
  }

  async #countByFetchingDates(category: keyof Tally): Promise<number> {
    const uids = await this.session.searchByDate(supersetWindowOf(this.range.sinceMs, this.range.untilMs));
    const deduplicate = this.#deduplication !== 'none';
    const seen = this.#seen[category];
    const bucketTally = this.#tally[category];
    let inRange = 0;
    const onMessage = (message: FetchedDate) => {
      const index = bucketIndexOf(this.buckets, message.internalDateMs);
      if (index < 0) return;
      inRange += 1;
      if (deduplicate && message.identity !== undefined) {
        if (seen.has(message.identity)) return;
        seen.add(message.identity);
      }
      bucketTally[index] = (bucketTally[index] ?? 0) + 1;
    };
    if (deduplicate) await this.session.fetchDates(uids, true, onMessage);
    else await this.session.fetchInternalDates(uids, onMessage);
    return inRange;
  }

  #warnAboutMalformedDates(path: string): void {
    const warning = malformedDatesWarning(path, this.session.takeMalformedDates());
    if (warning !== undefined) this.#warnings.push(warning);
  }

  // A fresh cursor: the watermark from the range (or a time the server had surely reached), each
  // counted mailbox's floor; a mailbox that could not be opened starts from its first UID next time.
  #cursor(counted: readonly MailboxCount[]): string {
    return encodeCursor({
      account: this.account,
      watermarkMs: nextWatermark(undefined, this.range, this.#serverTime.valueMs, this.#startedAtMs),
      // A mailbox named after the password stays out of the cursor the host stores (its path cannot be
      // redacted there): the next incremental count reads it as a new mailbox.
      mailboxes: counted
        .filter((mailbox) => !this.session.containsSecret(mailbox.path))
        .map((mailbox) => ({
          path: mailbox.path,
          counts: mailbox.counts === 'sent' ? 's' : mailbox.counts === 'received' ? 'r' : '-',
          uidValidity: mailbox.uidValidity ?? '',
          floorUid: this.#floors.get(mailbox.path)?.floorUid ?? 1,
        })),
    });
  }
}
