// An incremental count: with the cursor of an earlier count, read only the UIDs it had not accounted
// for — EXAMINE and `UID FETCH <floor>:<floor + span − 1> (UID INTERNALDATE)` of every mailbox the cursor
// counted, and LIST after them, in one pipelined flight —, count those dated from the watermark on into
// the range's buckets, and move the cursor forward. New mailboxes, a changed UIDVALIDITY and more new
// UIDs than the span are read afterwards, mailbox by mailbox.
import type { ImapConnectorConfig } from '../config/config-schema.js';
import { ImapConnectorError } from '../errors/imap-connector-error.js';
import { callHost } from '../errors/unexpected-failure.js';
import type { ListedMailbox } from '../mailboxes/listed-mailbox.js';
import { partitionByMailboxName } from '../mailboxes/mailbox-names.js';
import { detectMailboxRoles } from '../mailboxes/role-detection.js';
import { type BatchedMailbox, type FetchedDate, type ImapSession, UidList } from '../session/imap-session.js';
import { MAX_LISTED_UIDS } from '../session/uid-list.js';
import { inCountSession, redactedCounts } from './count-session.js';

const MAX_UID = 4_294_967_295;

import type { CountRange } from './count-range.js';
import type { CountContext, CountSignalsOptions } from './count-signals.js';
import { deduplicationOf, type PlannedMailbox, planMailboxes, roleWarningsOf } from './counting-plan.js';
import { supersetWindowOf } from './date-windows.js';
import type { PreparedRange } from './prepared-range.js';
import {
  type CountedMailbox,
  type CountWarning,
  malformedDatesWarning,
  type SignalCounts,
  signalBucketsOf,
} from './signal-counts.js';
import {
  accountIdentityOf,
  type CursorFallbackReason,
  type CursorMailbox,
  type CursorState,
  encodeCursor,
  nextWatermark,
  type RescanReason,
  ServerTimeReached,
} from './sync-cursor.js';
import { bucketIndexOf, type TimeBucket } from './time-buckets.js';

// Beyond this many UIDs between the floor and UIDNEXT, a date search from the watermark is cheaper (and
// bounded by what the mailbox holds) than naming every UID.
const MAX_UID_SPAN = 50_000;
const LAST_IMAP_DAY_MS = Date.UTC(9999, 11, 31);

/** What an incremental try gives: the counts, or that the cursor no longer fits the mailboxes. */
export type IncrementalOutcome =
  | { readonly kind: 'counted'; readonly counts: Omit<SignalCounts, 'attempts'> }
  | {
      readonly kind: 'fallback';
      readonly reason: Extract<CursorFallbackReason, 'selection_changed' | 'uidnext_missing'>;
      readonly message: string;
    };

/** Thrown inside a count when the cursor turns out not to be usable with this server. */
class CursorUnusable extends Error {
  constructor(readonly reason: 'uidnext_missing') {
    super(reason);
  }
}

/**
 * Counts what arrived since a cursor's count: for each counted mailbox, the messages whose UID the
 * cursor had not accounted for and whose INTERNALDATE is at or after the cursor's watermark and in the
 * range. Moves, copies and imports (new UID, old INTERNALDATE) are therefore never counted again;
 * expunges change nothing already returned. A mailbox whose UIDVALIDITY changed, or that the cursor
 * does not know, is rescanned from the watermark's date with the same rule.
 *
 * @param config - The validated configuration.
 * @param context - Logger and mailbox selection.
 * @param range - The range and its buckets, checked by the caller; resolved while the login is in flight.
 * @param state - The decoded cursor (of this account).
 * @param options - Signal, progress.
 * @returns The counts of what changed, or a fallback: `selection_changed` when a mailbox changed between sent,
 *   received and not counted (the caller then counts in full).
 * @throws {@link ImapConnectorError} the code of the connection failure.
 *
 * @example
 * ```ts
 * const outcome = await countIncrementally(config, context, range, state, {});
 * if (outcome.kind === 'counted') store(outcome.counts);
 * ```
 */
