import type { ImapConnectorConfig } from '../config/config-schema.js';
import type { MailboxSelection } from '../config/mailbox-selection.js';
import { ImapConnectorError } from '../errors/imap-connector-error.js';
import { callHost } from '../errors/unexpected-failure.js';
import type { ConnectionLimiter } from '../limits/connection-limiter.js';
import type { ConnectorLogger } from '../logger.js';
import type { ListedMailbox } from '../mailboxes/listed-mailbox.js';
import { partitionByMailboxName } from '../mailboxes/mailbox-names.js';
import { detectMailboxRoles } from '../mailboxes/role-detection.js';
import type { RetryOptions } from '../retry/retry-policy.js';
import type { ExaminedMailbox, ImapSession, MalformedDate } from '../session/imap-session.js';
import type { BucketGranularity } from './calendar-periods.js';
import type { CountRange } from './count-range.js';
import { inCountSession, redactedCounts } from './count-session.js';
import { type CountingPath, choosePath, type TransferPreference } from './counting-cost.js';
import { deduplicationOf, type PlannedMailbox, planMailboxes, roleWarningsOf } from './counting-plan.js';
import { supersetWindowOf } from './date-windows.js';
import {
  arrivalOrderStrategy,
  bucketTally,
  fetchDatesStrategy,
  interiorCountStrategy,
  type NamedStrategy,
} from './mailbox-strategies.js';
import type { MailboxesCountedBefore } from './mailboxes-counted-before.js';
import type { PreparedRange } from './prepared-range.js';
import { ServerClock } from './server-clock.js';
import { withinCountsStrategy } from './server-clock-counts.js';
import type { MailboxListing, SideListing } from './side-listing.js';
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
  FloorOfDates,
  floorSearchedInBatch,
  floorWindowOf,
  fullCountFloor,
  type MailboxFloor,
  nextWatermark,
  openEndedWindowOf,
  ServerTimeReached,
} from './sync-cursor.js';
import type { TimeBucket } from './time-buckets.js';

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
   * What to spare most: `auto` (default) lets a cost model decide from the range, the buckets and the
   * round-trip time measured with the login (pipelined dates, except long totals on a fast link, which
   * the server counts); `fewest-round-trips` reads every mailbox's dates in one or two pipelined round
   * trips (≤ 4 awaited round trips after login); `fewest-bytes` counts mailbox by mailbox, with the
   * server's WITHIN counts per bucket boundary where it offers them (strategy `within-counts`: a few
   * dozen bytes a boundary, but a search of the whole mailbox each, so seconds on a large one), else
   * arrival order or counting searches (metered links: 3–30× fewer bytes, more round trips). Counts are
   * exact either way (docs/counting.md).
   */
  readonly transfer?: TransferPreference | undefined;
  /**
   * Where a full count lists the mailboxes: `side-connection` on a second, short-lived connection
   * opened alongside (one more login per count, sent only once the counting connection has logged in),
   * so the counting connection sends no LIST — on servers where a LIST slows every later EXAMINE of the
   * session (Dovecot with Maildir) the count is faster (a daily year on Dovecot: 1.2× at 100k messages,
   * 1.5× at 1M); `same-connection` on the connection it counts on (one connection per count); `auto`
   * (default) on the side connection when the round trip measured with the login is under 10 ms and,
   * once INBOX's EXAMINE has answered, the rescan a LIST would cause (growing with INBOX's size) costs
   * more than the side's extra round trips and login (`sideListingPaysFor`: on loopback against a
   * Dovecot logging in in 22 ms, an INBOX of about 33,000 messages), otherwise on the counting
   * connection (the side never connects). The side connection
   * takes a slot of the connector's `limiter` only if one is free at once; if there is none, or it
   * fails, the count lists on its own connection. But wherever the server offers IMAP4rev1, `auto`
   * lists on the counting connection after opening the subscribed mailboxes (`LSUB`, in INBOX's
   * flight, which on Dovecot costs no rescan), and never opens the side connection: a counted
   * mailbox that is not subscribed is then read after the list, one round trip more (on a 100 ms link
   * and an account where half the counted folders are unsubscribed, `same-connection` is faster).
   * Counts are the same either way; an incremental count (`cursor`) lists on its own connection, after
   * its EXAMINEs.
   */
  readonly mailboxListing?: MailboxListing | undefined;
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
  /** What the connector's last full count counted: opened before the list with the subscribed mailboxes. */
  readonly countedBefore?: MailboxesCountedBefore | undefined;
}

