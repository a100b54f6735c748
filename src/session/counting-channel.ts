/**
 * The SDK's own command channel for counting, on the connection imapflow logged in: pipelined
 * commands with the SDK's own tags, answers read by the strict parser of `response-lines.ts`.
 */

import type { LongLineSink } from './imapflow-internals.js';
import {
  type Checkpoint,
  type CompletionStatus,
  type EsearchAnswer,
  type FetchRow,
  NumberListReader,
  parseResponseLine,
  type ResponseLine,
  ResponseViolation,
  readEsearch,
  readFetchRow,
  readNumberList,
  type ScannedRow,
  scanDatedFetchRow,
} from './response-lines.js';
import { SeenUids, SeenUidsBySet } from './seen-uids.js';
import { MAX_LISTED_UIDS, UidList, type UidListBounds } from './uid-list.js';

/**
 * Untagged responses (FETCH rows asked for aside) the channel accepts between two completions of its
 * commands. The same limit as the one on imapflow's commands (`MAX_UNTAGGED_PER_COMMAND`).
 */
export const MAX_UNTAGGED_PER_COMPLETION = 50_000;

const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const MAX_UID = 4_294_967_295;
const NO_OPTIONS = { uncorrelated: false };

/** A tagged completion. */
export interface Completion {
  readonly status: CompletionStatus;
  readonly code: string | undefined;
  readonly text: string;
}

/** A NO or BAD completion, shaped like imapflow's refusals so the failure classifier reads it alike. */
export class CommandRefused extends Error {
  readonly responseStatus: CompletionStatus;
  readonly serverResponseCode: string | undefined;
  readonly responseText: string;

  constructor(command: string, completion: Completion) {
    super(`${command} failed`);
    this.responseStatus = completion.status;
    this.serverResponseCode = completion.code;
    this.responseText = completion.text;
  }
}

/**
 * The connection ended while commands were in flight; `reason` is the BYE text, if one came. Without
 * one, the server (or the network) dropped the connection: a transport fault (`ECONNRESET`), unless
 * the socket reported a more precise error meanwhile.
 */
export class ChannelClosed extends Error {
  readonly code: string;
  constructor(readonly reason: string | undefined) {
    super('The connection closed while counting');
    this.code = reason === undefined ? 'ECONNRESET' : 'EConnectionClosed';
  }
}

/** What the mailbox open now allows an answer to hold. */
export interface MailboxBounds {
  /** EXISTS (raised by a later `* n EXISTS`: mail delivered since). */
  readonly exists: number;
  /** UIDNEXT − 1 at EXAMINE (or 2³² − 1 when the server did not say): the count reads up to it. */
  readonly maxUid: number;
  /**
   * The mailbox announced more messages after its EXAMINE (RFC 3501 §7.3.1): UIDs above `maxUid` may
   * then appear in answers, and are left out (the next count reads them from its floor).
   */
  readonly grown?: boolean;
  /**
   * A message of the mailbox was expunged after its EXAMINE (`* n EXPUNGE`, RFC 3501 §7.4.1, by
   * another client): counts the server took before and after it disagree.
   */
  readonly shrunk?: boolean;
}

/** Collects the untagged answer of one command and turns it into a result at its completion. */
export interface ResponseCollector<T> {
  /**
   * The kinds of untagged data this command draws (`none`: nothing the channel reads, e.g. a NAMESPACE
   * whose answer the session reads before the channel).
   */
  readonly draws: 'examine' | 'search' | 'sort' | 'fetch' | 'none';
  /**
   * Answered only by an ESEARCH correlated to its tag (RFC 4731 §3.1 `(TAG …)`): an uncorrelated
   * answer (a plain `* SEARCH`, an ESEARCH without TAG) belongs to another command in flight. Dovecot
   * runs pipelined searches in parallel, so such an answer may arrive while this one is still pending.
   */
  readonly correlatedOnly?: boolean;
  /** FETCH rows this command may legitimately draw in the mailbox open now (raises the untagged budget). */
  readonly expectedRows?: (bounds: MailboxBounds) => number;
  /** An untagged line routed to this command (never a FETCH row: those come through `datedRow`). */
  untagged?(line: ResponseLine, raw: Buffer, channel: CountingChannel): void | Promise<void>;
  /**
   * A FETCH row with a UID and an INTERNALDATE (`null`: a date that cannot be read, with the server's
   * text when the general reader read the row); rows without a date (unsolicited flag updates, RFC
   * 3501 §7.4.2) never reach it. Only for `draws: 'fetch'`.
   */
  datedRow?(
    uid: number,
    internalDateSeconds: number | null,
    channel: CountingChannel,
    rawDate?: string,
  ): void;
  /**
   * Where the numbers of a plain `* SEARCH` or `* SORT` answer too long to frame go, read as they
   * arrive ({@link CountingChannel.streamLongLine}): the list, and the error a reading failure becomes.
   * Without it such an answer is framed whole and comes through `untagged`.
   */
  numberList?(channel: CountingChannel): PlainAnswerTarget;
  /** The result for an OK completion (throws {@link ResponseViolation} for an implausible answer). */
  finish(completion: Completion): T;
}

/** What the channel needs from the session. */
export interface ChannelHost {
  /** Writes command lines to the connection (after login: through imapflow's writer, compression included). */
  write(lines: string): void;
  /** Reports a server answer the channel refuses; the session closes the connection. */
  violation(error: ResponseViolation): void;
  /** UIDVALIDITY announced outside an EXAMINE: the mailbox was replaced meanwhile. */
  uidValidity(value: string): void;
  /** For the host's protocol trace. */
  traceCommand(line: string): void;
  traceResponse(line: Buffer, isRow: boolean): void;
}

interface Pending {
  readonly tag: string;
  readonly name: string;
  readonly collector: ResponseCollector<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** No EXAMINE sent before it is pending any more (once true, it stays: none can be sent before it). */
  mailboxOpened: boolean;
}