export async function countIncrementally(
  config: ImapConnectorConfig,
  context: CountContext,
  range: PreparedRange,
  state: CursorState,
  options: CountSignalsOptions,
): Promise<IncrementalOutcome> {
  const startedAt = performance.now();
  return inCountSession(
    config,
    context,
    options.signal,
    async (session) => {
      const resolved = await range.resolved();
      return new IncrementalCounter(
        session,
        resolved.range,
        resolved.buckets,
        state,
        context,
        accountIdentityOf(config),
      ).run(options.onProgress);
    },
    (outcome, session): IncrementalOutcome =>
      outcome.kind === 'counted'
        ? { kind: 'counted', counts: redactedCounts(outcome.counts, session, startedAt) }
        : session.redacted(outcome),
    { duringLogin: () => range.begin() },
  );
}

type Category = 'sent' | 'received';

/** The new rows of one mailbox, and what they move in the cursor. */
interface MailboxRead {
  readonly rows: readonly FetchedDate[];
  readonly floorUid: number;
}

/** One incremental count over one open session. */
class IncrementalCounter {
  readonly #tally: Record<Category, number[]>;
  readonly #warnings: CountWarning[];
  readonly #seen = { sent: new Set<string>(), received: new Set<string>() };
  readonly #startedAtMs = Date.now();
  readonly #serverTime = new ServerTimeReached();
  readonly #previous: ReadonlyMap<string, CursorMailbox>;
  #identity = false;

  constructor(
    private readonly session: ImapSession,
    private readonly range: CountRange,
    private readonly buckets: readonly TimeBucket[],
    private readonly state: CursorState,
    private readonly context: CountContext,
    private readonly account: string,
  ) {
    this.#tally = { sent: buckets.map(() => 0), received: buckets.map(() => 0) };
    this.#warnings = [...range.warnings];
    this.#previous = new Map(state.mailboxes.map((mailbox) => [mailbox.path, mailbox]));
  }