type Tally = { sent: number[]; received: number[] };

/** What counting one mailbox gave, before it is added up. */
/** A mailbox's entry before the cursor fields are added in one place, at the end. */
type MailboxCount = Omit<CountedMailbox, 'sync' | 'rescanReason'>;

type MailboxOutcome =
  | {
      readonly examined: ExaminedMailbox;
      readonly counts: number[];
      readonly strategy: CountingStrategy;
      readonly duplicates: number;
    }
  | { readonly unavailable: ImapConnectorError };

const INBOX = 'INBOX';
// More subscriptions than this and a count lists before opening anything but INBOX: a guess that large
// is a batch of EXAMINEs the list may not confirm (a LIST answer has no such bound of its own).
const MAX_SUBSCRIBED_GUESSES = 1_000;

/**
 * Counts the messages sent and received in `[since, until)`, by INTERNALDATE, exactly to the second,
 * optionally per calendar bucket of a time zone. Read-only: mailboxes are opened with EXAMINE, and
 * nothing but SEARCH and FETCH of dates (and Message-IDs, with BODY.PEEK) is sent.
 *
 * @param config - The validated configuration.
 * @param context - Logger and mailbox selection.
 * @param range - `[since, until)` and its buckets, checked once by the caller; resolved while the
 *   login is in flight.
 * @param options - Signal, progress, transfer preference.
 * @returns Plain, serializable counts (of this one try: {@link countSignalsWithRetries} adds `attempts`).
 * @throws {@link ImapConnectorError} the code of the connection failure.
 */
export async function countSignals(
  config: ImapConnectorConfig,
  context: CountContext,
  range: PreparedRange,
  options: CountSignalsOptions,
): Promise<Omit<SignalCounts, 'attempts'>> {
  const startedAt = performance.now();
  return inCountSession(
    config,
    context,
    options.signal,
    async (session, side) => {
      const resolved = await range.resolved();
      return new SignalCounter(
        session,
        resolved.range,
        resolved.buckets,
        context.selection,
        options.transfer,
        accountIdentityOf(config),
        side,
        options.mailboxListing ?? 'auto',
        context.countedBefore,
      ).run(options.onProgress);
    },
    (result, session) => redactedCounts(result, session, startedAt),
    { listing: options.mailboxListing ?? 'auto', duringLogin: () => range.begin() },
  );
}

/** One count over one open session. */
class SignalCounter {
  readonly #tally: Tally;
  readonly #warnings: CountWarning[];
  readonly #floors = new Map<string, MailboxFloor>();
  readonly #startedAtMs = Date.now();
  readonly #strategies = new Set<CountingStrategy>();
  readonly #seen = { sent: new Set<string>(), received: new Set<string>() };
  #deduplication: Deduplication = 'none';
  readonly #serverTime = new ServerTimeReached();
  // What the within-counts strategy learned of the server's clock, for the next mailbox.
  readonly #serverClock = new ServerClock();

  constructor(
    private readonly session: ImapSession,
    private readonly range: CountRange,
    private readonly buckets: readonly TimeBucket[],
    private readonly selection: MailboxSelection,
    private readonly transfer: TransferPreference | undefined,
    private readonly account: string,
    private readonly side: SideListing | undefined,
    private readonly listing: MailboxListing,
    private readonly countedBefore: MailboxesCountedBefore | undefined,
  ) {
    this.#tally = { sent: buckets.map(() => 0), received: buckets.map(() => 0) };
    this.#warnings = [...range.warnings];
  }