/**
 * Sends counting commands without waiting for each answer (RFC 3501 §5.5: a client may send another
 * command without waiting for the completion of the previous one) and reads their answers itself,
 * before imapflow's parser: while any of its commands is in flight, every line is the channel's.
 *
 * Every line is counted (continuations too) against {@link MAX_UNTAGGED_PER_COMPLETION}, reset only by
 * a completion of one of its own tags; a completion with any other tag is a protocol error. Long
 * answers are read in chunks with a yield between them, so a close (abort, deadline) is honoured
 * mid-parse.
 *
 * @example
 * ```ts
 * const [examined, count] = channel.send([
 *   { command: 'EXAMINE "INBOX"', collector: examineCollector('INBOX') },
 *   { command: 'UID SEARCH RETURN (COUNT) ALL', collector: countCollector() },
 * ]);
 * ```
 */
export class CountingChannel {
  readonly #host: ChannelHost;
  readonly #pending: Pending[] = [];
  #tagCounter = 0;
  #untagged = 0;
  /** The budget last computed since the last completion (a lower bound of the budget until then). */
  #untaggedAllowed = 0;
  #closed: ChannelClosed | undefined;
  #byeText: string | undefined;
  #bounds: MailboxBounds | undefined;
  /** Reused for every row {@link scanDatedFetchRow} reads. */
  readonly #row: ScannedRow = { sequence: 0, uid: 0, internalDateSeconds: 0 };

  constructor(host: ChannelHost) {
    this.#host = host;
  }

  /** Whether commands of the channel are in flight (their answers must not reach imapflow). */
  get active(): boolean {
    return this.#pending.length > 0;
  }