  async run(onProgress: CountSignalsOptions['onProgress']): Promise<IncrementalOutcome> {
    // The cursor's own folder list: every mailbox it counted, with a UIDVALIDITY to check, is read from
    // its floor in one flight, with the LIST after the EXAMINEs (see readFromFloors). Deduplicating
    // always needs identities, which only the mailbox-by-mailbox path reads.
    const flown =
      this.context.selection.deduplicate === 'always'
        ? []
        : this.state.mailboxes.filter((mailbox) => mailbox.counts !== '-' && mailbox.uidValidity !== '');
    const flight = flown.length > 0 ? await this.#readFromFloors(flown) : undefined;
    const { usable: listed, unusable } = partitionByMailboxName(
      flight?.listed ?? (await this.session.listMailboxes()),
    );
    for (const odd of unusable) {
      this.#warnings.push({ code: 'mailbox_name_unusable', message: odd.reason, mailbox: odd.displayPath });
    }
    const capabilities = this.session.capabilities;
    const roles = detectMailboxRoles(listed, capabilities, this.context.selection.roles);
    const plan = planMailboxes(listed, roles, this.context.selection.exclude);
    const planned = new Map(plan.map((mailbox) => [mailbox.path, mailbox]));
    const changed = plan.find((mailbox) => {
      const before = this.#previous.get(mailbox.path);
      return before !== undefined && before.counts !== codeOf(mailbox);
    });
    if (changed !== undefined) {
      return {
        kind: 'fallback',
        reason: 'selection_changed',
        // Logged for the host: the path is the server's word.
        message: this.session.redacted(
          `"${changed.path}" counted as ${this.#previous.get(changed.path)?.counts} in the cursor and as ${changed.counts} now.`,
        ),
      };
    }
    const deduplication = deduplicationOf(this.context.selection.deduplicate, roles, capabilities);
    this.#identity = deduplication !== 'none';
    // What the flight read of a mailbox that is not counted from it (gone, rescanned, deduplicated) is
    // dropped, its unreadable dates too: the mailbox-by-mailbox path reads again what it needs.
    for (const mailbox of flown) {
      const read = flight?.byPath.get(mailbox.path);
      if (
        read === undefined ||
        this.#identity ||
        !this.#usable(mailbox.path, read, planned.get(mailbox.path))
      )
        this.session.takeMalformedDates(mailbox.path);
    }
    this.#warnings.push(...roleWarningsOf(plan, roles));
    this.#warnAboutGap();
    this.#warnAboutGoneMailboxes(plan);

    const countable = plan.filter((mailbox) => mailbox.counts !== 'skipped');
    const counted: CountedMailbox[] = [];
    const nextCursor: CursorMailbox[] = [];
    let done = 0;
    for (const mailbox of plan) {
      if (mailbox.counts === 'skipped') {
        counted.push(notOpened(mailbox));
        nextCursor.push({ path: mailbox.path, counts: '-', uidValidity: '', floorUid: 1 });
        continue;
      }
      let result: Awaited<ReturnType<IncrementalCounter['countMailbox']>>;
      try {
        const read = this.#identity ? undefined : flight?.byPath.get(mailbox.path);
        result =
          (read && this.#countFromFlight(mailbox, mailbox.counts, read)) ??
          (await this.countMailbox(mailbox, mailbox.counts));
      } catch (error) {
        if (!(error instanceof CursorUnusable)) throw error;
        // RFC 3501 §6.3.1 requires UIDNEXT; without it no UID range can be bounded.
        return {
          kind: 'fallback',
          reason: error.reason,
          message: `"${mailbox.path}" was opened without a UIDNEXT.`,
        };
      }
      counted.push(result.counted);
      const malformed = malformedDatesWarning(mailbox.path, this.session.takeMalformedDates(mailbox.path));
      if (malformed !== undefined) this.#warnings.push(malformed);
      nextCursor.push(result.cursor);
      this.#serverTime.observe(result.newestMs);
      done += 1;
      callHost(onProgress, () =>
        this.session.redacted({
          mailboxesDone: done,
          mailboxesTotal: countable.length,
          mailbox: mailbox.path,
        }),
      );
    }
    const bucketResults = signalBucketsOf(this.buckets, this.#tally.sent, this.#tally.received);
    const watermarkMs = nextWatermark(
      this.state.watermarkMs,
      this.range,
      this.#serverTime.valueMs,
      this.#startedAtMs,
    );
    return {
      kind: 'counted',
      counts: {
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
        mode: 'incremental',
        fallbackReason: null,
        // A mailbox named after the password stays out of the stored cursor (see count-signals.ts).
        cursor: encodeCursor({
          account: this.account,
          watermarkMs,
          mailboxes: nextCursor.filter((mailbox) => !this.session.containsSecret(mailbox.path)),
        }),
        strategies: counted.some((mailbox) => mailbox.strategy === 'new-messages') ? ['new-messages'] : [],
        deduplication,
        warnings: this.#warnings,
        elapsedMs: 0,
      },
    };
  }

  // One flight: EXAMINE + `UID FETCH <floor>:<floor + MAX_UID_SPAN − 1>` of every mailbox the cursor
  // counted, then LIST. The FETCH cannot wait for UIDNEXT (that would be a second round trip), so it
  // names a fixed span from the floor: rows at or above UIDNEXT are dropped by the channel, and a
  // mailbox with more new UIDs than the span is read again from the watermark. Rows are tallied as they
  // come, per mailbox (nothing per message is kept), and added up only for the mailboxes the plan then
  // counts from them.
  async #readFromFloors(mailboxes: readonly CursorMailbox[]): Promise<Flight> {
    const keepFromMs = Math.max(this.range.untilMs, this.state.watermarkMs);
    const reads = mailboxes.map(() => new FloorRead(this.buckets, this.state.watermarkMs, keepFromMs));
    const { opened, listed } = await this.session.datesFromUidsAndList(
      mailboxes.map((mailbox) => ({ path: mailbox.path, fromUid: mailbox.floorUid })),
      MAX_UID_SPAN,
      (index, uid, internalDateSeconds) => reads[index]?.add(uid, internalDateSeconds * 1000),
    );
    const byPath = new Map<string, FlightRead>();
    mailboxes.forEach((mailbox, index) => {
      const batched = opened[index];
      const read = reads[index];
      if (batched !== undefined && read !== undefined) byPath.set(mailbox.path, { batched, read });
    });
    return { listed, byPath };
  }

  // Whether the flight's read of a mailbox counts as it is: listed and counted now, opened, the same
  // UIDVALIDITY as in the cursor, and no more new UIDs than the span asked for. A mailbox the server
  // refused stays "read" (it is reported unavailable from the flight's answer).
  #usable(path: string, { batched }: FlightRead, planned: PlannedMailbox | undefined): boolean {
    if (planned === undefined || planned.counts === 'skipped') return false;
    const examined = batched.examined;
    if (examined === undefined) return true;
    const before = this.#previous.get(path);
    if (before === undefined || before.uidValidity !== examined.uidValidity) return false;
    const { uidNext } = examined;
    return uidNext === null || uidNext - before.floorUid <= MAX_UID_SPAN;
  }

