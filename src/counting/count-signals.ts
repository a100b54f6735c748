import type { ImapConnectorConfig } from '../config/config-schema.js';
import type { MailboxSelection } from '../config/mailbox-selection.js';
import { ImapConnectorError } from '../errors/imap-connector-error.js';
import { partitionByMailboxName } from '../mailboxes/mailbox-names.js';
import { detectMailboxRoles, type MailboxRoleAssignment } from '../mailboxes/role-detection.js';
import type { RetryOptions } from '../retry/retry-policy.js';
import type { ConnectorLogger } from '../session/connector-logger.js';
import { type ExaminedMailbox, ImapSession } from '../session/imap-session.js';
import type { BucketGranularity, CountRange } from './count-range.js';
import { type CountingPath, choosePath, type TransferPreference } from './counting-cost.js';
import { hasMessageViews, type PlannedMailbox, planMailboxes } from './counting-plan.js';
import { supersetWindowOf } from './date-windows.js';
import {
  arrivalOrderStrategy,
  bucketTally,
  fetchDatesStrategy,
  interiorCountStrategy,
  type NamedStrategy,
} from './mailbox-strategies.js';
import type {
  CountedMailbox,
  CountingStrategy,
  CountWarning,
  Deduplication,
  SignalCounts,
} from './signal-counts.js';
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
  /** IANA zone of the bucket boundaries, e.g. `Europe/Berlin`. Default `UTC`. */
  readonly timeZone?: string | undefined;
  /** Cancels the count; it then rejects with code `ABORTED` and the connection closed. */
  readonly signal?: AbortSignal | undefined;
  /** Called after each counted mailbox (from the first mailbox again when a try is retried). */
  readonly onProgress?: ((progress: CountProgress) => void) | undefined;
  /**
   * What to spare most: `auto` (default) lets a cost model decide from the server's capabilities and
   * the round-trip time measured after login; `fewest-round-trips` reads every mailbox's dates in one
   * or two pipelined round trips (best on slow links: ≤ 4 awaited round trips after login);
   * `fewest-bytes` counts mailbox by mailbox with arrival order or counting searches (best on metered
   * links and million-message mailboxes). Counts are exact either way (docs/counting.md).
   */
  readonly transfer?: TransferPreference | undefined;
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

/** A range parsed once, before any try: `[since, until)` and its buckets. */
export interface ParsedCountRange {
  readonly range: CountRange;
  readonly buckets: readonly TimeBucket[];
}

type Tally = { sent: number[]; received: number[] };

/** What counting one mailbox gave, before it is added up. */
type MailboxOutcome =
  | {
      readonly examined: ExaminedMailbox;
      readonly counts: number[];
      readonly strategy: CountingStrategy;
      readonly duplicates: number;
    }
  | { readonly unavailable: ImapConnectorError };

const INBOX = 'INBOX';

/**
 * Counts the messages sent and received in `[since, until)`, by INTERNALDATE, exactly to the second,
 * optionally per calendar bucket of a time zone. Read-only: mailboxes are opened with EXAMINE, and
 * nothing but SEARCH and FETCH of dates (and Message-IDs, with BODY.PEEK) is sent.
 *
 * @param config - The validated configuration.
 * @param context - Logger and mailbox selection.
 * @param parsed - `[since, until)` and its buckets, parsed once for every try.
 * @param options - Signal, progress.
 * @returns Plain, serializable counts (of this one try: {@link countSignalsWithRetries} adds `attempts`).
 * @throws {@link ImapConnectorError} `CONFIG_INVALID` for a bad range (nothing is sent), or the code of
 *   the connection failure.
 */