  /**
   * Sends commands in one write; each settles with its collector's result, or rejects with a
   * {@link CommandRefused}, a {@link ResponseViolation} or a {@link ChannelClosed}.
   *
   * @param commands - Command text (without tag or CRLF) and collector, in order.
   * @returns One promise per command.
   */
  send<T extends readonly unknown[]>(
    commands: {
      readonly [K in keyof T]: { readonly command: string; readonly collector: ResponseCollector<T[K]> };
    },
  ): { readonly [K in keyof T]: Promise<T[K]> } {
    const lines: string[] = [];
    const promises = commands.map(({ command, collector }) => {
      if (this.#closed) return Promise.reject(this.#closed);
      this.#tagCounter += 1;
      // imapflow's tags are upper-case hexadecimal numbers: an "S" never collides with one. The number
      // in base 62, since a tag comes back twice in every answer (three bytes fewer a search of a
      // metered count, which sends thousands).
      const tag = `S${base62(this.#tagCounter)}`;
      const line = `${tag} ${command}`;
      lines.push(line);
      this.#host.traceCommand(line);
      return new Promise((resolve, reject) => {
        this.#pending.push({
          tag,
          name: command.split(' ', 2).join(' '),
          collector,
          resolve,
          reject,
          mailboxOpened: false,
        });
      });
    });
    if (lines.length > 0) {
      try {
        this.#host.write(lines.join('\r\n'));
      } catch (error) {
        this.close(error instanceof Error ? error.message : undefined);
      }
    }
    // Each promise is awaited by the caller; a rejection nobody awaits yet must not crash the host.
    for (const promise of promises) promise.catch(() => undefined);
    return promises as unknown as { readonly [K in keyof T]: Promise<T[K]> };
  }

  /**
   * Takes one server line while the channel is active.
   *
   * @param raw - The line, CRLF removed.
   * @param literalCount - Literals that came with it (none of the answers the channel reads has one).
   */
  take(raw: Buffer, literalCount: number): Promise<void> | undefined {
    if (this.#closed) return undefined;
    // Synchronous for the lines a count is made of (FETCH rows, completions): a promise per row would
    // cost more than reading it. Only long answers (SEARCH, SORT, ESEARCH) are read asynchronously.
    try {
      const reading = this.#take(raw, literalCount);
      if (reading !== undefined) return reading.catch((error: unknown) => this.#refuse(error));
    } catch (error) {
      this.#refuse(error);
    }
    return undefined;
  }

  #refuse(error: unknown): void {
    const violation =
      error instanceof ResponseViolation
        ? error
        : error instanceof ChannelClosed
          ? undefined
          : new ResponseViolation(`an answer the counting layer could not read (${String(error)})`);
    if (violation !== undefined) this.#fail(violation);
  }

  /** Yields to the event loop between chunks of a long answer; throws once the connection is closed. */
  readonly checkpoint = async (): Promise<void> => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.#closed) throw this.#closed;
  };

  /**
   * Rejects every command in flight: the connection is gone (closed by either side, aborted, expired).
   *
   * @param reason - Why, when known.
   */
  close(reason?: string): void {
    if (this.#closed) return;
    this.#closed = new ChannelClosed(this.#byeText ?? reason);
    this.#rejectAll(this.#closed);
  }

  /**
   * Takes the dated FETCH rows of the usual shape ({@link scanDatedFetchRow}) that come one after the
   * other in `bytes` from `from` on, in place, while a FETCH of the channel's draws them: nearly every
   * line of a count, read in one loop without a string, a buffer or an object per row (a loop V8
   * optimizes while it runs, which matters in a cold process). It stops at the first line that is not
   * such a row, or not whole; that line is left to {@link take}.
   *
   * @param bytes - The bytes as they arrived (a chunk of the connection).
   * @param from - Where a line starts in them.
   * @returns Where it stopped: the start of the first line it did not take (`from` when it took none).
   *   A row the channel refuses fails the channel, and is taken.
   */
  takeDatedRows(bytes: Buffer, from: number): number {
    const fetch = this.#closed === undefined ? this.#oldest('fetch') : undefined;
    if (fetch?.collector.datedRow === undefined) return from;
    const row = this.#row;
    let position = from;
    try {
      while (this.#closed === undefined) {
        const lf = bytes.indexOf(LINE_FEED, position);
        if (lf < 0) break;
        const end = lf > position && bytes[lf - 1] === CARRIAGE_RETURN ? lf - 1 : lf;
        if (!scanDatedFetchRow(bytes, row, position, end)) break;
        position = lf + 1;
        this.#deliverScannedRow(fetch);
      }
    } catch (error) {
      this.#refuse(error);
    }
    return position;
  }

  /**
   * Reads a plain `* SEARCH` or `* SORT` answer as its bytes arrive, when its line is too long to frame
   * (a search of a big window on a server without ESEARCH lists every UID on one line): the numbers go
   * straight into the command's list, and the line is never held. Asked with the line's first bytes.
   *
   * @param head - The start of the line (at least its first 16 bytes).
   * @returns The sink for the whole line (its first bytes included), or `undefined` when it is not
   *   such an answer to a command of the channel: the line is then framed whole, as before. Once the
   *   channel refuses the answer, the sink drops the rest of the line.
   */
  streamLongLine(head: Buffer): LongLineSink | undefined {
    if (this.#closed !== undefined) return undefined;
    const name = numberListAnswerOf(head);
    if (name === undefined) return undefined;
    const command = this.#oldest(name === 'SEARCH' ? 'search' : 'sort', { uncorrelated: true });
    if (command?.collector.numberList === undefined) return undefined;
    let failed = false;
    const refuse = (error: unknown) => {
      failed = true;
      this.#refuse(error);
    };
    let target: PlainAnswerTarget;
    try {
      this.#countUntagged();
      this.#assertMailboxOpened(command);
      target = command.collector.numberList(this);
    } catch (error) {
      refuse(error);
      return { write: () => undefined, end: () => undefined };
    }
    const reader = new NumberListReader(target.into);
    // A valid answer lists at most the UIDs the mailbox holds, 10 digits and a space each.
    const maxBytes = 11 * Math.max(1, this.bounds().exists) + 1024;
    let bytesRead = 0;
    let skip = 3 + name.length; // `* SEARCH ` / `* SORT `
    return {
      write: (bytes, start, end) => {
        if (failed) return;
        bytesRead += end - start;
        const from = Math.min(end, start + skip);
        skip -= from - start;
        if (bytesRead > maxBytes) {
          refuse(new ResponseViolation(`a ${name} answer longer than ${maxBytes} bytes`, true));
          return;
        }
        try {
          reader.write(bytes, from, end);
        } catch (error) {
          refuse(target.failure(error));
        }
      },
      end: () => {
        if (failed) return;
        try {
          reader.end();
        } catch (error) {
          refuse(target.failure(error));
        }
      },
    };
  }

  // A row `scanDatedFetchRow` read into `#row` (rows are not traced: the trace leaves them out).
  #deliverScannedRow(fetch: Pending): void {
    this.#countUntagged();
    this.#assertMailboxOpened(fetch);
    fetch.collector.datedRow?.(this.#row.uid, this.#row.internalDateSeconds, this);
  }

  #take(raw: Buffer, literalCount: number): void | Promise<void> {
    // Nearly every line of a count is a dated FETCH row: read from the bytes, it costs no string and
    // no object. Anything else, including rows of another shape, is classified below.
    if (literalCount === 0) {
      const fetch = this.#oldest('fetch');
      if (fetch?.collector.datedRow !== undefined && scanDatedFetchRow(raw, this.#row)) {
        this.#deliverScannedRow(fetch);
        return;
      }
    }
    let line: ResponseLine;
    try {
      line = parseResponseLine(raw);
    } catch (error) {
      this.#host.traceResponse(raw, false);
      throw error;
    }
    this.#host.traceResponse(raw, line.kind === 'message' && line.name === 'FETCH');
    if (line.kind === 'tagged') {
      this.#complete(line);
      return;
    }
    this.#countUntagged();
    if (line.kind === 'continuation') return;
    if (line.kind === 'status') {
      if (line.status === 'BYE') this.#byeText = line.text;
      if (line.code === 'UIDVALIDITY' || line.code === 'UIDNEXT') {
        const examine = this.#oldest('examine');
        if (examine) return examine.collector.untagged?.(line, raw, this);
        else if (line.code === 'UIDVALIDITY' && line.codeValue !== undefined)
          this.#host.uidValidity(line.codeValue);
      }
      return;
    }
    if (literalCount > 0) return;
    if (line.kind === 'message') {
      if (line.name === 'EXISTS') {
        // The EXAMINE's own EXISTS once every command before it has completed; before that, an update
        // of the mailbox open now (mail delivered meanwhile).
        const examine = this.#pending[0]?.collector.draws === 'examine' ? this.#pending[0] : undefined;
        if (examine) return examine.collector.untagged?.(line, raw, this);
        const bounds = this.#bounds;
        if (bounds !== undefined && line.number > bounds.exists)
          this.#bounds = { ...bounds, exists: Math.min(line.number, MAX_LISTED_UIDS), grown: true };
      } else if (line.name === 'EXPUNGE') {
        // EXISTS stays the upper bound of what an answer may hold: it only ever shrinks.
        if (this.#bounds !== undefined) this.#bounds = { ...this.#bounds, shrunk: true };
      } else if (line.name === 'FETCH') {
        const fetch = this.#oldest('fetch');
        if (fetch?.collector.datedRow !== undefined) this.#routeFetchRow(fetch, line, raw);
      }
      return;
    }
    if (line.name === 'SEARCH' || line.name === 'SORT') {
      const command = this.#oldest(line.name === 'SEARCH' ? 'search' : 'sort', { uncorrelated: true });
      if (!command) throw new ResponseViolation(`a ${line.name} answer to no ${line.name} command`);
      this.#assertMailboxOpened(command);
      return command.collector.untagged?.(line, raw, this);
    }
    if (line.name === 'ESEARCH') {
      const tag = correlatorOf(raw, line.start);
      const command =
        tag === undefined
          ? (this.#oldest('search', { uncorrelated: true }) ?? this.#oldest('sort', { uncorrelated: true }))
          : this.#pending.find((pending) => pending.tag === tag);
      if (!command)
        throw new ResponseViolation(
          tag === undefined
            ? 'an ESEARCH answer to no search'
            : 'an ESEARCH answer for a tag the client never sent',
        );
      this.#assertMailboxOpened(command);
      return command.collector.untagged?.(line, raw, this);
    }
    // FLAGS, RECENT, VANISHED, CAPABILITY...: nothing a count reads; counted above.
    return undefined;
  }

  // A FETCH row read by the general reader: only dated rows are a collector's.
  #routeFetchRow(fetch: Pending, line: Extract<ResponseLine, { kind: 'message' }>, raw: Buffer): void {
    const row: FetchRow = readFetchRow(raw, line.number, line.start);
    if (row.internalDateMs === undefined) return;
    if (row.uid === undefined) throw new ResponseViolation('a FETCH row with a date but no UID');
    this.#assertMailboxOpened(fetch);
    // Whole seconds: an INTERNALDATE has no finer part (`imapDateTimeMs`).
    const seconds = row.internalDateMs === null ? null : row.internalDateMs / 1000;
    fetch.collector.datedRow?.(row.uid, seconds, this, row.rawDate);
  }

  /**
   * A command runs in the mailbox the EXAMINE before it opens, so none of its answers can come before
   * that EXAMINE completes (RFC 3501 §5.5: a server runs a command that changes the selected mailbox
   * alone). An answer that does was either sent early or, without a correlator, belongs to a command
   * of another mailbox: either way, reading it would move results between mailboxes.
   */
  #assertMailboxOpened(command: Pending): void {
    if (command.mailboxOpened) return;
    for (const pending of this.#pending) {
      if (pending === command) {
        command.mailboxOpened = true;
        return;
      }
      if (pending.collector.draws === 'examine')
        throw new ResponseViolation(
          `an answer to ${command.name} (${command.tag}) came before the EXAMINE it follows (${pending.tag}) completed`,
        );
    }
  }

  // Every untagged line (continuations too) counts against the budget until a completion of the channel.
  #countUntagged(): void {
    this.#untagged += 1;
    if (this.#untagged <= MAX_UNTAGGED_PER_COMPLETION || this.#untagged <= this.#untaggedAllowed) return;
    // The budget only grows until the next completion (commands sent, bounds raised by EXISTS), so the
    // last one computed holds until the count passes it: not recomputed for every row of a long FETCH.
    this.#untaggedAllowed = this.#budget();
    if (this.#untagged > this.#untaggedAllowed) {
      const rows = this.#untaggedAllowed - MAX_UNTAGGED_PER_COMPLETION;
      throw new ResponseViolation(
        rows > 0
          ? `FETCH sent over ${MAX_UNTAGGED_PER_COMPLETION} responses more than the ${rows} rows asked for`
          : `more than ${MAX_UNTAGGED_PER_COMPLETION} untagged responses to one command`,
        true,
      );
    }
  }

  #complete(line: Extract<ResponseLine, { kind: 'tagged' }>): void {
    const index = this.#pending.findIndex((pending) => pending.tag === line.tag);
    if (index < 0) throw new ResponseViolation('a completion for a tag the client never sent');
    const [pending] = this.#pending.splice(index, 1);
    if (!pending) return;
    this.#untagged = 0;
    this.#untaggedAllowed = 0;
    if (line.status !== 'OK') {
      // RFC 3501 §6.3.1: a failed SELECT or EXAMINE leaves no mailbox selected.
      if (pending.collector.draws === 'examine') this.#bounds = undefined;
      pending.reject(new CommandRefused(pending.name, line));
      return;
    }
    try {
      const result = pending.collector.finish(line);
      if (pending.collector.draws === 'examine') this.#bounds = boundsOf(result as ExamineAnswer);
      pending.resolve(result);
    } catch (error) {
      pending.reject(error);
      if (error instanceof ResponseViolation) this.#fail(error);
    }
  }

  #budget(): number {
    let rows = 0;
    const bounds = this.bounds();
    for (const pending of this.#pending) rows += pending.collector.expectedRows?.(bounds) ?? 0;
    return MAX_UNTAGGED_PER_COMPLETION + rows;
  }

  // The oldest command in flight that draws this kind of answer; with `uncorrelated`, only one that can
  // take an answer without a correlator.
  #oldest(
    draws: ResponseCollector<unknown>['draws'],
    options: { uncorrelated: boolean } = NO_OPTIONS,
  ): Pending | undefined {
    // An indexed loop: it runs once per row, also before V8 has optimized it (a cold process).
    const inFlight = this.#pending;
    for (let index = 0; index < inFlight.length; index += 1) {
      const pending = inFlight[index] as Pending;
      if (pending.collector.draws !== draws) continue;
      if (options.uncorrelated && pending.collector.correlatedOnly === true) continue;
      return pending;
    }
    return undefined;
  }

  #fail(violation: ResponseViolation): void {
    if (this.#closed) return;
    this.#closed = new ChannelClosed(undefined);
    this.#rejectAll(violation);
    this.#host.violation(violation);
  }

  #rejectAll(error: unknown): void {
    for (const pending of this.#pending.splice(0)) pending.reject(error);
  }

  /** The bounds of the mailbox open now, for collectors (set by each EXAMINE the channel completes). */
  bounds(): MailboxBounds {
    return this.#bounds ?? { exists: MAX_LISTED_UIDS, maxUid: MAX_UID };
  }

  /**
   * Sets the bounds of a mailbox opened outside the channel (by imapflow), or clears them.
   *
   * @param examined - What its EXAMINE said.
   */
  opened(examined: ExamineAnswer | undefined): void {
    this.#bounds = examined === undefined ? undefined : boundsOf(examined);
    this.#untaggedAllowed = 0;
  }
}