  async run(
    onProgress: CountSignalsOptions['onProgress'],
  ): Promise<Omit<SignalCounts, 'elapsedMs' | 'attempts'>> {
    const capabilities = this.session.capabilities;
    const path = choosePath({
      prefer: this.transfer,
      capabilities,
      roundTripMs: this.session.roundTripEstimateMs,
      buckets: this.buckets.length,
      rangeMs: this.range.untilMs - this.range.sinceMs,
    });
    const { inbox, mailboxes, subscribed } = await this.#inboxThenList(path);
    const { unusable, roles, plan, deduplication } = this.#planOf(mailboxes);
    for (const odd of unusable) {
      this.#warnings.push({ code: 'mailbox_name_unusable', message: odd.reason, mailbox: odd.displayPath });
    }
    this.#deduplication = deduplication;
    this.#warnings.push(...roleWarningsOf(plan, roles));

    const countable = plan.filter((mailbox) => mailbox.counts !== 'skipped');
    const reuseEarly = inbox !== undefined && this.#deduplication === 'none';
    // The subscribed mailboxes counted before the list: kept for those the plan counts (a guess the
    // plan skips is dropped; a mailbox it counts that was not guessed is counted below).
    const early = (reuseEarly ? subscribed : undefined) ?? new Map<string, MailboxOutcome>();
    const rest = countable.filter(
      (mailbox) => !(reuseEarly && mailbox.path === INBOX) && !early.has(mailbox.path),
    );
    this.#forgetUncounted(subscribed, countable, reuseEarly);
    const batched = this.#deduplication === 'none' && path === 'pipelined-dates';
    // The other mailboxes' batch is written as soon as the list is known, behind INBOX's when that is
    // still in flight (a side listing that answered first): the server starts on it as soon as it has
    // answered INBOX's, instead of after INBOX's answer has travelled back and been read.
    const restCounted = batched
      ? this.#countMailboxes(
          rest.map((mailbox) => mailbox.path),
          path,
        )
      : undefined;
    // Observed below, after INBOX's; a failing INBOX batch must not leave it unobserved.
    restCounted?.catch(() => undefined);
    const inboxOutcome = await inbox;
    const outcomes = new Map<string, MailboxOutcome>();
    if (reuseEarly && inboxOutcome !== undefined && countable.some((mailbox) => mailbox.path === INBOX))
      outcomes.set(INBOX, inboxOutcome);
    let done = 0;
    const report = (mailbox: PlannedMailbox) => {
      done += 1;
      callHost(onProgress, () =>
        this.session.redacted({
          mailboxesDone: done,
          mailboxesTotal: countable.length,
          mailbox: mailbox.path,
        }),
      );
    };
    if (outcomes.has(INBOX)) report(countable.find((mailbox) => mailbox.path === INBOX) as PlannedMailbox);
    for (const mailbox of countable) {
      const outcome = early.get(mailbox.path);
      if (outcome === undefined) continue;
      outcomes.set(mailbox.path, outcome);
      report(mailbox);
    }
    if (restCounted !== undefined) {
      const counted = await restCounted;
      rest.forEach((mailbox, index) => {
        const outcome = counted[index];
        if (outcome) outcomes.set(mailbox.path, outcome);
        report(mailbox);
      });
    } else {
      for (const mailbox of rest) {
        const category = mailbox.counts === 'sent' ? 'sent' : 'received';
        const [outcome] = await this.#countMailboxes([mailbox.path], path, category);
        if (outcome) outcomes.set(mailbox.path, outcome);
        report(mailbox);
      }
    }