export async function countSignals(
  config: ImapConnectorConfig,
  context: CountContext,
  parsed: ParsedCountRange,
  options: CountSignalsOptions,
): Promise<Omit<SignalCounts, 'attempts'>> {
  const startedAt = performance.now();
  const { range, buckets } = parsed;
  const session = await ImapSession.open(config, {
    purpose: 'count',
    logger: context.logger,
    signal: options.signal,
    overallTimeoutMs: config.timeouts.countSignalsMs,
  });
  try {
    const counter = new SignalCounter(session, range, buckets, context.selection, options.transfer);
    const result = await counter.run(options.onProgress);
    await session.logout();
    // Mailbox names and warnings quote the server: a hostile one can echo the password.
    return session.redacted({ ...result, elapsedMs: Math.round(performance.now() - startedAt) });
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
    private readonly transfer: TransferPreference | undefined,
  ) {
    this.#tally = { sent: buckets.map(() => 0), received: buckets.map(() => 0) };
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
    // INBOX always exists (RFC 3501 §5.1): counted before LIST, which on Dovecot (Maildir) makes every
    // later EXAMINE of the session rescan its folder (docs/counting.md). Kept only if the plan counts
    // it without deduplication.
    const early =
      this.selection.deduplicate !== 'always' && !this.selection.exclude.includes(INBOX)
        ? (await this.#countMailboxes([INBOX], path))[0]
        : undefined;
    const { usable: listed, unusable } = partitionByMailboxName(await this.session.listMailboxes());
    for (const odd of unusable) {
      this.#warnings.push({ code: 'mailbox_name_unusable', message: odd.reason, mailbox: odd.displayPath });
    }
    const roles = detectMailboxRoles(listed, capabilities, this.selection.roles);
    const plan = planMailboxes(listed, roles, this.selection.exclude);
    this.#deduplication = this.#deduplicationFor(roles, capabilities);
    this.#warnAboutRoles(plan, roles);

    const countable = plan.filter((mailbox) => mailbox.counts !== 'skipped');
    const reuseEarly = early !== undefined && this.#deduplication === 'none';
    const rest = countable.filter((mailbox) => !(reuseEarly && mailbox.path === INBOX));
    const outcomes = new Map<string, MailboxOutcome>();
    if (reuseEarly && countable.some((mailbox) => mailbox.path === INBOX)) outcomes.set(INBOX, early);
    let done = 0;
    const report = (mailbox: PlannedMailbox) => {
      done += 1;
      onProgress?.(
        this.session.redacted({
          mailboxesDone: done,
          mailboxesTotal: countable.length,
          mailbox: mailbox.path,
        }),
      );
    };
    if (outcomes.has(INBOX)) report(countable.find((mailbox) => mailbox.path === INBOX) as PlannedMailbox);
    if (this.#deduplication === 'none' && path === 'pipelined-dates') {
      const counted = await this.#countMailboxes(
        rest.map((mailbox) => mailbox.path),
        path,
      );
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

    const counted = plan.map((mailbox) => this.#addUp(mailbox, outcomes.get(mailbox.path)));
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

  // The one place where per-mailbox counts are added up and the strategy that ran is recorded.
  #addUp(mailbox: PlannedMailbox, outcome: MailboxOutcome | undefined): CountedMailbox {
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
    this.#warnAboutMalformedDates(mailbox.path);
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
  async #countMailboxes(
    paths: readonly string[],
    path: CountingPath,
    category: keyof Tally = 'received',
  ): Promise<MailboxOutcome[]> {
    if (path === 'pipelined-dates' && this.#deduplication === 'none') {
      const tallies = paths.map(() => bucketTally(this.buckets));
      const opened = await this.session.datesInWindow(
        paths,
        supersetWindowOf(this.range.sinceMs, this.range.untilMs),
        (index, message) => tallies[index]?.add(message.internalDateMs),
      );
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
    for (const mailboxPath of paths) outcomes.push(await this.#countOne(mailboxPath, category));
    return outcomes;
  }

  async #countOne(path: string, category: keyof Tally): Promise<MailboxOutcome> {
    let examined: ExaminedMailbox;
    try {
      examined = await this.session.examine(path, { forIdentityFetch: this.#deduplication !== 'none' });
    } catch (error) {
      if (!(error instanceof ImapConnectorError) || error.code !== 'MAILBOX_UNAVAILABLE') throw error;
      return { unavailable: error };
    }
    if (examined.exists === 0) {
      return { examined, counts: this.buckets.map(() => 0), strategy: 'empty', duplicates: 0 };
    }
    const warn = (code: CountWarning['code'], message: string) =>
      this.#warnings.push({ code, message, mailbox: path });
    const mailbox = { session: this.session, examined, warn };
    let duplicates = 0;
    const strategies: NamedStrategy[] =
      this.#deduplication === 'none'
        ? [
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
      if (counts !== undefined) return { examined, counts, strategy: strategy.name, duplicates };
    }
    throw new Error('fetch-dates always applies');
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

  // A message whose INTERNALDATE cannot be read has no instant to be counted at; shifting it to a
  // guessed one would count it in the wrong bucket, so it is left out and said so.
  #warnAboutMalformedDates(path: string): void {
    const malformed = this.session.takeMalformedDates(path);
    const first = malformed[0];
    if (first === undefined) return;
    this.#warnings.push({
      code: 'internal_date_malformed',
      message: `${malformed.length} message(s) have an INTERNALDATE the server sent in a form that cannot be read (UID ${first.uid}: "${first.raw}"); they are not counted.`,
      mailbox: path,
    });
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