// What a list of UIDs from the mailbox open now may hold: its UIDs, up to EXISTS of them; once it has
// grown, UIDs above the EXAMINE's UIDNEXT too, left out of the list.
function listBoundsOf(bounds: MailboxBounds, ascending: boolean): UidListBounds {
  return bounds.grown === true
    ? { maxValue: MAX_UID, maxLength: bounds.exists, ascending, keepAtMost: bounds.maxUid }
    : { maxValue: bounds.maxUid, maxLength: bounds.exists, ascending };
}

function boundsOf(examined: ExamineAnswer): MailboxBounds {
  return { exists: examined.exists, maxUid: examined.uidNext === undefined ? MAX_UID : examined.uidNext - 1 };
}

// RFC 4731 §3.1: `* ESEARCH (TAG "S4") ...`; only the correlator is read here.
function correlatorOf(raw: Buffer, start: number): string | undefined {
  const head = raw.toString('latin1', start, Math.min(raw.length, start + 80));
  return /^\s*\(TAG "?([^")\s]+)"?\)/i.exec(head)?.[1];
}

/** What EXAMINE tells (RFC 3501 §6.3.2). */
export interface ExamineAnswer {
  readonly exists: number;
  readonly uidValidity: string;
  /** `undefined` when the server did not announce it. */
  readonly uidNext: number | undefined;
}