  // A mailbox counted from the flight; `undefined` when it must be read on its own (rescan, too many
  // new UIDs), as countMailbox does.
  #countFromFlight(
    mailbox: PlannedMailbox,
    category: Category,
    { batched, read }: FlightRead,
  ): { counted: CountedMailbox; cursor: CursorMailbox; newestMs: number | undefined } | undefined {
    const before = this.#previous.get(mailbox.path);
    const code = category === 'sent' ? 's' : 'r';
    if (batched.unavailable !== undefined) {
      this.#warnings.push({
        code: 'mailbox_unavailable',
        message: batched.unavailable.message,
        mailbox: mailbox.path,
      });
      // Keep what the cursor knew: what arrived meanwhile is read next time.
      const kept = before ?? { path: mailbox.path, counts: code, uidValidity: '', floorUid: 1 };
      return { counted: notOpened(mailbox), cursor: kept, newestMs: undefined };
    }
    const { examined } = batched;
    const { uidNext } = examined;
    if (uidNext === null || !Number.isSafeInteger(uidNext) || uidNext < 1) {
      throw new CursorUnusable('uidnext_missing');
    }
    if (before === undefined || !this.#usable(mailbox.path, { batched, read }, mailbox)) return undefined;
    const tally = this.#tally[category];
    for (const [index, count] of read.counts) tally[index] = (tally[index] ?? 0) + count;
    return {
      counted: {
        ...mailbox,
        inRange: read.inRange,
        strategy: 'new-messages',
        uidValidity: examined.uidValidity,
        uidNext: examined.uidNext,
        messages: examined.exists,
        sync: 'incremental',
        rescanReason: null,
      },
      cursor: {
        path: mailbox.path,
        counts: code,
        uidValidity: examined.uidValidity,
        floorUid: Math.min(uidNext, read.lowestKeptUid),
      },
      newestMs: read.newestMs,
    };
  }

  private async countMailbox(
    mailbox: PlannedMailbox,
    category: Category,
  ): Promise<{ counted: CountedMailbox; cursor: CursorMailbox; newestMs: number | undefined }> {
    const before = this.#previous.get(mailbox.path);
    const code = category === 'sent' ? 's' : 'r';
    let examined: Awaited<ReturnType<ImapSession['examine']>>;
    try {
      examined = await this.session.examine(mailbox.path);
    } catch (error) {
      if (!(error instanceof ImapConnectorError) || error.code !== 'MAILBOX_UNAVAILABLE') throw error;
      this.#warnings.push({ code: 'mailbox_unavailable', message: error.message, mailbox: mailbox.path });
      // Keep what the cursor knew: what arrived meanwhile is read next time.
      const kept = before ?? { path: mailbox.path, counts: code, uidValidity: '', floorUid: 1 };
      return { counted: notOpened(mailbox), cursor: kept, newestMs: undefined };
    }
    const uidNext = examined.uidNext;
    if (uidNext === null || !Number.isSafeInteger(uidNext) || uidNext < 1) {
      throw new CursorUnusable('uidnext_missing');
    }
    const rescanReason: RescanReason | null =
      before === undefined || before.uidValidity === ''
        ? 'mailbox_new'
        : before.uidValidity !== examined.uidValidity
          ? 'uidvalidity_changed'
          : null;
    const read =
      rescanReason === null && before !== undefined && uidNext - before.floorUid <= MAX_UID_SPAN
        ? await this.#readFromFloor(before.floorUid, uidNext)
        : await this.#readFromWatermark(uidNext);
    const inRange = this.#tallyRows(read.rows, category);
    const newestMs = read.rows.reduce<number | undefined>(
      (newest, row) => Math.max(newest ?? row.internalDateMs, row.internalDateMs),
      undefined,
    );
    return {
      counted: {
        ...mailbox,
        inRange,
        strategy: 'new-messages',
        uidValidity: examined.uidValidity,
        uidNext: examined.uidNext,
        messages: examined.exists,
        sync: rescanReason === null ? 'incremental' : 'rescan',
        rescanReason,
      },
      cursor: {
        path: mailbox.path,
        counts: code,
        uidValidity: examined.uidValidity,
        floorUid: read.floorUid,
      },
      newestMs,
    };
  }

  // The UIDs the cursor had not accounted for, up to UIDNEXT at EXAMINE (mail arriving during the count
  // has higher UIDs and is read next time).
  async #readFromFloor(floorUid: number, uidNext: number): Promise<MailboxRead> {
    // Kept as one run, never expanded: UIDNEXT comes from the server.
    const uids = new UidList({ maxValue: MAX_UID, maxLength: MAX_LISTED_UIDS, ascending: true });
    if (floorUid < uidNext) uids.addRange(floorUid, uidNext - 1);
    return this.#readRows(uids, uidNext);
  }

  // A mailbox whose UIDs mean nothing to the cursor: every message on or after the watermark's date
  // (RFC 3501 SINCE is server-local: the superset window covers every server zone), below UIDNEXT.
  async #readFromWatermark(uidNext: number): Promise<MailboxRead> {
    const { watermarkMs } = this.state;
    const since = supersetWindowOf(watermarkMs, watermarkMs + 1).sinceDayMs;
    const uids = await this.session.searchByDate({ sinceDayMs: since, beforeDayMs: LAST_IMAP_DAY_MS });
    const below = new UidList({ maxValue: MAX_UID, maxLength: MAX_LISTED_UIDS, ascending: true });
    for (let position = 0; position < uids.length; position += 1) {
      const uid = uids.at(position);
      if (uid !== undefined && uid < uidNext) below.add(uid);
    }
    return this.#readRows(below, uidNext);
  }

  async #readRows(uids: UidList, uidNext: number): Promise<MailboxRead> {
    const rows: FetchedDate[] = [];
    const collect = (row: FetchedDate) => {
      if (row.uid < uidNext) rows.push(row);
    };
    await this.session.fetchDates(uids, { identity: this.#identity }, collect);
    // Not counted now but not history either: mail dated at or after the range's end (or the
    // watermark, when that is later) must be read again next time.
    const keepFromMs = Math.max(this.range.untilMs, this.state.watermarkMs);
    let floorUid = uidNext;
    for (const row of rows) if (row.internalDateMs >= keepFromMs) floorUid = Math.min(floorUid, row.uid);
    return { rows, floorUid };
  }

  #tallyRows(rows: readonly FetchedDate[], category: Category): number {
    const seen = this.#seen[category];
    const tally = this.#tally[category];
    let inRange = 0;
    for (const row of rows) {
      // Signals are history: a message dated before the watermark was counted (or deliberately not)
      // by an earlier count; with a new UID it is a move, a copy or an import.
      if (row.internalDateMs < this.state.watermarkMs) continue;
      const index = bucketIndexOf(this.buckets, row.internalDateMs);
      if (index < 0) continue;
      inRange += 1;
      if (this.#identity && row.identity !== undefined) {
        if (seen.has(row.identity)) continue;
        seen.add(row.identity);
      }
      tally[index] = (tally[index] ?? 0) + 1;
    }
    return inRange;
  }

  #warnAboutGap(): void {
    if (this.range.sinceMs <= this.state.watermarkMs) return;
    this.#warnings.push({
      code: 'cursor_gap',
      message: `The range starts at ${new Date(this.range.sinceMs).toISOString()}, after the cursor's watermark ${new Date(this.state.watermarkMs).toISOString()}: mail between the two is never counted. Start the range at the previous count's end.`,
      mailbox: null,
    });
  }

  #warnAboutGoneMailboxes(plan: readonly PlannedMailbox[]): void {
    const listed = new Set(plan.map((mailbox) => mailbox.path));
    for (const mailbox of this.state.mailboxes) {
      if (mailbox.counts === '-' || listed.has(mailbox.path)) continue;
      this.#warnings.push({
        code: 'mailbox_gone',
        message: `"${mailbox.path}" is no longer listed (deleted or renamed); what it held was counted before and stays counted.`,
        mailbox: mailbox.path,
      });
    }
  }
}