    // Every mailbox may have been read before the progress that aborted it was reported.
    await this.session.ensureNotAborted();
    await this.#floorsOfBatch(outcomes);
    const counted = plan.map((mailbox) => this.#addUp(mailbox, outcomes.get(mailbox.path)));
    if (this.#deduplication === 'none')
      this.countedBefore?.remember(
        counted.filter((mailbox) => mailbox.inRange !== null).map((mailbox) => mailbox.path),
      );
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

  // INBOX always exists (RFC 3501 §5.1): counted before LIST, which on Dovecot (Maildir) makes every
  // later EXAMINE of the session rescan its folder (docs/counting.md). Kept only if the plan counts it
  // without deduplication. On the pipelined path the LIST is written right behind INBOX's batch, in the
  // same flight (one awaited round trip for both): INBOX's EXAMINE still reaches the server first.
  // With a side listing (`mailboxListing: 'side-connection'`, or `auto` on a fast link and a large
  // enough INBOX) the counting connection sends no LIST unless the side connection failed: then it
  // lists after INBOX, as the per-mailbox path does. With `auto`, INBOX's EXAMINE answer decides
  // (`SideListing.inboxExamined`): a small INBOX lists right away behind its batch, still in flight,
  // and the side closes without logging in. Returns as soon as the list is known: INBOX's count may
  // still be in flight (`inbox`, `undefined` when INBOX is not counted first).
  async #inboxThenList(path: CountingPath): Promise<{
    inbox: Promise<MailboxOutcome | undefined> | undefined;
    mailboxes: ListedMailbox[];
    subscribed?: ReadonlyMap<string, MailboxOutcome>;
  }> {
    const inboxFirst = !(this.selection.deduplicate === 'always' || this.selection.exclude.includes(INBOX));
    if (
      inboxFirst &&
      path === 'pipelined-dates' &&
      this.listing === 'auto' &&
      this.session.asksSubscriptionsAlongside
    ) {
      // `auto`: listing after the subscribed mailboxes' EXAMINEs costs no rescan, so the side never connects.
      this.side?.declineForSubscriptions();
      return this.#subscribedThenList(path);
    }
    if (this.side !== undefined) {
      const side = this.side;
      if (!inboxFirst) {
        // Nothing is opened before the list: no size to wait for.
        side.inboxExamined(undefined, { unknownKeeps: true });
        return { inbox: undefined, mailboxes: (await side.listed) ?? (await this.session.listMailboxes()) };
      }
      const inbox = this.#countMailboxes([INBOX], path, 'received', (_index, messages) =>
        side.inboxExamined(messages),
      ).then(([early]) => early);
      // An INBOX that could not be opened, or a failed batch, decides too (no side login).
      inbox.then(
        () => side.inboxExamined(undefined),
        () => side.inboxExamined(undefined),
      );
      // The decision, or INBOX's failure if that comes first (the side's promises never reject).
      if (!(await Promise.race([side.decided, inbox.then(() => side.decided)])).kept)
        return this.#listBehind(inbox, path);
      const sideListed = await Promise.race([side.listed, inbox.then(() => side.listed)]);
      if (sideListed !== undefined) return { inbox, mailboxes: sideListed };
      await inbox;
      return { inbox, mailboxes: await this.session.listMailboxes() };
    }
    if (!inboxFirst) return { inbox: undefined, mailboxes: await this.session.listMailboxes() };
    return this.#listBehind(
      this.#countMailboxes([INBOX], path).then(([early]) => early),
      path,
    );
  }

  // INBOX's batch with LSUB right behind it (one flight); then, once LSUB has answered, the batch of
  // every subscribed mailbox the plan would count by its name, with LIST right behind that (a second
  // flight): every EXAMINE the count needs, as a rule, reaches the server before the LIST, which on
  // Dovecot with Maildir would make each later one rescan its folder, and the count awaits the same two
  // round trips as listing behind INBOX. A server that refuses LSUB, or answers more subscriptions
  // than MAX_SUBSCRIBED_GUESSES, gets the LIST after INBOX's batch instead. Without SEARCHRES a batch
  // searches, then fetches (two writes): INBOX's fetch leaves with the subscribed mailboxes' searches,
  // and the LIST with their fetches — one awaited round trip more, still no EXAMINE after the LIST.
  // The subscribed mailboxes' batch is written once LSUB has answered and INBOX's batch is all written,
  // whether or not its answer is all in.
  async #subscribedThenList(path: CountingPath): Promise<{
    inbox: Promise<MailboxOutcome | undefined>;
    mailboxes: ListedMailbox[];
    subscribed: ReadonlyMap<string, MailboxOutcome>;
  }> {
    const inbox = this.#countMailboxes([INBOX], path).then(([early]) => early);
    // Observed by the caller, after the list; a failure before that must not go unobserved.
    inbox.catch(() => undefined);
    const answer = await this.session.subscriptionsAlongside(inbox, MAX_SUBSCRIBED_GUESSES);
    const guesses = answer === undefined || answer.truncated ? [] : this.#guessesOf(answer.mailboxes);
    const [opened, mailboxes] = await this.session.listMailboxesAlongside(
      guesses.length === 0 ? Promise.resolve([]) : this.#countMailboxes(guesses, path),
    );
    const subscribed = new Map<string, MailboxOutcome>();
    guesses.forEach((guess, index) => {
      const outcome = opened[index];
      if (outcome !== undefined) subscribed.set(guess, outcome);
    });
    return { inbox, mailboxes, subscribed };
  }

  // The mailboxes to open before the list, INBOX aside: those the plan would count if the subscribed
  // ones were all there is, roles taken from LSUB's attributes (Dovecot sends the special-use ones) or
  // guessed from names, and those the connector's last full count counted (a folder that is not
  // subscribed), at most MAX_SUBSCRIBED_GUESSES. None when the count would deduplicate (a view such
  // as All Mail is subscribed): each mailbox is then read again, message by message.
  #guessesOf(subscribed: readonly ListedMailbox[]): string[] {
    const { plan, deduplication } = this.#planOf(subscribed);
    if (deduplication !== 'none') return [];
    const guesses = new Set(
      plan.filter((mailbox) => mailbox.counts !== 'skipped').map((mailbox) => mailbox.path),
    );
    for (const path of this.countedBefore?.paths ?? []) guesses.add(path);
    guesses.delete(INBOX);
    return [...guesses].slice(0, MAX_SUBSCRIBED_GUESSES);
  }

  // What a list of mailboxes makes of the count: the names it cannot use, each mailbox's role, the plan
  // and the deduplication.
  #planOf(mailboxes: readonly ListedMailbox[]) {
    const { usable, unusable } = partitionByMailboxName(mailboxes);
    const capabilities = this.session.capabilities;
    const roles = detectMailboxRoles(usable, capabilities, this.selection.roles);
    return {
      unusable,
      roles,
      plan: planMailboxes(usable, roles, this.selection.exclude),
      deduplication: deduplicationOf(this.selection.deduplicate, roles, capabilities),
    };
  }

  // Lists on the counting connection behind INBOX's count: right behind its pipelined batch, still in
  // flight (written all at once, so nothing else goes on the channel meanwhile), or after the count on
  // the per-mailbox path, which still has commands to send.
  async #listBehind(
    inbox: Promise<MailboxOutcome | undefined>,
    path: CountingPath,
  ): Promise<{ inbox: Promise<MailboxOutcome | undefined>; mailboxes: ListedMailbox[] }> {
    if (path !== 'pipelined-dates') {
      const early = await inbox;
      return { inbox: Promise.resolve(early), mailboxes: await this.session.listMailboxes() };
    }
    const [early, listed] = await this.session.listMailboxesAlongside(inbox);
    return { inbox: Promise.resolve(early), mailboxes: listed };
  }

  // The one place where per-mailbox counts are added up and the strategy that ran is recorded.
  #addUp(mailbox: PlannedMailbox, outcome: MailboxOutcome | undefined): MailboxCount {
    const notOpened = { inRange: null, strategy: null, uidValidity: null, uidNext: null, messages: null };
    if (mailbox.counts === 'skipped' || outcome === undefined) return { ...mailbox, ...notOpened };
    if ('unavailable' in outcome) {
      this.#warnings.push({
        code: 'mailbox_unavailable',
        message: outcome.unavailable.message,
        mailbox: mailbox.path,
      });
      return { ...mailbox, ...notOpened };
    }
    const tally = this.#tally[mailbox.counts];
    let inRange = outcome.duplicates;
    outcome.counts.forEach((count, index) => {
      tally[index] = (tally[index] ?? 0) + count;
      inRange += count;
    });
    this.#strategies.add(outcome.strategy);
    return {
      ...mailbox,
      uidValidity: outcome.examined.uidValidity,
      uidNext: outcome.examined.uidNext,
      messages: outcome.examined.exists,
      inRange,
      strategy: outcome.strategy,
    };
  }

  // Counts mailboxes by the chosen path: all at once, pipelined, or one after the other through the
  // per-mailbox strategies.
  // `onExamined` hears each mailbox's EXISTS as soon as its EXAMINE is answered.
  async #countMailboxes(
    paths: readonly string[],
    path: CountingPath,
    category: keyof Tally = 'received',
    onExamined?: (index: number, messages: number) => void,
  ): Promise<MailboxOutcome[]> {
    if (path === 'pipelined-dates' && this.#deduplication === 'none') {
      const tallies = paths.map(() => bucketTally(this.buckets));
      // The cursor's floor (the lowest UID that may be dated after the range) comes from the same
      // batch (sync-cursor.ts): for a range that ended over a week ago, its floor window's lowest UID,
      // searched alongside, no date needed; otherwise the batch reads the dates after the range too
      // (an open-ended window) and the floor is the lowest UID dated at or after its end.
      const floorsInBatch = floorSearchedInBatch(this.range.untilMs, this.#startedAtMs);
      const floorsOfDates = floorsInBatch ? undefined : paths.map(() => new FloorOfDates(this.range.untilMs));
      const opened = await this.session.datesInWindow(
        paths,
        floorsOfDates === undefined
          ? supersetWindowOf(this.range.sinceMs, this.range.untilMs)
          : openEndedWindowOf(this.range),
        (index, uid, internalDateSeconds) => {
          tallies[index]?.addSeconds(internalDateSeconds);
          floorsOfDates?.[index]?.add(uid, internalDateSeconds);
        },
        { extraWindow: floorsInBatch ? floorWindowOf(this.range) : undefined, onExamined },
      );
      opened.forEach((mailbox, index) => {
        const malformed = this.#warnAboutMalformedDates(mailbox.path);
        const floor = floorsOfDates?.[index];
        if (mailbox.examined === undefined || floor === undefined) return;
        const found = floor.result(
          mailbox.examined.uidNext,
          malformed.map((message) => message.uid),
        );
        this.#serverTime.observe(found.newestMs);
        this.#floors.set(mailbox.path, found);
      });
      for (const mailbox of opened) {
        if (mailbox.examined === undefined || mailbox.extraMin === undefined) continue;
        const { uidNext } = mailbox.examined;
        if (uidNext === null) continue;
        this.#floors.set(mailbox.path, {
          floorUid: Math.min(uidNext, mailbox.extraMin ?? uidNext),
          newestMs: undefined,
        });
      }
      return opened.map((mailbox, index) =>
        mailbox.unavailable
          ? { unavailable: mailbox.unavailable }
          : {
              examined: mailbox.examined,
              counts: tallies[index]?.counts ?? [],
              strategy: mailbox.examined.exists === 0 ? 'empty' : 'pipelined-dates',
              duplicates: 0,
            },
      );
    }
    const outcomes: MailboxOutcome[] = [];
    for (const [index, mailboxPath] of paths.entries()) {
      outcomes.push(await this.#countOne(mailboxPath, category, (messages) => onExamined?.(index, messages)));
    }
    return outcomes;
  }

  async #countOne(
    path: string,
    category: keyof Tally,
    onExamined: (messages: number) => void,
  ): Promise<MailboxOutcome> {
    let examined: ExaminedMailbox;
    try {
      examined = await this.session.examine(path, { forIdentityFetch: this.#deduplication !== 'none' });
    } catch (error) {
      if (!(error instanceof ImapConnectorError) || error.code !== 'MAILBOX_UNAVAILABLE') throw error;
      return { unavailable: error };
    }
    onExamined(examined.exists);
    if (examined.exists === 0) {
      // An empty mailbox has nothing dated after the range: its floor is UIDNEXT, no search needed.
      this.#floors.set(path, { floorUid: examined.uidNext ?? 1, newestMs: undefined });
      return { examined, counts: this.buckets.map(() => 0), strategy: 'empty', duplicates: 0 };
    }
    const warn = (code: CountWarning['code'], message: string) =>
      this.#warnings.push({ code, message, mailbox: path });
    const mailbox = { session: this.session, examined, warn };
    let duplicates = 0;
    const strategies: NamedStrategy[] =
      this.#deduplication === 'none'
        ? [
            ...(this.transfer === 'fewest-bytes'
              ? [{ name: 'within-counts' as const, count: withinCountsStrategy(this.#serverClock) }]
              : []),
            { name: 'arrival-order', count: arrivalOrderStrategy },
            { name: 'interior-count', count: interiorCountStrategy },
            { name: 'fetch-dates', count: fetchDatesStrategy(undefined) },
          ]
        : [
            {
              name: 'fetch-dates',
              count: fetchDatesStrategy(this.#seen[category], () => {
                duplicates += 1;
              }),
            },
          ];
    for (const strategy of strategies) {
      const counts = await strategy.count(mailbox, this.range, this.buckets);
      if (counts === undefined) continue;
      // Before the floor's search, which reads dates too.
      this.#warnAboutMalformedDates(path);
      // While the mailbox is open: where the next incremental count must start reading it.
      this.#floors.set(path, await this.#fullFloor(examined));
      return { examined, counts, strategy: strategy.name, duplicates };
    }
    throw new Error('fetch-dates always applies');
  }

  // RFC 3501 §6.3.1 requires UIDNEXT; without it the cursor starts from UID 1 (a full read next time).
  async #fullFloor(examined: ExaminedMailbox): Promise<MailboxFloor> {
    if (examined.uidNext === null) return { floorUid: 1, newestMs: undefined };
    const floor = await fullCountFloor(this.session, examined.uidNext, this.range, this.#startedAtMs);
    this.#serverTime.observe(floor.newestMs);
    return floor;
  }

  // A subscribed mailbox read before the list but not counted from that read (the plan skips it, or
  // deduplication counts it again) leaves no warning of its own: what was read of it is not in the result.
  #forgetUncounted(
    subscribed: ReadonlyMap<string, MailboxOutcome> | undefined,
    countable: readonly PlannedMailbox[],
    reused: boolean,
  ): void {
    if (subscribed === undefined) return;
    const kept = new Set(reused ? countable.map((mailbox) => mailbox.path) : []);
    const dropped = new Set([...subscribed.keys()].filter((path) => !kept.has(path)));
    if (dropped.size === 0) return;
    const relevant = this.#warnings.filter(
      (warning) => typeof warning.mailbox !== 'string' || !dropped.has(warning.mailbox),
    );
    this.#warnings.splice(0, this.#warnings.length, ...relevant);
  }

  // Warns about the mailbox's unreadable dates read since the last call, and returns them.
  #warnAboutMalformedDates(path: string): MalformedDate[] {
    const malformed = this.session.takeMalformedDates(path);
    const warning = malformedDatesWarning(path, malformed);
    if (warning !== undefined) this.#warnings.push(warning);
    return malformed;
  }

  // The pipelined path closes each mailbox before the next: the floors of the incremental cursor
  // (where the next count starts reading) that its batch did not give (it searches the floor window
  // of every mailbox that is not empty, with ESEARCH or, without SEARCHRES, with the fetches; left: a
  // server with SEARCHRES but not ESEARCH) are found afterwards, one mailbox at a time, two round
  // trips each.
  async #floorsOfBatch(outcomes: ReadonlyMap<string, MailboxOutcome>): Promise<void> {
    for (const [path, outcome] of outcomes) {
      if (this.#floors.has(path) || 'unavailable' in outcome) continue;
      const { examined } = outcome;
      if (examined.exists === 0) {
        this.#floors.set(path, { floorUid: examined.uidNext ?? 1, newestMs: undefined });
        continue;
      }
      await this.session.examine(path);
      this.#floors.set(path, await this.#fullFloor(examined));
    }
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