/**
 * Collects an EXAMINE answer: EXISTS and UIDVALIDITY are required (RFC 3501 §6.3.1), UIDNEXT is
 * expected.
 *
 * @returns The collector.
 */
export function examineCollector(): ResponseCollector<ExamineAnswer> {
  let exists: number | undefined;
  let uidValidity: string | undefined;
  let uidNext: number | undefined;
  return {
    draws: 'examine',
    untagged(line) {
      if (line.kind === 'message' && line.name === 'EXISTS') exists = line.number;
      if (line.kind !== 'status') return;
      const value = line.codeValue === undefined ? undefined : uint32OrUndefined(line.codeValue.trim());
      if (line.code === 'UIDVALIDITY') {
        if (value === undefined || value === 0)
          throw new ResponseViolation('EXAMINE answered a malformed UIDVALIDITY');
        uidValidity = String(value);
      } else if (line.code === 'UIDNEXT') {
        if (value === undefined || value === 0)
          throw new ResponseViolation('EXAMINE answered a malformed UIDNEXT');
        uidNext = value;
      }
    },
    finish() {
      if (exists === undefined) throw new ResponseViolation('EXAMINE completed without EXISTS', false);
      if (uidValidity === undefined)
        throw new ResponseViolation('EXAMINE completed without UIDVALIDITY', false);
      if (uidNext !== undefined && exists > uidNext - 1)
        throw new ResponseViolation(`EXAMINE announced ${exists} messages below UIDNEXT ${uidNext}`);
      return { exists, uidValidity, uidNext };
    },
  };
}

function uint32OrUndefined(text: string): number | undefined {
  return /^\d{1,10}$/.test(text) && Number(text) <= MAX_UID ? Number(text) : undefined;
}

/**
 * What a `UID SEARCH` was asked to return: the plain answer (RFC 3501 `* SEARCH`), ESEARCH `ALL`
 * (RFC 4731 `RETURN (ALL)`), or nothing (RFC 5182 `RETURN (SAVE)`: the result stays on the server).
 */
export type SearchReturn = 'plain' | 'all' | 'save';

/**
 * Collects the UIDs of a `UID SEARCH`, bounded by the mailbox: no more than EXISTS of them, none at or
 * above UIDNEXT. An answer of the other form than the one asked for is a protocol error (an ESEARCH
 * without `ALL` to a plain SEARCH would otherwise read as "nothing found").
 *
 * @param returns - What the command asked for.
 * @returns The collector.
 */
export function searchCollector(returns: SearchReturn = 'plain'): ResponseCollector<UidList> {
  const command = 'SEARCH';
  let list: UidList | undefined;
  const numbers = (channel: CountingChannel): PlainAnswerTarget => {
    const target = plainAnswerTarget(list, channel, command);
    list = target.into;
    return target;
  };
  return {
    draws: 'search',
    ...(returns === 'plain' ? { numberList: numbers } : {}),
    async untagged(line, raw, channel) {
      if (line.kind !== 'data') return;
      const bounds = channel.bounds();
      const fresh = () => new UidList(listBoundsOf(bounds, false));
      if (returns === 'plain' && line.name !== 'SEARCH')
        throw new ResponseViolation('an ESEARCH answer to a plain SEARCH');
      if (returns === 'all' && line.name !== 'ESEARCH')
        throw new ResponseViolation('a plain SEARCH answer to a SEARCH RETURN (ALL)');
      if (line.name === 'SEARCH') {
        await readPlainAnswer(raw, line.start, numbers(channel), channel.checkpoint);
        return;
      }
      const answer = await readEsearch(
        raw,
        line.start,
        listBoundsOf(bounds, false),
        channel.checkpoint,
      ).catch((error: unknown) => {
        throw tooManyResults(error, command, bounds.exists);
      });
      // RFC 5182: a SAVE-only search answers nothing; whatever came is bounded and not used.
      if (returns !== 'save') list = answer.all ?? fresh();
    },
    finish() {
      // RFC 3501 §6.4.4: `* SEARCH` is a required response, even when nothing matched. A completion
      // without it means the answer is still to come, and would be read as another command's.
      if (list === undefined && returns === 'plain')
        throw new ResponseViolation('a SEARCH completed without its * SEARCH answer');
      return list ?? new UidList({ maxValue: MAX_UID, maxLength: 0, ascending: true });
    },
  };
}

/** Where the numbers of a plain `* SEARCH` or `* SORT` answer go, and what a reading failure becomes. */
interface PlainAnswerTarget {
  readonly into: UidList;
  readonly failure: (error: unknown) => unknown;
}

// The list so far, or a new one within the bounds of the mailbox open now: the same whether the line
// was framed (`untagged`) or is read as it arrives (`numberList`).
function plainAnswerTarget(
  list: UidList | undefined,
  channel: CountingChannel,
  command: 'SEARCH' | 'SORT',
): PlainAnswerTarget {
  const bounds = channel.bounds();
  return {
    into: list ?? new UidList(listBoundsOf(bounds, false)),
    failure: (error: unknown) => tooManyResults(error, command, bounds.exists),
  };
}