function codeOf(mailbox: PlannedMailbox): CursorMailbox['counts'] {
  return mailbox.counts === 'sent' ? 's' : mailbox.counts === 'received' ? 'r' : '-';
}

function notOpened(mailbox: PlannedMailbox): CountedMailbox {
  return {
    ...mailbox,
    inRange: null,
    strategy: null,
    uidValidity: null,
    uidNext: null,
    messages: null,
    sync: null,
    rescanReason: null,
  };
}

/** What the flight gave: the listing, and per mailbox of the cursor its EXAMINE answer and its rows, tallied. */
interface Flight {
  readonly listed: ListedMailbox[];
  readonly byPath: ReadonlyMap<string, FlightRead>;
}

interface FlightRead {
  readonly batched: BatchedMailbox;
  readonly read: FloorRead;
}

/**
 * The rows of one mailbox read from its floor, tallied as they come by the rules of `#tallyRows` (no
 * deduplication on this path): per bucket, the messages dated in the range and at or after the
 * watermark; the newest date; and the lowest UID dated at or after `keepFromMs`, which the next count
 * must read again.
 */
class FloorRead {
  readonly counts = new Map<number, number>();
  inRange = 0;
  newestMs: number | undefined;
  lowestKeptUid = Number.POSITIVE_INFINITY;

  constructor(
    private readonly buckets: readonly TimeBucket[],
    private readonly watermarkMs: number,
    private readonly keepFromMs: number,
  ) {}

  add(uid: number, internalDateMs: number): void {
    this.newestMs = Math.max(this.newestMs ?? internalDateMs, internalDateMs);
    if (internalDateMs >= this.keepFromMs) this.lowestKeptUid = Math.min(this.lowestKeptUid, uid);
    // Signals are history: a message dated before the watermark was counted (or deliberately not).
    if (internalDateMs < this.watermarkMs) return;
    const index = bucketIndexOf(this.buckets, internalDateMs);
    if (index < 0) return;
    this.inRange += 1;
    this.counts.set(index, (this.counts.get(index) ?? 0) + 1);
  }
}
