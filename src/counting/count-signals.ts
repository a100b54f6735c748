import type { ImapConnectorConfig } from '../config/config-schema.js';
import type { MailboxSelection } from '../config/mailbox-selection.js';
import { ImapConnectorError } from '../errors/imap-connector-error.js';
import { detectMailboxRoles, type MailboxRoleAssignment } from '../mailboxes/role-detection.js';
import type { RetryOptions } from '../retry/retry-policy.js';
import type { ConnectorLogger } from '../session/connector-logger.js';
import {
  type DateWindow,
  type ExaminedMailbox,
  type FetchedDate,
  ImapSession,
  type UidList,
} from '../session/imap-session.js';
import { ArrivalOrderBroken, arrivalPositionsOf } from './arrival-positions.js';
import {
  type BucketGranularity,
  type CountRange,
  type CountRangeInput,
  parseCountRange,
} from './count-range.js';
import { hasMessageViews, type PlannedMailbox, planMailboxes } from './counting-plan.js';
import { interiorWindowOf, supersetWindowOf } from './date-windows.js';
import type {
  CountedMailbox,
  CountingStrategy,
  CountWarning,
  Deduplication,
  SignalCounts,
} from './signal-counts.js';
import { bucketIndexOf, bucketsOf, type TimeBucket } from './time-buckets.js';

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
  /** IANA zone of the bucket boundaries, e.g. `Europe/Berlin`. Default `UTC`. */
  readonly timeZone?: string | undefined;
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
}

type Tally = { sent: number[]; received: number[] };

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
 * @param rangeInput - `[since, until)`.
 * @param options - Buckets, signal, progress.
 * @returns Plain, serializable counts (of this one try: {@link countSignalsWithRetries} adds `attempts`).
 * @throws {@link ImapConnectorError} `CONFIG_INVALID` for a bad range (nothing is sent), or the code of
 *   the connection failure.
 */
export async function countSignals(
  config: ImapConnectorConfig,
  context: CountContext,
  rangeInput: CountRangeInput,
  options: CountSignalsOptions,
): Promise<Omit<SignalCounts, 'attempts'>> {
  const startedAt = performance.now();
  const range = parseCountRange(rangeInput, options.granularity, options.timeZone);
  const buckets = bucketsOf(range);
  const session = await ImapSession.open(config, {
    purpose: 'count',
    logger: context.logger,
    signal: options.signal,
    overallTimeoutMs: config.timeouts.countSignalsMs,
  });
  try {
    const counter = new SignalCounter(session, range, buckets, context.selection);
    const result = await counter.run(options.onProgress);
    await session.logout();
    return { ...result, elapsedMs: Math.round(performance.now() - startedAt) };
  } catch (error) {
    session.close();
    if (error instanceof ImapConnectorError) throw error;
    throw new ImapConnectorError({ code: 'UNKNOWN', message: 'Unexpected error while counting' });
  }
}

/** One count over one open session. */
class SignalCounter {
  readonly #tally: Tally;
  readonly #warnings: CountWarning[] = [];
  readonly #strategies = new Set<CountingStrategy>();
  readonly #seen = { sent: new Set<string>(), received: new Set<string>() };
  #deduplication: Deduplication = 'none';

  constructor(
    private readonly session: ImapSession,
    private readonly range: CountRange,
    private readonly buckets: readonly TimeBucket[],
    private readonly selection: MailboxSelection,
  ) {
    this.#tally = { sent: buckets.map(() => 0), received: buckets.map(() => 0) };
  }

  async run(
    onProgress: CountSignalsOptions['onProgress'],
  ): Promise<Omit<SignalCounts, 'elapsedMs' | 'attempts'>> {
    const listed = await this.session.listMailboxes();
    const capabilities = this.session.capabilities;
    const roles = detectMailboxRoles(listed, capabilities, this.selection.roles);
    const plan = planMailboxes(listed, roles, this.selection.exclude);
    this.#deduplication = this.#deduplicationFor(roles, capabilities);
    this.#warnAboutRoles(plan, roles);

    const countable = plan.filter((mailbox) => mailbox.counts !== 'skipped');
    const counted: CountedMailbox[] = [];
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
      counted.push(await this.#countMailbox(mailbox, capabilities));
      done += 1;
      onProgress?.({ mailboxesDone: done, mailboxesTotal: countable.length, mailbox: mailbox.path });
    }

    const bucketResults = this.buckets.map((bucket, index) => ({
      start: new Date(bucket.startMs).toISOString(),
      end: new Date(bucket.endMs).toISOString(),
      sent: this.#tally.sent[index] ?? 0,
      received: this.#tally.received[index] ?? 0,
    }));
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
      mailboxes: counted,
      strategies: [...this.#strategies],
      deduplication: this.#deduplication,
      warnings: this.#warnings,
    };
  }

  async #countMailbox(mailbox: PlannedMailbox, capabilities: readonly string[]): Promise<CountedMailbox> {
    let examined: ExaminedMailbox;
    try {
      examined = await this.session.examine(mailbox.path, {
        forIdentityFetch: this.#deduplication !== 'none',
      });
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

  async #datesAtPositions(uids: UidList, positions: readonly number[]): Promise<ReadonlyMap<number, number>> {
    const positionOfUid = new Map<number, number>();
    for (const position of positions) {
      const uid = uids.at(position);
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
      await this.session.searchByDate({
        sinceDayMs: superset.sinceDayMs,
        beforeDayMs: interior.sinceDayMs,
      }),
      await this.session.searchByDate({
        sinceDayMs: interior.beforeDayMs,
        beforeDayMs: superset.beforeDayMs,
      }),
    ];
    let edgeCount = 0;
    for (const edge of edges) {
      await this.session.fetchInternalDates(edge, (message) => {
        if (message.internalDateMs >= sinceMs && message.internalDateMs < untilMs) edgeCount += 1;
      });
    }
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

  #deduplicationFor(roles: readonly MailboxRoleAssignment[], capabilities: readonly string[]): Deduplication {
    const mode = this.selection.deduplicate;
    const active = mode === 'always' || (mode === 'auto' && hasMessageViews(roles));
    if (!active) return 'none';
    // imapflow asks for an email id whenever the server has one: RFC 8474 EMAILID, or Gmail's X-GM-MSGID.
    return capabilities.includes('OBJECTID') || capabilities.includes('X-GM-EXT-1')
      ? 'email-id'
      : 'message-id';
  }

  #warnAboutRoles(plan: readonly PlannedMailbox[], roles: readonly MailboxRoleAssignment[]): void {
    if (!plan.some((mailbox) => mailbox.counts === 'sent')) {
      this.#warnings.push({
        code: 'no_sent_mailbox',
        message:
          'No Sent mailbox was found, so sent is 0. Set mailboxes.roles.sent to its path if it exists.',
        mailbox: null,
      });
    }
    for (const assignment of roles) {
      if (assignment.source === 'name' || assignment.source === 'attribute') {
        this.#warnings.push({
          code: assignment.source === 'name' ? 'role_guessed_by_name' : 'role_from_unadvertised_attribute',
          message: `"${assignment.path}" was taken as ${assignment.role} from its ${assignment.source === 'name' ? 'name' : 'LIST attribute'} (the server does not advertise SPECIAL-USE).`,
          mailbox: assignment.path,
        });
      }
    }
  }
}