// A framed plain answer, from `start` on, read into its target.
async function readPlainAnswer(
  raw: Buffer,
  start: number,
  target: PlainAnswerTarget,
  checkpoint: Checkpoint,
): Promise<void> {
  await readNumberList(raw, start, target.into, checkpoint).catch((error: unknown) => {
    throw target.failure(error);
  });
}

function tooManyResults(error: unknown, command: string, exists: number): unknown {
  if (
    error instanceof ResponseViolation &&
    /^more than \d+ UIDs listed$/.test(error.message) &&
    !error.tooLarge
  )
    return new ResponseViolation(
      `${command} returned more than ${exists} results for a mailbox of ${exists} messages`,
      true,
    );
  return error;
}

/**
 * Collects an ESEARCH `RETURN (COUNT)` (RFC 4731): the count must be there, be a number, and not
 * exceed the mailbox.
 *
 * @returns The collector; its result is `undefined` when the server answered with a plain SEARCH
 *   (it ignored `RETURN`) or left COUNT out, so the caller can fall back.
 */
export function countCollector(): ResponseCollector<number | undefined> {
  let answer: EsearchAnswer | undefined;
  let plain = false;
  let exists = 0;
  return {
    draws: 'search',
    async untagged(line, raw, channel) {
      if (line.kind !== 'data') return;
      exists = channel.bounds().exists;
      if (line.name === 'SEARCH') {
        plain = true;
        return;
      }
      answer = await readEsearch(raw, line.start, listBoundsOf(channel.bounds(), true), channel.checkpoint);
    },
    finish() {
      if (answer === undefined) {
        if (plain) return undefined;
        // RFC 4731 §3.1: a search matching nothing may be answered without COUNT... but still with ESEARCH.
        throw new ResponseViolation('a counting search answered without ESEARCH');
      }
      const { count } = answer;
      // RFC 4731 §3.1: COUNT is returned even when nothing matches; without it, 0 would be a guess:
      // the caller counts by dates instead (and warns, when the mailbox is known not to be empty).
      if (count === undefined) return undefined;
      if (count === null) throw new ResponseViolation('ESEARCH COUNT is not a number');
      if (count > exists)
        throw new ResponseViolation(`ESEARCH counted ${count} messages in a mailbox of ${exists}`);
      return count;
    },
  };
}

/**
 * Collects an ESEARCH `RETURN (MIN)` (RFC 4731): the lowest matching UID, or `undefined` when nothing
 * matches. Correlated by its TAG, so it can share a pipelined batch with other searches.
 *
 * @returns The collector.
 */
export function searchMinCollector(): ResponseCollector<number | undefined> {
  let answer: EsearchAnswer | undefined;
  return {
    draws: 'search',
    correlatedOnly: true,
    async untagged(line, raw, channel) {
      if (line.kind !== 'data') return;
      if (line.name !== 'ESEARCH')
        throw new ResponseViolation('a plain SEARCH answer to a SEARCH RETURN (MIN)');
      const bounds = channel.bounds();
      answer = await readEsearch(raw, line.start, listBoundsOf(bounds, true), channel.checkpoint);
      const { min } = answer;
      if (min === null || (min !== undefined && (min < 1 || (min > bounds.maxUid && bounds.grown !== true))))
        throw new ResponseViolation('ESEARCH MIN is not a UID of the mailbox');
      // Only mail delivered after the EXAMINE matched: none below its UIDNEXT.
      if (typeof min === 'number' && min > bounds.maxUid) answer = undefined;
    },
    finish() {
      return typeof answer?.min === 'number' ? answer.min : undefined;
    },
  };
}

/** What an ESORT `RETURN (MIN MAX COUNT)` tells. */
export interface SortSummary {
  readonly count: number;
  readonly firstUid: number | undefined;
  readonly lastUid: number | undefined;
}

/**
 * Collects a `UID SORT` answer in arrival order: plain `* SORT` numbers or an ESORT `ALL` set, kept as
 * runs within the mailbox's bounds.
 *
 * @returns The collector.
 */
export function sortCollector(): ResponseCollector<UidList> {
  let list: UidList | undefined;
  const numbers = (channel: CountingChannel): PlainAnswerTarget => {
    const target = plainAnswerTarget(list, channel, 'SORT');
    list = target.into;
    return target;
  };
  return {
    draws: 'sort',
    numberList: numbers,
    async untagged(line, raw, channel) {
      if (line.kind !== 'data') return;
      const bounds = channel.bounds();
      const listBounds = listBoundsOf(bounds, false);
      if (line.name === 'SORT') {
        await readPlainAnswer(raw, line.start, numbers(channel), channel.checkpoint);
        return;
      }
      if (list !== undefined) throw new ResponseViolation('a second ESORT answer to one SORT');
      const answer = await readEsearch(raw, line.start, listBounds, channel.checkpoint).catch(
        (error: unknown) => {
          throw tooManyResults(error, 'SORT', bounds.exists);
        },
      );
      list = answer.all ?? new UidList(listBounds);
    },
    finish() {
      // RFC 5256 §3: `* SORT` is a required response (an ESORT answers with ESEARCH, RFC 5267 §3.2).
      if (list === undefined) throw new ResponseViolation('a SORT completed without its answer');
      return list;
    },
  };
}

/**
 * Collects an ESORT `RETURN (MIN MAX COUNT)`: MIN and MAX must be UIDs of the mailbox, COUNT at most
 * EXISTS, and all three present unless nothing matched.
 *
 * @returns The collector; its result is `undefined` when the mailbox announced mail delivered after its
 *   EXAMINE (the summary may count it, where the count reads only up to the EXAMINE's UIDNEXT).
 */
export function sortSummaryCollector(): ResponseCollector<SortSummary | undefined> {
  let answer: EsearchAnswer | undefined;
  let bounds: MailboxBounds = { exists: 0, maxUid: 0 };
  return {
    draws: 'sort',
    async untagged(line, raw, channel) {
      if (line.kind !== 'data' || line.name !== 'ESEARCH') return;
      bounds = channel.bounds();
      answer = await readEsearch(raw, line.start, listBoundsOf(bounds, true), channel.checkpoint);
    },
    finish() {
      if (answer === undefined)
        throw new ResponseViolation('a SORT RETURN (MIN MAX COUNT) answered without ESEARCH');
      if (bounds.grown === true) return undefined;
      const { count, min, max } = answer;
      if (count === undefined || count === 0) return { count: 0, firstUid: undefined, lastUid: undefined };
      if (count === null) throw new ResponseViolation('ESORT COUNT is not a number');
      if (count > bounds.exists)
        throw new ResponseViolation(`ESORT counted ${count} messages in a mailbox of ${bounds.exists}`);
      if (
        typeof min !== 'number' ||
        typeof max !== 'number' ||
        min < 1 ||
        max < 1 ||
        min > bounds.maxUid ||
        max > bounds.maxUid
      )
        throw new ResponseViolation('ESORT MIN or MAX is missing or not a UID of the mailbox');
      return { count, firstUid: min, lastUid: max };
    },
  };
}

/**
 * Takes one message's UID and INTERNALDATE in epoch seconds (see `ScannedRow`): two small integers, no
 * object per row.
 *
 * @example
 * ```ts
 * const onRow: DatedRowSink = (uid, internalDateSeconds) => tally.addSeconds(internalDateSeconds);
 * ```
 */
export type DatedRowSink = (uid: number, internalDateSeconds: number) => void;

const BASE62 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

// 1–9 as in decimal, then a–z, A–Z, 10...: RFC 3501 tags are any ASTRING-CHAR but "+".
function base62(value: number): string {
  let text = '';
  for (let rest = value; rest > 0; rest = Math.floor(rest / 62)) text = BASE62[rest % 62] + text;
  return text;
}

// `* SEARCH ` or `* SORT ` (any case) at the start of a line: a plain answer of numbers.
function numberListAnswerOf(head: Buffer): 'SEARCH' | 'SORT' | undefined {
  const start = head.toString('latin1', 0, 9).toUpperCase();
  if (start === '* SEARCH ') return 'SEARCH';
  if (start.startsWith('* SORT ')) return 'SORT';
  return undefined;
}

/** A command to pipeline through a {@link CountingChannel}, with the collector of its answer. */
export interface PipelinedCommand<T = unknown> {
  readonly command: string;
  readonly collector: ResponseCollector<T>;
}

/**
 * The `UID FETCH <set> (UID INTERNALDATE)` commands that date the UIDs asked for, one per sequence set
 * of at most `maxSetLength` characters, all pipelined, with collectors that share one state: each UID
 * asked for counts once (a repeated row is dropped), a dated row for a UID not asked for is a protocol
 * error, a malformed INTERNALDATE is reported (the message has no instant to count it at: the count
 * warns, `internal_date_malformed`); rows without a date (unsolicited flag updates, RFC 3501 §7.4.2)
 * are skipped. A server may answer the commands in parallel and interleave their rows (Dovecot does
 * when the client reads slower than it writes): rows are told apart by UID, so any command's
 * collector takes any of them, and each set's rows are remembered as runs ({@link SeenUidsBySet}).
 *
 * @example
 * ```ts
 * channel.send([{ command: 'EXAMINE "INBOX"', collector: examineCollector() },
 *   ...fetchDatesCommands(requested, onRow, report, 16 * 1024)]);
 * ```
 *
 * @param requested - The UIDs asked for, ascending.
 * @param onRow - Called once per UID asked for that the server dated.
 * @param onMalformed - Called once per UID whose date cannot be read, with the server's text.
 * @param maxSetLength - The longest sequence set, in characters (a server's command line limit).
 * @returns The commands, in UID order; none for no UIDs. Each resolves to the rows delivered so far.
 */
export function fetchDatesCommands(
  requested: UidList,
  onRow: DatedRowSink,
  onMalformed: (uid: number, raw: string) => void,
  maxSetLength: number,
): PipelinedCommand<number>[] {
  const sets = requested.sequenceSets(maxSetLength);
  const seen = new SeenUidsBySet(sets.map((set) => set.firstUid));
  const datedRow: DatedRowCollector = (uid, internalDateSeconds, channel, rawDate) => {
    if (!requested.includes(uid)) throw notAskedFor(uid);
    // The UIDs asked for were found in this mailbox before this EXAMINE: each is below its UIDNEXT,
    // and no more of them can exist than it announced.
    const { exists, maxUid } = channel.bounds();
    if (uid > maxUid) throw beyondMailbox(uid);
    assertRoomFor(uid, seen, exists, false);
    deliver(uid, internalDateSeconds, rawDate, seen, onRow, onMalformed);
  };
  return sets.map((set) => ({
    command: `UID FETCH ${set.text} (UID INTERNALDATE)`,
    collector: {
      draws: 'fetch',
      expectedRows: () => set.size,
      datedRow,
      finish: () => seen.size,
    },
  }));
}

type DatedRowCollector = NonNullable<ResponseCollector<unknown>['datedRow']>;

/** The UIDs a collector has delivered (a {@link SeenUids} or a {@link SeenUidsBySet}). */
interface DeliveredUids {
  readonly size: number;
  has(uid: number): boolean;
  add(uid: number): boolean;
}

// Built out of line: a template literal in a per-row function makes V8's optimized code box the row's
// numbers (a 1M count allocated 7.5 MB more with the message written inline; docs/performance.md).
function notAskedFor(uid: number): ResponseViolation {
  return new ResponseViolation(`a FETCH row for UID ${uid}, which was not asked for`);
}

function beyondMailbox(uid: number): ResponseViolation {
  return new ResponseViolation(`a FETCH row for UID ${uid}, beyond the mailbox`);
}

function moreRowsThanAskedFor(rows: number): ResponseViolation {
  return new ResponseViolation(`FETCH returned more than the ${rows} messages asked for`);
}

function deliver(
  uid: number,
  internalDateSeconds: number | null,
  rawDate: string | undefined,
  seen: DeliveredUids,
  onRow: DatedRowSink,
  onMalformed: (uid: number, raw: string) => void,
): void {
  if (!seen.add(uid)) return;
  if (internalDateSeconds === null) onMalformed(uid, rawDate ?? '');
  else onRow(uid, internalDateSeconds);
}

// No more distinct UIDs than the mailbox holds: a row for one more is refused.
function assertRoomFor(uid: number, seen: DeliveredUids, exists: number, tooLarge: boolean): void {
  if (seen.size >= exists && !seen.has(uid))
    throw new ResponseViolation(
      `FETCH returned more than ${exists} messages for a mailbox of ${exists}`,
      tooLarge,
    );
}

/**
 * Collects `UID FETCH $ (UID INTERNALDATE)` rows (RFC 5182 SEARCHRES: the UIDs the previous
 * `SEARCH RETURN (SAVE)` found, which the client never sees): each row's UID must be a UID of the
 * mailbox, each UID counts once, no more rows than the mailbox holds are accepted, and a malformed
 * INTERNALDATE is reported.
 *
 * @param onRow - Called once per UID.
 * @param onMalformed - Called once per UID whose date cannot be read, with the server's text.
 * @returns The collector; its result is the number of rows delivered.
 */
export function fetchSavedDatesCollector(
  onRow: DatedRowSink,
  onMalformed: (uid: number, raw: string) => void,
): ResponseCollector<number> {
  const seen = new SeenUids();
  return {
    draws: 'fetch',
    expectedRows: (bounds) => bounds.exists,
    datedRow(uid, internalDateSeconds, channel, rawDate) {
      const { exists, maxUid, grown } = channel.bounds();
      if (uid > maxUid) {
        // Delivered after the EXAMINE, which the mailbox announced: the next count reads it.
        if (grown === true) return;
        throw beyondMailbox(uid);
      }
      assertRoomFor(uid, seen, exists, true);
      deliver(uid, internalDateSeconds, rawDate, seen, onRow, onMalformed);
    },
    finish() {
      return seen.size;
    },
  };
}

/**
 * Collects `UID FETCH <from>:<to> (UID INTERNALDATE)` rows sent in the same flight as the EXAMINE of
 * their mailbox, before its UIDNEXT is known (the incremental count reads "every UID from the cursor's
 * floor" that way). A dated row for a UID outside `from:to` is a protocol error, each UID counts once,
 * no more rows than the mailbox holds are accepted, and rows at or above UIDNEXT of the EXAMINE (mail
 * delivered meanwhile, read by the next count) are dropped; a malformed INTERNALDATE is reported.
 *
 * @example
 * ```ts
 * const collector = fetchUidRangeCollector(120, 50_119, (row) => rows.push(row), report);
 * channel.send([{ command: 'EXAMINE "INBOX"', collector: examineCollector() },
 *   { command: 'UID FETCH 120:50119 (UID INTERNALDATE)', collector }]);
 * ```
 *
 * @param from - The first UID asked for.
 * @param to - The last UID asked for (at most 2³² − 1).
 * @param onRow - Called once per UID below UIDNEXT that the server dated.
 * @param onMalformed - Called once per UID whose date cannot be read, with the server's text.
 * @returns The collector; its result is the number of rows delivered.
 */
export function fetchUidRangeCollector(
  from: number,
  to: number,
  onRow: DatedRowSink,
  onMalformed: (uid: number, raw: string) => void,
): ResponseCollector<number> {
  let seen = new SeenUids();
  return {
    draws: 'fetch',
    expectedRows: (bounds) => Math.max(0, Math.min(bounds.exists, to - from + 1)),
    datedRow(uid, internalDateSeconds, channel, rawDate) {
      if (uid < from || uid > to) throw notAskedFor(uid);
      const { exists, maxUid } = channel.bounds();
      // Delivered after the EXAMINE: beyond the UIDNEXT the count reads up to.
      if (uid > maxUid) return;
      assertRoomFor(uid, seen, exists, true);
      deliver(uid, internalDateSeconds, rawDate, seen, onRow, onMalformed);
    },
    finish() {
      const delivered = seen.size;
      // Nothing more can come for this command: the set is not kept until the whole flight ends.
      seen = new SeenUids();
      return delivered;
    },
  };
}

/**
 * Collects `FETCH <n>:<m> (UID INTERNALDATE)` rows by sequence number (the last messages of the open
 * mailbox, whatever their UIDs): at most `rows` distinct UIDs, each below the EXAMINE's UIDNEXT (rows
 * of mail delivered since are dropped), a malformed INTERNALDATE reported.
 *
 * @example
 * ```ts
 * channel.send([{ command: 'FETCH 64999:65000 (UID INTERNALDATE)', collector: fetchLastRowsCollector(2, onRow, report) }]);
 * ```
 *
 * @param rows - How many rows were asked for.
 * @param onRow - Called once per UID the server dated.
 * @param onMalformed - Called once per UID whose date cannot be read, with the server's text.
 * @returns The collector; its result is the number of rows delivered.
 */
export function fetchLastRowsCollector(
  rows: number,
  onRow: DatedRowSink,
  onMalformed: (uid: number, raw: string) => void,
): ResponseCollector<number> {
  const seen = new SeenUids();
  return {
    draws: 'fetch',
    expectedRows: () => rows,
    datedRow(uid, internalDateSeconds, channel, rawDate) {
      const { exists, maxUid } = channel.bounds();
      if (uid > maxUid) return;
      if (seen.size >= rows && !seen.has(uid)) throw moreRowsThanAskedFor(rows);
      assertRoomFor(uid, seen, exists, false);
      deliver(uid, internalDateSeconds, rawDate, seen, onRow, onMalformed);
    },
    finish() {
      return seen.size;
    },
  };
}
