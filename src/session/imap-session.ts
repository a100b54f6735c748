import { ImapFlow } from 'imapflow';
import type { ImapConnectorConfig } from '../config/config-schema.js';
import { type ErrorCode, formatCatalogMessage } from '../errors/error-catalog.js';
import type { ConnectionPhase, DetectedProtocol } from '../errors/failure-detail.js';
import { ImapConnectorError } from '../errors/imap-connector-error.js';
import { containsSecret, redactDeep, redactSecrets, secretFormsOf } from '../errors/secret-redaction.js';
import type { ConnectionLimiter, ConnectionPermit } from '../limits/connection-limiter.js';
import type { ConnectorLogger } from '../logger.js';
import type { ListedMailbox } from '../mailboxes/listed-mailbox.js';
import {
  ChannelClosed,
  CommandRefused,
  CountingChannel,
  countCollector,
  examineCollector,
  fetchDatesCommands,
  fetchLastRowsCollector,
  fetchSavedDatesCollector,
  fetchUidRangeCollector,
  type PipelinedCommand,
  type ResponseCollector,
  type SortSummary,
  searchCollector,
  searchMinCollector,
  sortCollector,
  sortSummaryCollector,
} from './counting-channel.js';
import {
  classifyFailure,
  isCommandRefusal,
  isConnectionGone,
  isNotConnectedRefusal,
  isTransientRefusal,
  notConnectedFailure,
  type SessionViolation,
} from './failure-classification.js';
import { internalDateMsOf, messageIdOf } from './fetched-fields.js';
import {
  authenticateUnlessLoginDisabled,
  disableNagle,
  greetingOf,
  hasExec,
  inFlightTagOf,
  interceptResponses,
  isTransportConnected,
  type SubscribedMailboxes,
  skipSessionCommands,
  skipSubscriptionsInListings,
  subscribedMailboxes,
  type TransportWatch,
  tapResponseLines,
  watchTransport,
  writeCommandLines,
} from './imapflow-internals.js';
import { imapFlowOptionsOf, type SessionPurpose } from './imapflow-options.js';
import { quotedMailboxName } from './mailbox-names.js';
import { resolvePassword } from './password-resolution.js';
import { detectNonImapProtocol, detectNonImapProtocolOfBytes } from './protocol-detection.js';
import { ProtocolObserver } from './protocol-observer.js';
import { dateWindowCriteria } from './search-criteria.js';
import { UidList, uidListOf } from './uid-list.js';

export type { SortSummary as ArrivalSummary } from './counting-channel.js';
export { UidList } from './uid-list.js';

/** A mailbox opened read-only. */
export interface ExaminedMailbox {
  readonly path: string;
  /** UIDVALIDITY as a decimal string (it is a 32-bit unsigned number; a string keeps it JSON-safe). */
  readonly uidValidity: string;
  /** UIDNEXT, or `null` when the server did not say (RFC 3501 requires it; a few servers omit it). */
  readonly uidNext: number | null;
  /** Messages in the mailbox (EXISTS). */
  readonly exists: number;
}

/** A date-only search window: two UTC midnights; the server applies them to its own local dates. */
export interface DateWindow {
  readonly sinceDayMs: number;
  readonly beforeDayMs: number;
}

/** One fetched message: its UID, INTERNALDATE, and an identity for deduplication when asked. */
export interface FetchedDate {
  readonly uid: number;
  readonly internalDateMs: number;
  readonly identity?: string;
}

/** A message whose INTERNALDATE the server sent in a form that cannot be read. */
export interface MalformedDate {
  readonly uid: number;
  /** The server's text, shortened. */
  readonly raw: string;
}

/** One mailbox of a pipelined batch: opened (its dates were streamed), or refused by the server. */
export type BatchedMailbox =
  | {
      readonly path: string;
      readonly examined: ExaminedMailbox;
      readonly unavailable?: undefined;
      /** The lowest UID in the extra window, when one was asked for (`null`: none matched). */
      readonly extraMin?: number | null;
    }
  | { readonly path: string; readonly examined?: undefined; readonly unavailable: ImapConnectorError };

/** What opening a session needs besides the configuration. */
export interface SessionOptions {
  readonly purpose: SessionPurpose;
  readonly logger: ConnectorLogger;
  readonly signal?: AbortSignal | undefined;
  /** A limit on the whole session, whatever the stage (used by `testConnection`). */
  readonly overallTimeoutMs?: number | undefined;
  /** Shared cap on connections: the session waits for a slot before connecting and frees it once closed. */
  readonly limiter?: ConnectionLimiter | undefined;
  /**
   * A slot taken already (instead of waiting on `limiter`): the session frees it once closed, or at
   * once if it cannot open.
   */
  readonly permit?: ConnectionPermit | undefined;
  /**
   * The password as resolved once for the whole operation (a count and its side connection share one
   * call of the host's password function); by default the session resolves it itself.
   */
  readonly password?: (() => Promise<string>) | undefined;
  /** A count's side connection, which only lists: no NOOP times the link in the login's flight. */
  readonly listingOnly?: boolean | undefined;
  /**
   * Connect and negotiate TLS at once, but log in only once this resolves (a side connection waits for
   * the counting connection's login, so a wrong password is tried once per count); a rejection fails
   * the session without sending the password.
   */
  readonly loginAfter?: Promise<unknown> | undefined;
  /**
   * Work the caller needs before its first command, started once the login is under way (not before
   * its command is written), so that it runs while the server checks the password.
   */
  readonly duringLogin?: (() => void) | undefined;
}

// ID costs a round trip (two on Dovecot, whose short answer makes imapflow ask again) and tells
// nothing the greeting does not. A count also skips imapflow's awaited NAMESPACE: it asks for it in
// the flight of its LIST instead (listMailboxes), and times the link with a NOOP sent with the login.
const SKIPPED_SESSION_COMMANDS = new Set(['ID']);
const SKIPPED_COUNT_SESSION_COMMANDS = new Set(['ID', 'NAMESPACE']);
// The tag of the NOOP that times the link, written right before the login (the channel's tags start
// at S1, imapflow's are hexadecimal numbers).
const PROBE_TAG = 'S0';
const LOGOUT_GRACE_MS = 2_000;
// A destroyed socket reports 'close' within a tick; this only bounds a slot's return if it never did.
const SLOT_RETURN_LIMIT_MS = 2_000;
const MAX_UNSOLICITED_FETCH_ROWS = 10_000;
// Enough to say how many and show examples; a server sending only bad dates must not grow it unbounded.
const MAX_REPORTED_MALFORMED_DATES = 10_000;
// Dovecot refuses command lines over 64 KiB (`imap_max_line_length`); other servers have like limits.
const MAX_SEQUENCE_SET_LENGTH = 16 * 1024;
// Answers only the SDK's counting channel asks for: reaching imapflow, they were never asked for (and
// imapflow would expand a range such as `1:4294967295` in them into an array).
const SEARCH_ANSWER = /^\* (?:SEARCH|ESEARCH|SORT)(?: |$)/i;
// What imapflow's LIST draws (RFC 3501 §7.2.2–3, RFC 5819 LIST-STATUS, XLIST): only imapflow reads it.
const IMAPFLOW_LISTING_ANSWER = /^(?:X?LIST|LSUB|STATUS) /i;
const NAMESPACE_ANSWER = /^\* NAMESPACE /i;
// The personal namespace is the answer's first item; a longer answer lists other users' and shared ones.
const MAX_NAMESPACE_ANSWER_BYTES = 4_096;
const ASTERISK = 0x2a;
const SPACE = 0x20;
const MAX_UID = 4_294_967_295;
let connectionCounter = 0;

/**
 * One authenticated IMAP connection, owned by the SDK: every deadline, the caller's AbortSignal and
 * every failure of the underlying client end here, as an {@link ImapConnectorError} and a closed socket.
 * Nothing outside `session/` touches imapflow.
 */
export class ImapSession {
  readonly #client: ImapFlow;
  readonly #observer: ProtocolObserver;
  readonly #channel: CountingChannel;
  readonly #config: ImapConnectorConfig;
  readonly #secrets: readonly string[];
  readonly #signal: AbortSignal | undefined;
  #timers: NodeJS.Timeout[] = [];
  #loginTimer: NodeJS.Timeout | undefined;
  #deadline: { code: ErrorCode; timeoutMs: number } | undefined;
  #violation: SessionViolation | undefined;
  /** The mailbox open now, with the UIDVALIDITY its UIDs belong to. */
  #selected: { path: string; uidValidity: string } | undefined;
  #lastClientError: unknown;
  #onAbort: (() => void) | undefined;
  #closed = false;
  readonly #permit: ConnectionPermit | undefined;
  /** The close of the socket seen last: imapflow drops its socket when it closes it itself (logout, BYE). */
  #transport: TransportWatch | undefined;
  #slotReturned: Promise<void> = Promise.resolve();
  /** Set when the first line the server sent was not an IMAP greeting. */
  #foreignProtocol: DetectedProtocol | undefined;
  /** Per mailbox path: UIDs whose INTERNALDATE could not be read, with the server's text. */
  readonly #malformedDates = new Map<string, Map<number, string>>();
  #malformedDateCount = 0;
  #greetingSeen = false;
  #interceptsResponses = false;
  /** Set while imapflow's LIST is in flight alongside the counting channel's commands. */
  #listingAlongside = false;
  /** EXAMINEs written on this connection so far: the mailbox open is the last one's, if it was answered OK. */
  #examinesWritten = 0;
  /**
   * Settles once the last pipelined batch ({@link datesInWindow}) has written its last command: without
   * SEARCHRES its fetches are written only when its searches have answered, and a LIST written alongside
   * must follow every EXAMINE of the batch (on Dovecot with Maildir, a LIST makes every later EXAMINE of
   * the session rescan its folder).
   */
  #batchWritten: Promise<void> = Promise.resolve();
  /** A count skips imapflow's NAMESPACE after login and sends its own with the LIST. */
  readonly #asksNamespaceItself: boolean;
  /** The personal namespace's prefix (RFC 2342), once known ('' for none). */
  #personalPrefix: string | undefined;
  /** Set while the channel's NAMESPACE is in flight: its answer is read here, before the channel. */
  #namespacePending = false;
  #namespaceAnswer: string | undefined;
  /** When the NOOP that times the link was written, until its completion arrives. */
  #probeSentAt: number | undefined;
  #probeRoundTripMs: number | undefined;
  // When the NOOP probe and the login went out together, and what the login took beyond a round trip.
  #loginSentAt: number | undefined;
  #loginServerMs: number | undefined;

  /** The forms of this session's password to redact from anything handed back (`secretFormsOf`). */
  get secrets(): readonly string[] {
    return this.#secrets;
  }

  private constructor(
    config: ImapConnectorConfig,
    password: string,
    options: SessionOptions,
    permit: ConnectionPermit | undefined,
  ) {
    this.#config = config;
    this.#permit = permit;
    this.#secrets = secretFormsOf(config.username, password);
    this.#signal = options.signal;
    connectionCounter += 1;
    const connectionId = `imap-${connectionCounter}`;
    this.#observer = new ProtocolObserver(options.logger, this.#secrets, connectionId);
    this.#client = new ImapFlow({
      ...imapFlowOptionsOf(config, password, this.#observer.imapFlowLogger(), options.purpose),
      // imapflow draws a random id otherwise, whose first draw loads Web Crypto (~1 ms of a cold count).
      id: connectionId,
    });
    // Without a listener, imapflow's 'error' events (socket timeout, reset) crash the host process.
    this.#client.on('error', (error: unknown) => {
      this.#lastClientError = error;
    });
    skipSubscriptionsInListings(this.#client);
    this.#asksNamespaceItself = options.purpose === 'count';
    skipSessionCommands(
      this.#client,
      this.#asksNamespaceItself ? SKIPPED_COUNT_SESSION_COMMANDS : SKIPPED_SESSION_COMMANDS,
    );
    const { loginAfter } = options;
    authenticateUnlessLoginDisabled(this.#client, {
      ...(this.#asksNamespaceItself && options.listingOnly !== true
        ? { beforeAuthenticate: () => this.#sendProbe() }
        : {}),
      ...(loginAfter === undefined ? {} : { waitBeforeAuthenticate: () => loginAfter.then(() => undefined) }),
      ...(options.duringLogin === undefined ? {} : { whileAuthenticating: options.duringLogin }),
    });
    this.#channel = new CountingChannel({
      write: (lines) => {
        if (!writeCommandLines(this.#client, lines)) throw new Error('imapflow offers no writer');
      },
      violation: (error) =>
        this.#breakOff({
          code: error.tooLarge ? 'RESPONSE_TOO_LARGE' : 'PROTOCOL_ERROR',
          description: error.message,
        }),
      uidValidity: (uidValidity) => this.#checkUidValidity(uidValidity),
      traceCommand: (line) => this.#observer.traceCommand(line),
      traceResponse: (line, isRow) => this.#observer.traceResponse(line, isRow),
    });
    const interceptsResponses = interceptResponses(this.#client, (line, literalCount) =>
      this.#takeResponse(line, literalCount),
    );
    this.#interceptsResponses = interceptsResponses;
    // While the channel has commands in flight, its lines are read before imapflow frames them; what
    // the tap leaves (see `tapResponseLines`) still reaches `#takeResponse` through imapflow, in order:
    // the lines that are not the channel's (the NOOP probe, the NAMESPACE answer, imapflow's LIST).
    if (interceptsResponses)
      tapResponseLines(this.#client, {
        engaged: () => this.#channel.active,
        claims: (line) => !this.#isOutsideChannel(line),
        take: (line) => this.#channel.take(line, 0),
        // A dated FETCH row: none of the commands imapflow has in flight alongside (the NOOP probe,
        // NAMESPACE, LIST) draws one.
        takeInPlace: (bytes, from) => this.#channel.takeDatedRows(bytes, from),
        streamLongLine: (head) => this.#channel.streamLongLine(head),
        failed: (error) =>
          this.#breakOff({
            code: isOversizedInput(error) ? 'RESPONSE_TOO_LARGE' : 'PROTOCOL_ERROR',
            description: error.message,
          }),
      });
    this.#client.on('close', () => this.#channel.close());
    this.#observer.watchLoggedResponses = !interceptsResponses;
    this.#observer.inFlightTag = () => inFlightTagOf(this.#client);
    // A connection test reports the commands it sent; a count only needs the trace for a host logger.
    this.#observer.reportsCommands = options.purpose !== 'count';
    this.#observer.onPhaseChange = (phase) => {
      this.#watchTransport();
      this.#armLoginTimer(phase);
    };
    this.#observer.onFlood = (description) => this.#breakOff({ code: 'RESPONSE_TOO_LARGE', description });
    this.#observer.onUidValidity = (uidValidity) => this.#checkUidValidity(uidValidity);
  }

  /**
   * Fetches the password (when it is a function), connects, negotiates TLS, logs in.
   *
   * @param config - The validated configuration.
   * @param options - Purpose, logger, signal and overall limit.
   * @returns The open session.
   * @throws {@link ImapConnectorError} for every failure, with the socket closed.
   */
  static async open(config: ImapConnectorConfig, options: SessionOptions): Promise<ImapSession> {
    // The wait for a slot comes before the session's own deadlines start.
    const permit = options.permit ?? (await options.limiter?.acquire(config, { signal: options.signal }));
    let session: ImapSession;
    try {
      const password = await (options.password?.() ?? resolveSessionPassword(config, options));
      session = new ImapSession(config, password, options, permit);
    } catch (error) {
      permit?.release();
      throw error;
    }
    session.#watchSignalAndDeadline(options.overallTimeoutMs);
    try {
      session.#throwIfAborted();
      await session.#client.connect();
      session.#timeLogin();
      disableNagle(session.#client);
      session.#watchTransport();
      session.#observer.enter('command');
      return session;
    } catch (error) {
      throw session.#fail(error);
    }
  }

  /** The capabilities the server advertised after login, upper-case. */
  get capabilities(): string[] {
    return [...this.#client.capabilities.keys()].map((capability) => capability.toUpperCase());
  }

  /** The server's greeting text, if it sent one with text, with any echo of the password redacted. */
  get greeting(): string | undefined {
    const greeting = greetingOf(this.#client);
    return greeting === undefined ? undefined : redactSecrets(greeting, this.#secrets);
  }

  /**
   * A copy of plain data built from what the server sent (mailbox names, warnings quoting it) with every
   * form of the password redacted: a hostile server can name a mailbox after it.
   *
   * @param value - Plain, JSON-like data.
   * @returns The same shape, redacted.
   */
  redacted<T>(value: T): T {
    return redactDeep(value, this.#secrets);
  }

  /**
   * Whether the mailbox open now announced messages delivered after its EXAMINE (`* n EXISTS`): answers
   * may then name UIDs at or above its UIDNEXT, which a count leaves to the next one.
   */
  get openMailboxGrew(): boolean {
    return this.#channel.bounds().grown === true;
  }

  /**
   * The round-trip time to the server, for choosing how to count: on a count session, the NOOP sent in
   * the login's flight (answered before the login, without the server's password check); otherwise the
   * first command after login (NAMESPACE). `undefined` when it could not be timed.
   */
  get roundTripEstimateMs(): number | undefined {
    return this.#probeRoundTripMs ?? this.#observer.firstRoundTripMs();
  }

  /**
   * How long the server took to accept the login, beyond the round trip: from the LOGIN written (with
   * the NOOP that times the link) to its answer, less {@link roundTripEstimateMs}. Measured on count
   * sessions only; `undefined` elsewhere. A second login to the same server costs about as much.
   */
  get loginServerMsEstimate(): number | undefined {
    return this.#loginServerMs;
  }

  #timeLogin(): void {
    if (this.#loginSentAt === undefined || this.#probeRoundTripMs === undefined) return;
    this.#loginServerMs = Math.max(0, performance.now() - this.#loginSentAt - this.#probeRoundTripMs);
  }

  /**
   * Whether a text from the server (a mailbox path) holds any form of the password, for what cannot be
   * redacted without breaking it.
   *
   * @param text - The text.
   * @returns `true` when it does.
   */
  containsSecret(text: string): boolean {
    return containsSecret(text, this.#secrets);
  }

  /** The path of the mailbox open now, if any. */
  get selectedPath(): string | undefined {
    return this.#selected?.path;
  }

  /** The IMAP commands sent so far, by name, in order. */
  get commandsSent(): readonly string[] {
    return this.#observer.commandsSent;
  }

  /**
   * Lists every mailbox.
   *
   * @returns The mailboxes in server order.
   * @throws {@link ImapConnectorError}
   */
  async listMailboxes(): Promise<ListedMailbox[]> {
    return this.#guard(async () => {
      const namespace = this.#askNamespace();
      if (namespace === undefined) return this.#withinPersonalNamespace(await this.#list());
      const [, listed] = await this.#listingAlongsideChannel(namespace);
      return this.#withinPersonalNamespace(listed);
    });
  }

  async #list(): Promise<ListedMailbox[]> {
    const entries = await this.#client.list();
    // A server may repeat a LIST line (seen from proxies replaying a chunk): one mailbox is one
    // mailbox, whatever the number of lines naming it (RFC 3501 §7.2.2 names each once).
    const byPath = new Map<string, ListedMailbox>();
    for (const entry of entries) {
      if (typeof entry.path !== 'string' || byPath.has(entry.path)) continue;
      byPath.set(entry.path, {
        path: entry.path,
        delimiter: entry.delimiter || undefined,
        flags: [...entry.flags],
        specialUse: entry.specialUse || undefined,
        specialUseSource: entry.specialUseSource,
      });
    }
    return [...byPath.values()];
  }

  /**
   * Reads what arrived since an earlier count, in one pipelined write: per mailbox `EXAMINE` and
   * `UID FETCH <from>:<from + span − 1> (UID INTERNALDATE)` — the UIDs from the cursor's floor on, asked
   * for before UIDNEXT is known: rows at or above the UIDNEXT its EXAMINE announced are dropped — and
   * then a LIST of every mailbox, after the EXAMINEs (on Dovecot with Maildir, a LIST makes every later
   * EXAMINE of the session rescan its folder), with the NAMESPACE a count asks for itself before it. One
   * round trip for all of it (imapflow's listing may add an LSUB).
   *
   * @example
   * ```ts
   * const { opened, listed } = await session.datesFromUidsAndList(
   *   [{ path: 'INBOX', fromUid: 4_120 }], 50_000, (index, row) => rows[index].push(row));
   * ```
   *
   * @param mailboxes - Each mailbox and the first UID to read.
   * @param span - How many UIDs from `fromUid` on are asked for.
   * @param onRow - Called with the mailbox's index and each message's date, once per UID.
   * @returns Per mailbox, what EXAMINE said or why it could not be opened (`MAILBOX_UNAVAILABLE`); and
   *   every listed mailbox, as {@link listMailboxes} gives them.
   * @throws {@link ImapConnectorError} for a failure of the connection or a refusal that is not the mailbox's.
   */
  async datesFromUidsAndList(
    mailboxes: readonly { readonly path: string; readonly fromUid: number }[],
    span: number,
    onRow: (index: number, uid: number, internalDateSeconds: number) => void,
  ): Promise<{ opened: BatchedMailbox[]; listed: ListedMailbox[] }> {
    return this.#guard(async () => {
      this.#selected = undefined;
      const batch = this.#batch(
        mailboxes.map((mailbox) => mailbox.path),
        (index) => {
          const { path = '', fromUid = 1 } = mailboxes[index] ?? {};
          // A floor past the last UID there can be: nothing to read (the EXAMINE still tells UIDNEXT).
          if (!Number.isSafeInteger(fromUid) || fromUid < 1 || fromUid > MAX_UID) return [];
          const to = Math.min(MAX_UID, fromUid + Math.max(1, span) - 1);
          return [
            {
              command: `UID FETCH ${fromUid}:${to} (UID INTERNALDATE)`,
              collector: fetchUidRangeCollector(
                fromUid,
                to,
                (uid, internalDateSeconds) => onRow(index, uid, internalDateSeconds),
                (uid, raw) => this.#reportMalformedDate(path, uid, raw),
              ),
            },
          ];
        },
      );
      const namespace = this.#askNamespace();
      // Written in the same tick as the batch, after it: one flight.
      this.#listingAlongside = true;
      const listing = this.#list().finally(() => {
        this.#listingAlongside = false;
      });
      const [opened, , listed] = await Promise.all([batch, namespace, listing]);
      return { opened, listed: this.#withinPersonalNamespace(listed) };
    });
  }

  /**
   * Whether {@link listMailboxesAlongside} can list while a pipelined batch is in flight: every response
   * line can be told apart before imapflow reads it, so imapflow's LIST or LSUB can share the flight of
   * the channel's commands.
   */
  get listsAlongsideBatches(): boolean {
    return this.#interceptsResponses;
  }

  /**
   * Lists every mailbox right behind a pipelined batch that is still in flight (written by
   * {@link datesInWindow}, not awaited): one awaited round trip for both instead of two. imapflow writes
   * its LIST after the batch's last command (RFC 3501 §5.5 allows the pipelining) — on a server without
   * SEARCHRES, whose batch writes its fetches once its searches have answered, after those: every
   * EXAMINE of the batch reaches the server before the LIST (on Dovecot with Maildir a LIST makes every
   * later EXAMINE of the session rescan its folder). While both are in flight its lines (`* LIST`,
   * `* LSUB`, `* STATUS`, its own tag) are handed to imapflow, every other line to the channel. The
   * caller sends nothing on the channel until this settles. Without {@link listsAlongsideBatches}, this
   * is {@link listMailboxes} after `batch`.
   *
   * @param batch - The batch in flight.
   * @returns The batch's result and the mailboxes; when both fail, the failure that came first (the
   *   other one is usually its consequence: the connection closed).
   * @throws {@link ImapConnectorError}
   */
  async listMailboxesAlongside<T>(batch: Promise<T>): Promise<[T, ListedMailbox[]]> {
    if (!this.listsAlongsideBatches) {
      const done = await batch;
      return [done, await this.listMailboxes()];
    }
    const written = this.#batchWritten;
    // The batch went through #guard already (datesInWindow); NAMESPACE and LIST go through it here.
    const listing = this.#guard(async () => {
      await written;
      const namespace = this.#askNamespace();
      const [, listed] = await this.#listingAlongsideChannel(namespace ?? Promise.resolve(undefined));
      return this.#withinPersonalNamespace(listed);
    });
    return bothOrFirstFailure(batch, listing);
  }

  /**
   * Whether {@link subscriptionsAlongside} can ask: batches are listed alongside
   * ({@link listsAlongsideBatches}) and the server speaks IMAP4rev1, whose LSUB IMAP4rev2 removed.
   */
  get asksSubscriptionsAlongside(): boolean {
    return this.listsAlongsideBatches && hasExec(this.#client) && this.capabilities.includes('IMAP4REV1');
  }

  /**
   * Asks for the subscribed mailboxes (`LSUB "" "*"`, with NAMESPACE first when the session asks it
   * itself) right behind a pipelined batch still in flight, in the same flight. On Dovecot with Maildir,
   * unlike a LIST (or STATUS), an LSUB makes no later EXAMINE of the session rescan its folder: a count
   * can open the subscribed mailboxes first and list after their EXAMINEs (docs/counting.md,
   * "Subscribed mailboxes before the list"). Settles once the answer is in and the batch has written its
   * last command (without SEARCHRES, its fetches), not when the batch is done: what the caller writes
   * next follows the batch's commands, while the batch's answers may still be arriving.
   *
   * @param batch - The batch in flight (its failure, if it comes first, is this call's).
   * @param limit - The most mailboxes taken from the answer.
   * @returns The subscribed mailboxes of the personal namespace, or `undefined` when the session cannot
   *   ask ({@link asksSubscriptionsAlongside}) or the server refused LSUB.
   * @throws {@link ImapConnectorError} for a failure of the connection or of the batch.
   */
  async subscriptionsAlongside(
    batch: Promise<unknown>,
    limit: number,
  ): Promise<SubscribedMailboxes | undefined> {
    const client = this.#client;
    if (!this.asksSubscriptionsAlongside || !hasExec(client)) {
      await batch;
      return undefined;
    }
    const written = this.#batchWritten;
    const asking = this.#guard(async () => {
      const namespace = this.#askNamespace();
      const [, answer] = await this.#alongsideChannel(namespace ?? Promise.resolve(undefined), () =>
        subscribedMailboxes(client, limit).catch((error: unknown) => {
          if (isCommandRefusal(error) && !isNotConnectedRefusal(error)) return undefined;
          throw error;
        }),
      );
      await written;
      if (answer === undefined) return undefined;
      return { ...answer, mailboxes: this.#withinPersonalNamespace(answer.mailboxes) };
    });
    // The batch's failure when it comes first; the answer, whether or not the batch is done.
    const failed = batch.then(() => asking);
    failed.catch(() => undefined);
    return Promise.race([asking, failed]);
  }

  // imapflow's LIST written while the channel's commands are in flight (RFC 3501 §5.5): its lines go
  // to imapflow, the rest to the channel (#takeResponse). Unguarded: the caller runs it inside #guard.
  async #listingAlongsideChannel<T>(inFlight: Promise<T>): Promise<[T, ListedMailbox[]]> {
    return this.#alongsideChannel(inFlight, () => this.#list());
  }

  // An imapflow listing command (LIST, LSUB) written while the channel's commands are in flight: its
  // lines go to imapflow while it runs. Unguarded: the caller runs it inside #guard.
  async #alongsideChannel<T, L>(inFlight: Promise<T>, command: () => Promise<L>): Promise<[T, L]> {
    this.#listingAlongside = true;
    const listing = command().finally(() => {
      this.#listingAlongside = false;
    });
    return bothOrFirstFailure(inFlight, listing);
  }

  /**
   * Asks for the namespaces on the channel (RFC 2342), when this session skipped imapflow's and the
   * prefix is not known yet; the answer is read in #takeResponse. Unguarded: callers run it inside
   * #guard. imapflow lists from the personal
   * namespace's prefix (`LIST "INBOX." "*"` and `LIST "" "INBOX"` on Cyrus or Courier); listing
   * everything and keeping that namespace's mailboxes gives the same list without waiting for
   * NAMESPACE first. A refusal leaves the prefix empty, as imapflow does.
   */
  #askNamespace(): Promise<string> | undefined {
    if (!this.#asksNamespaceItself || this.#personalPrefix !== undefined) return undefined;
    if (!this.capabilities.includes('NAMESPACE')) {
      this.#personalPrefix = '';
      return undefined;
    }
    const [answer] = this.#channel.send([{ command: 'NAMESPACE', collector: namespaceCollector }]);
    this.#namespacePending = true;
    this.#namespaceAnswer = undefined;
    return (async () => {
      try {
        await answer;
      } catch (error) {
        if (!(error instanceof CommandRefused) || isNotConnectedRefusal(error)) throw error;
      } finally {
        this.#namespacePending = false;
      }
      this.#personalPrefix = personalPrefixOf(this.#namespaceAnswer);
      return this.#personalPrefix;
    })();
  }

  #withinPersonalNamespace(listed: ListedMailbox[]): ListedMailbox[] {
    const prefix = this.#personalPrefix;
    if (prefix === undefined || prefix === '') return listed;
    return listed.filter(
      (mailbox) => mailbox.path.toUpperCase() === 'INBOX' || mailbox.path.startsWith(prefix),
    );
  }

  // A NOOP written right before the login, in its flight: answered as soon as the server reads it
  // (RFC 3501 §6.1.2, any state), it times the link without the server's password check.
  #sendProbe(): void {
    if (this.#probeSentAt !== undefined || this.#probeRoundTripMs !== undefined) return;
    const line = `${PROBE_TAG} NOOP`;
    if (!writeCommandLines(this.#client, line)) return;
    this.#probeSentAt = performance.now();
    this.#loginSentAt = this.#probeSentAt;
    this.#observer.traceCommand(line);
  }

  /**
   * Opens a mailbox read-only (EXAMINE: RFC 3501 §6.3.2, no flag can change), through the SDK's
   * counting channel, or through imapflow when the mailbox's messages will be fetched with an identity
   * (imapflow's FETCH needs its own record of the open mailbox).
   *
   * @param path - The mailbox path.
   * @param options - `forIdentityFetch`: open it through imapflow.
   * @returns Its UIDVALIDITY, UIDNEXT and message count.
   * @throws {@link ImapConnectorError} (`MAILBOX_UNAVAILABLE` when the server refuses it).
   */
  async examine(path: string, options: { forIdentityFetch?: boolean } = {}): Promise<ExaminedMailbox> {
    return this.#guard(async () => {
      this.#selected = undefined;
      this.#examinesWritten += 1;
      const examined = options.forIdentityFetch
        ? await this.#examineWithImapflow(path)
        : await this.#examineOnChannel(path);
      this.#selected = { path, uidValidity: examined.uidValidity };
      return examined;
    }, path);
  }

  async #examineOnChannel(path: string): Promise<ExaminedMailbox> {
    const quoted = quotedMailboxName(path);
    if (quoted === undefined) {
      throw new MailboxRefusedError(path, {
        responseStatus: 'NO',
        responseText: 'A name no command can carry',
      });
    }
    const [answer] = this.#channel.send([{ command: `EXAMINE ${quoted}`, collector: examineCollector() }]);
    try {
      const { exists, uidValidity, uidNext } = await answer;
      return { path, uidValidity, uidNext: uidNext ?? null, exists };
    } catch (error) {
      // UNAVAILABLE, INUSE, LIMIT (RFC 5530) are about the server, not this mailbox: transient.
      if (error instanceof CommandRefused && !isTransientRefusal(error) && !isNotConnectedRefusal(error))
        throw new MailboxRefusedError(path, error);
      throw error;
    }
  }

  async #examineWithImapflow(path: string): Promise<ExaminedMailbox> {
    try {
      const mailbox = await this.#client.mailboxOpen(path, { readOnly: true });
      // imapflow resolves with nothing, or without UIDVALIDITY, when the connection went away in the
      // middle of the answer (an untagged BYE) or the answer was broken: never a TypeError.
      if (typeof mailbox !== 'object' || mailbox === null || typeof mailbox.uidValidity !== 'bigint') {
        if (!this.#client.usable) {
          throw Object.assign(new Error('The connection closed during EXAMINE'), { code: 'NoConnection' });
        }
        this.#breakOff({
          code: 'PROTOCOL_ERROR',
          description: `EXAMINE ${path}: no valid UIDVALIDITY in the answer`,
        });
        throw new Error('EXAMINE answered without a valid UIDVALIDITY');
      }
      const examined = {
        path,
        uidValidity: mailbox.uidValidity.toString(),
        uidNext: mailbox.uidNext,
        exists: mailbox.exists,
      };
      this.#channel.opened(examined);
      return examined;
    } catch (error) {
      this.#channel.opened(undefined);
      if (isCommandRefusal(error) && !isTransientRefusal(error) && !isNotConnectedRefusal(error))
        throw new MailboxRefusedError(path, error);
      throw error;
    }
  }

  /**
   * UIDs of the open mailbox whose INTERNALDATE falls on a server-local date in `[sinceDay, beforeDay)`
   * (RFC 3501 §6.4.4 SINCE/BEFORE: dates only, compared in a zone the client does not know).
   *
   * @param window - UTC midnights; only their dates are sent.
   * @returns UIDs in ascending order, as runs.
   */
  async searchByDate(window: DateWindow): Promise<UidList> {
    return this.#guard(async () => {
      const [uids] = this.#channel.send([
        { command: `UID SEARCH ${dateWindowCriteria(window)}`, collector: searchCollector() },
      ]);
      return (await uids).ascending();
    });
  }

  /**
   * Counts, without transferring UIDs (RFC 4731 ESEARCH `RETURN (COUNT)`), the messages of the open
   * mailbox on server-local dates in `[sinceDay, beforeDay)`, or all messages without a window. The
   * count must be a number no larger than the mailbox, or the count fails with `PROTOCOL_ERROR`.
   *
   * @param window - UTC midnights, or `undefined` for `ALL`.
   * @returns The count, or `undefined` when the server did not answer with ESEARCH (or refused it).
   */
  async countByDate(window: DateWindow | undefined): Promise<number | undefined> {
    return this.#guard(async () => {
      const [count] = this.#channel.send([
        {
          command: `UID SEARCH RETURN (COUNT) ${dateWindowCriteria(window)}`,
          collector: countCollector(),
        },
      ]);
      // A refused ESEARCH may just be a broken one (the caller then searches plainly), unless the
      // server said "not now" (RFC 5530), which no other search would change.
      const counted = await refusalAsUndefined(count, { unlessTransient: true });
      // Mail delivered since the EXAMINE, which the server announced, may be in the count, where the
      // count reads only up to the EXAMINE's UIDNEXT (the next one reads the rest from its floor): the
      // caller lists UIDs instead, which leaves the new ones out.
      return this.openMailboxGrew ? undefined : counted;
    });
  }

  /**
   * Counts the messages of the open mailbox matching each of several searches, all in one pipelined
   * write (RFC 4731 `UID SEARCH RETURN (COUNT) <keys>`). `onAnswer` hears when each answer arrived:
   * a WITHIN search (RFC 5032) is relative to the second the server started it, which the caller
   * estimates from that (server-clock-counts.ts).
   *
   * @param criteria - Search keys, one command each.
   * @param onAnswer - Called with a command's index and `performance.now()` when its answer arrived.
   * @returns Each count; `undefined` where the server refused the search (not for a "try later"
   *   refusal, which fails the count) or answered without COUNT.
   */
  async countEach(
    criteria: readonly string[],
    onAnswer: (index: number, atMs: number) => void = () => undefined,
  ): Promise<(number | undefined)[]> {
    if (criteria.length === 0) return [];
    return this.#guard(async () => {
      const counts = this.#channel.send(
        criteria.map((keys) => ({
          command: `UID SEARCH RETURN (COUNT) ${keys}`,
          collector: countCollector(),
        })),
      );
      return Promise.all(
        counts.map((count, index) =>
          refusalAsUndefined(count, { unlessTransient: true }).then((counted) => {
            onAnswer(index, performance.now());
            return counted;
          }),
        ),
      );
    });
  }

  /**
   * The UID and INTERNALDATE of the last messages of the open mailbox, by sequence number
   * (`FETCH <n>:<exists> (UID INTERNALDATE)`): whatever their UIDs, dates the server knows.
   *
   * @param exists - The mailbox's EXISTS.
   * @param rows - How many of its last messages.
   * @returns The messages whose dates could be read (a malformed one is left out), in no particular order.
   */
  async lastMessageDates(exists: number, rows: number): Promise<FetchedDate[]> {
    const first = Math.max(1, exists - rows + 1);
    if (exists < 1 || rows < 1) return [];
    return this.#guard(async () => {
      const found: FetchedDate[] = [];
      const [fetched] = this.#channel.send([
        {
          command: `FETCH ${first}:${exists} (UID INTERNALDATE)`,
          // A date that cannot be read is left out, not reported: the caller counts such a mailbox
          // another way, which reports it where it fails to count the message.
          collector: fetchLastRowsCollector(
            exists - first + 1,
            (uid, internalDateSeconds) => found.push({ uid, internalDateMs: internalDateSeconds * 1000 }),
            () => undefined,
          ),
        },
      ]);
      await fetched;
      return found;
    });
  }

  /** Whether the mailbox open now announced an expunge since its EXAMINE (another client removed mail). */
  get openMailboxShrank(): boolean {
    return this.#channel.bounds().shrunk === true;
  }

  /**
   * Streams the INTERNALDATE of the given messages of the open mailbox, once per UID asked for. Without
   * an identity, the SDK's own parser reads `UID FETCH (UID INTERNALDATE)` rows, all sequence sets
   * pipelined; a row for a UID not asked for fails the count with `PROTOCOL_ERROR`, a malformed date is
   * reported (`takeMalformedDates`). With `identity`, imapflow fetches the Message-ID (or the server's
   * email id) as well, set by set, with BODY.PEEK, which does not set \Seen. Bodies are never fetched.
   *
   * @param uids - Ascending UIDs.
   * @param options - `identity`: also fetch an identity for deduplication.
   * @param onMessage - Called for each message.
   */
  async fetchDates(
    uids: readonly number[] | UidList,
    options: { readonly identity: boolean },
    onMessage: (message: FetchedDate) => void,
  ): Promise<void> {
    const requested = uids instanceof UidList ? uids.ascending() : uidListOf(uids);
    if (requested.length === 0) return;
    await this.#guard(() =>
      options.identity
        ? this.#fetchDatesWithIdentity(requested, onMessage)
        : this.#fetchDatesOnChannel(requested, onMessage),
    );
  }

  async #fetchDatesOnChannel(requested: UidList, onMessage: (message: FetchedDate) => void): Promise<void> {
    const path = this.#selected?.path ?? '';
    const fetches = this.#channel.send(
      fetchDatesCommands(
        requested,
        (uid, internalDateSeconds) => onMessage({ uid, internalDateMs: internalDateSeconds * 1000 }),
        (uid, raw) => this.#reportMalformedDate(path, uid, raw),
        MAX_SEQUENCE_SET_LENGTH,
      ),
    );
    await Promise.all(fetches);
  }

  async #fetchDatesWithIdentity(
    requested: UidList,
    onMessage: (message: FetchedDate) => void,
  ): Promise<void> {
    const query = { uid: true, internalDate: true, headers: ['message-id'] };
    const countRow = this.#fetchRowCounter(requested.length);
    for (const set of requested.toSequenceSets(MAX_SEQUENCE_SET_LENGTH)) {
      for await (const message of this.#client.fetch(set, query, { uid: true })) {
        if (!countRow()) throw new Error('More FETCH rows than requested');
        const internalDateMs = internalDateMsOf(message.internalDate);
        if (internalDateMs === undefined) {
          // imapflow keeps the raw text when its own parse fails; a row without any is no message row.
          if (typeof message.internalDate === 'string') {
            this.#reportMalformedDate(this.#selected?.path ?? '', message.uid, message.internalDate);
          }
          continue;
        }
        const identity = message.emailId ?? messageIdOf(message.headers);
        onMessage({ uid: message.uid, internalDateMs, ...(identity === undefined ? {} : { identity }) });
      }
    }
  }

  /**
   * UIDs of the open mailbox's messages on server-local dates in `[sinceDay, beforeDay)`, in arrival
   * order (RFC 5256 SORT ARRIVAL: by INTERNALDATE), compact with ESORT (RFC 5267 `RETURN (ALL)`), kept
   * as runs.
   *
   * @param window - UTC midnights; only their dates are sent.
   * @returns UIDs in arrival order, or `undefined` when the server has no SORT or refuses it.
   */
  async sortByArrival(window: DateWindow): Promise<UidList | undefined> {
    const capabilities = this.capabilities;
    if (!capabilities.includes('SORT')) return undefined;
    const returns = capabilities.includes('ESORT') ? 'RETURN (ALL) ' : '';
    return this.#guard(async () => {
      const [uids] = this.#channel.send([
        {
          command: `UID SORT ${returns}(ARRIVAL) US-ASCII ${dateWindowCriteria(window)}`,
          collector: sortCollector(),
        },
      ]);
      return refusalAsUndefined(uids);
    });
  }

  /**
   * The earliest and the latest message (in arrival order) on server-local dates in
   * `[sinceDay, beforeDay)`, and their number, without the list (RFC 5267 `RETURN (MIN MAX COUNT)`).
   *
   * @param window - UTC midnights.
   * @returns The summary, or `undefined` when the server has no ESORT or refuses it.
   */
  async summarizeByArrival(window: DateWindow): Promise<SortSummary | undefined> {
    // (`undefined` too when the mailbox announced mail delivered since its EXAMINE: see countByDate.)
    if (!this.capabilities.includes('ESORT')) return undefined;
    return this.#guard(async () => {
      const [summary] = this.#channel.send([
        {
          command: `UID SORT RETURN (MIN MAX COUNT) (ARRIVAL) US-ASCII ${dateWindowCriteria(window)}`,
          collector: sortSummaryCollector(),
        },
      ]);
      return refusalAsUndefined(summary);
    });
  }

  /**
   * Opens each mailbox and streams the INTERNALDATE of every message on server-local dates in the
   * window, all mailboxes in one pipelined write: `EXAMINE`, `UID SEARCH RETURN (SAVE)` and
   * `UID FETCH $ (UID INTERNALDATE)` per mailbox with SEARCHRES (RFC 5182), one round trip for all of
   * them; without it, `EXAMINE` + `UID SEARCH` for all, then, once they have answered, `UID FETCH` of
   * the UIDs found for all (two): the mailbox the last EXAMINE opened first, without one, the others
   * each behind an `EXAMINE` again.
   *
   * @param paths - The mailboxes, in order.
   * @param window - UTC midnights; only their dates are sent.
   * @param onRow - Called with the mailbox's index in `paths` and each message's date, once per UID.
   * @param options - `extraWindow`: a second date window whose lowest UID is wanted per mailbox (the
   *   cursor's floor), searched in the same batch — with ESEARCH, a correlated
   *   `UID SEARCH RETURN (MIN)` beside the window's search; without it, a plain `UID SEARCH` with the
   *   fetches (one plain search per open mailbox in flight: two could not be told apart). `onExamined`:
   *   called with a mailbox's index and EXISTS as soon as its EXAMINE is answered, while the rest of
   *   the batch may still be in flight (not for a mailbox that could not be opened).
   * @returns Per mailbox, what EXAMINE said or why it could not be opened (`MAILBOX_UNAVAILABLE`).
   * @throws {@link ImapConnectorError} for a failure of the connection or a refusal that is not the mailbox's.
   */
  async datesInWindow(
    paths: readonly string[],
    window: DateWindow,
    onRow: (index: number, uid: number, internalDateSeconds: number) => void,
    options: {
      readonly extraWindow?: DateWindow | undefined;
      readonly onExamined?: ((index: number, messages: number) => void) | undefined;
    } = {},
  ): Promise<BatchedMailbox[]> {
    const { extraWindow, onExamined } = options;
    return this.#guard(async () => {
      this.#selected = undefined;
      this.#batchWritten = Promise.resolve();
      const criteria = dateWindowCriteria(window);
      const extras: (number | null)[] = [];
      const extraSearch = (index: number) =>
        extraWindow === undefined || !this.capabilities.includes('ESEARCH')
          ? []
          : [
              {
                command: `UID SEARCH RETURN (MIN) ${dateWindowCriteria(extraWindow)}`,
                collector: withResult(searchMinCollector(), (min) => {
                  extras[index] = min ?? null;
                }),
              },
            ];
      const withExtras = (opened: BatchedMailbox[]) =>
        opened.map((mailbox, index) => {
          const extraMin = extras[index];
          return mailbox.examined && extraMin !== undefined ? { ...mailbox, extraMin } : mailbox;
        });
      if (this.capabilities.includes('SEARCHRES')) {
        const opened = await this.#batch(
          paths,
          (index) => [
            ...extraSearch(index),
            { command: `UID SEARCH RETURN (SAVE) ${criteria}`, collector: searchCollector('save') },
            {
              command: 'UID FETCH $ (UID INTERNALDATE)',
              collector: fetchSavedDatesCollector(
                (uid, internalDateSeconds) => onRow(index, uid, internalDateSeconds),
                (uid, raw) => this.#reportMalformedDate(paths[index] ?? '', uid, raw),
              ),
            },
          ],
          onExamined,
        );
        return withExtras(opened);
      }
      const found: UidList[] = [];
      let written: () => void = () => undefined;
      this.#batchWritten = new Promise<void>((resolve) => {
        written = resolve;
      });
      try {
        const searched = this.#batch(
          paths,
          (index) => [
            ...extraSearch(index),
            {
              command: `UID SEARCH ${criteria}`,
              collector: withResult(searchCollector(), (uids) => {
                found[index] = uids.ascending();
              }),
            },
          ],
          onExamined,
        );
        const examinesWritten = this.#examinesWritten;
        const opened = await searched;
        // Without ESEARCH, the cursor's floor is searched with the fetches: a plain SEARCH of its own
        // mailbox's window, the only search of that mailbox in flight (its answer cannot be mistaken).
        const floorCriteria =
          extraWindow === undefined || this.capabilities.includes('ESEARCH')
            ? undefined
            : dateWindowCriteria(extraWindow);
        const hasRows = (position: number) => (found[position]?.length ?? 0) > 0;
        const toFetch = opened.flatMap((mailbox, index) =>
          mailbox.examined && (hasRows(index) || (floorCriteria !== undefined && mailbox.examined.exists > 0))
            ? [index]
            : [],
        );
        if (toFetch.length === 0) return withExtras(opened);
        // The mailbox the batch's last EXAMINE opened is still open when no EXAMINE was written since:
        // its fetch goes first, without an EXAMINE (a single mailbox, INBOX before the list, needs none).
        const lastExamined = paths.findLastIndex((path) => quotedMailboxName(path) !== undefined);
        const stillOpen =
          this.#examinesWritten === examinesWritten && toFetch.includes(lastExamined)
            ? lastExamined
            : undefined;
        const fetchesOf = (position: number): PipelinedCommand[] => [
          ...(hasRows(position)
            ? fetchDatesCommands(
                found[position] as UidList,
                (uid, internalDateSeconds) => onRow(position, uid, internalDateSeconds),
                (uid, raw) => this.#reportMalformedDate(paths[position] ?? '', uid, raw),
                MAX_SEQUENCE_SET_LENGTH,
              )
            : []),
          ...(floorCriteria !== undefined
            ? [
                {
                  command: `UID SEARCH ${floorCriteria}`,
                  collector: withResult(searchCollector(), (uids) => {
                    extras[position] = uids.ascending().at(0) ?? null;
                  }),
                },
              ]
            : []),
        ];
        const inOpen = stillOpen === undefined ? [] : this.#channel.send(fetchesOf(stillOpen));
        const reopened = toFetch.filter((position) => position !== stillOpen);
        const fetched = this.#batch(
          reopened.map((position) => paths[position] ?? ''),
          (index) => fetchesOf(reopened[index] as number),
        );
        written();
        const [, again] = await bothOrFirstFailure(Promise.all(inOpen), fetched);
        const result = withExtras(opened);
        for (const [index, mailbox] of again.entries()) {
          const position = reopened[index] as number;
          // Gone between the search and the fetch: what was read of it is not a count.
          if (mailbox.examined === undefined) {
            result[position] = mailbox;
            continue;
          }
          const before = opened[position]?.examined?.uidValidity;
          if (mailbox.examined.uidValidity === before) continue;
          // Replaced in between: the UIDs searched were another mailbox's.
          this.#breakOff({
            code: 'MAILBOX_CHANGED',
            description: `${mailbox.path} (UIDVALIDITY ${before} became ${mailbox.examined.uidValidity})`,
          });
          throw new Error('UIDVALIDITY changed between the search and the fetch');
        }
        return result;
      } finally {
        written();
      }
    });
  }

  // EXAMINE each mailbox followed by its commands, all in one write; a refused EXAMINE makes the
  // mailbox unavailable (its commands then fail harmlessly: RFC 3501 §6.3.1, nothing is selected).
  // `onExamined` hears each EXAMINE's EXISTS as soon as it is answered.
  async #batch(
    paths: readonly string[],
    commandsOf: (index: number) => PipelinedCommand[],
    onExamined?: (index: number, messages: number) => void,
  ): Promise<BatchedMailbox[]> {
    const commands: PipelinedCommand[] = [];
    const slots: { path: string; examine?: number; rest: number[] }[] = [];
    paths.forEach((path, index) => {
      const quoted = quotedMailboxName(path);
      if (quoted === undefined) {
        slots.push({ path, rest: [] });
        return;
      }
      const examine = commands.push({ command: `EXAMINE ${quoted}`, collector: examineCollector() }) - 1;
      this.#examinesWritten += 1;
      const rest = commandsOf(index).map((command) => commands.push(command) - 1);
      slots.push({ path, examine, rest });
    });
    const answers = this.#channel.send(commands);
    if (onExamined !== undefined) {
      slots.forEach((slot, index) => {
        if (slot.examine === undefined) return;
        (answers[slot.examine] as Promise<{ exists: number }>).then(
          ({ exists }) => onExamined(index, exists),
          // A refused EXAMINE is the loop's below.
          () => undefined,
        );
      });
    }
    const opened: BatchedMailbox[] = [];
    for (const slot of slots) {
      const examine = slot.examine === undefined ? undefined : answers[slot.examine];
      const refusal = await (examine === undefined
        ? Promise.resolve(
            new MailboxRefusedError(slot.path, {
              responseStatus: 'NO',
              responseText: 'A name no command can carry',
            }),
          )
        : (examine as Promise<unknown>).then(
            () => undefined,
            (error: unknown) => {
              if (
                error instanceof CommandRefused &&
                !isTransientRefusal(error) &&
                !isNotConnectedRefusal(error)
              )
                return new MailboxRefusedError(slot.path, error);
              throw error;
            },
          ));
      if (refusal !== undefined) {
        // The mailbox's own commands were refused too (nothing selected); nothing to wait for but them.
        await Promise.allSettled(slot.rest.map((index) => answers[index]));
        opened.push({ path: slot.path, unavailable: this.#fail(refusal, slot.path) });
        continue;
      }
      const { exists, uidValidity, uidNext } = (await examine) as Awaited<
        ReturnType<ReturnType<typeof examineCollector>['finish']>
      >;
      for (const index of slot.rest) {
        // An empty mailbox has nothing to search: a server refusing the search then changes no count.
        await (exists === 0 ? refusalAsUndefined(answers[index] as Promise<unknown>) : answers[index]);
      }
      opened.push({
        path: slot.path,
        examined: { path: slot.path, uidValidity, uidNext: uidNext ?? null, exists },
      });
    }
    return opened;
  }

  /**
   * The messages of a mailbox whose INTERNALDATE could not be read since the last call (each UID once,
   * the first raw text seen), for the caller to report: such a message has no instant to count it at.
   *
   * @param path - The mailbox.
   * @returns UIDs with the server's raw date text, redacted, in the order met.
   */
  takeMalformedDates(path: string): MalformedDate[] {
    const malformed = [...(this.#malformedDates.get(path) ?? [])].map(([uid, raw]) => ({ uid, raw }));
    this.#malformedDates.delete(path);
    return malformed;
  }

  #reportMalformedDate(path: string, uid: number, raw: string): void {
    if (this.#malformedDateCount >= MAX_REPORTED_MALFORMED_DATES) return;
    const ofMailbox = this.#malformedDates.get(path) ?? new Map<number, string>();
    if (ofMailbox.has(uid)) return;
    ofMailbox.set(uid, redactSecrets(raw, this.#secrets).slice(0, 64));
    this.#malformedDates.set(path, ofMailbox);
    this.#malformedDateCount += 1;
  }

  /**
   * Rejects with `ABORTED` when the caller's signal has fired. Every command checks it before it is
   * sent; a count whose last answers were read before an abort (from a progress callback, say) checks
   * it once more before it hands its result over, so the abort is honoured with nothing left to send.
   *
   * @throws {@link ImapConnectorError} `ABORTED`.
   */
  async ensureNotAborted(): Promise<void> {
    await this.#guard(async () => undefined);
  }

  /** Logs out politely (bounded wait), then closes; resolves once the connection slot, if any, is free. Never throws. */
  async logout(): Promise<void> {
    if (this.#closed) return this.#slotReturned;
    const grace = new Promise<void>((resolve) => this.#timers.push(setTimeout(resolve, LOGOUT_GRACE_MS)));
    try {
      await Promise.race([this.#client.logout(), grace]);
    } catch {
      // The session's work is done; a failed LOGOUT changes nothing for the caller.
    }
    this.close();
    await this.#slotReturned;
  }

  /** Closes the socket at once and releases every timer and listener. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
    if (this.#loginTimer) clearTimeout(this.#loginTimer);
    if (this.#onAbort) this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#channel.close();
    this.#closeClient();
    this.#slotReturned = this.#returnSlotWhenClosed(this.#transport?.closed ?? Promise.resolve());
  }

  /** Closes the client, first noting which socket must close before the connection slot is free. */
  #closeClient(): void {
    this.#watchTransport();
    this.#client.close();
  }

  #watchTransport(): void {
    if (this.#permit !== undefined) this.#transport = watchTransport(this.#client, this.#transport);
  }

  /** Frees the connection slot once the socket has closed (or after a bound, should it never say so). */
  #returnSlotWhenClosed(closed: Promise<void>): Promise<void> {
    const permit = this.#permit;
    if (permit === undefined) return Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SLOT_RETURN_LIMIT_MS);
    });
    return Promise.race([closed, bound]).then(
      () =>
        new Promise<void>((resolve) => {
          clearTimeout(timer);
          // One more turn of the event loop: the peer already has our FIN, and a server or proxy in this
          // process reads it in that turn's poll phase, before the next waiter's connection can arrive.
          setImmediate(() => {
            permit.release();
            resolve();
          });
        }),
    );
  }

  // Every response line, before imapflow: the counting channel's while it has commands in flight;
  // otherwise watched (flood cap, UIDVALIDITY) and handed to imapflow, unless it is a search answer
  // nobody asked for.
  #takeResponse(line: Buffer, literalCount: number): boolean | Promise<boolean> {
    if (!this.#greetingSeen) this.#checkGreeting(line);
    if (this.#probeSentAt !== undefined && isTaggedWith(line, PROBE_TAG)) {
      this.#probeRoundTripMs = performance.now() - this.#probeSentAt;
      this.#probeSentAt = undefined;
      this.#observer.traceResponse(line, false);
      return true;
    }
    if (this.#namespacePending && NAMESPACE_ANSWER.test(line.toString('latin1', 0, 12))) {
      // The first answer counts (RFC 2342 §5: one per command); its prefix is read once it completes.
      this.#namespaceAnswer ??= line.toString('utf8', 0, Math.min(line.length, MAX_NAMESPACE_ANSWER_BYTES));
      this.#observer.traceResponse(line, false);
      return true;
    }
    if (this.#listingAlongside && this.#isImapflowsLine(line)) {
      this.#observer.observeResponse(line);
      return false;
    }
    if (this.#channel.active) {
      const reading = this.#channel.take(line, literalCount);
      return reading === undefined ? true : reading.then(() => true);
    }
    this.#observer.observeResponse(line);
    if (this.#observer.phase === 'command' && SEARCH_ANSWER.test(line.toString('latin1', 0, 10))) {
      this.#breakOff({ code: 'PROTOCOL_ERROR', description: 'a search answer to no search' });
      return true;
    }
    return false;
  }

  // Lines that can arrive while the channel has commands in flight but are not the channel's: the NOOP
  // probe's completion, the answer to the session's NAMESPACE, and imapflow's LIST lines (#takeResponse
  // reads them; the tap leaves them to imapflow, which hands them there).
  #isOutsideChannel(line: Buffer): boolean {
    if (this.#probeSentAt !== undefined && isTaggedWith(line, PROBE_TAG)) return true;
    if (this.#namespacePending && NAMESPACE_ANSWER.test(line.toString('latin1', 0, 12))) return true;
    return this.#listingAlongside && this.#isImapflowsLine(line);
  }

  // While imapflow's LIST shares the flight with the channel's commands: its untagged answers and the
  // completion of its tag (imapflow's tags are hexadecimal; the channel's start with "S").
  #isImapflowsLine(line: Buffer): boolean {
    if (line[0] === ASTERISK) return IMAPFLOW_LISTING_ANSWER.test(line.toString('latin1', 2, 10));
    const tag = inFlightTagOf(this.#client);
    return tag !== undefined && isTaggedWith(line, tag);
  }

  async #guard<T>(work: () => Promise<T>, mailbox?: string): Promise<T> {
    try {
      this.#throwIfAborted();
      return await work();
    } catch (error) {
      // The socket's own error (reset, TLS alert) is emitted after the close that ended the channel's
      // commands: wait for it, it says why better.
      if (error instanceof ChannelClosed && this.#lastClientError === undefined)
        await new Promise<void>((resolve) => setImmediate(resolve));
      throw this.#fail(error, mailbox);
    }
  }

  #fail(failure: unknown, mailbox?: string): ImapConnectorError {
    const error = isNotConnectedRefusal(failure) ? notConnectedFailure(failure) : failure;
    if (error instanceof MailboxRefusedError) {
      const refusal = classifyFailure(error.refusal, {
        host: this.#config.host,
        phase: 'command',
        secrets: this.#secrets,
      });
      return new ImapConnectorError({
        code: 'MAILBOX_UNAVAILABLE',
        message: formatCatalogMessage('MAILBOX_UNAVAILABLE', {
          bodyExcerpt: refusal.detail.serverResponse ?? redactSecrets(error.path, this.#secrets),
        }),
        detail: { ...refusal.detail, mailbox: redactSecrets(error.path, this.#secrets) },
        cause: refusal.cause,
      });
    }
    const phase: ConnectionPhase = this.#observer.phase;
    const firstLine = this.#observer.firstServerLine;
    const detectedProtocol =
      this.#foreignProtocol ??
      (firstLine === undefined || phase !== 'greeting' ? undefined : detectNonImapProtocol(firstLine));
    // A command that fails because the connection died reports the generic "no connection": the
    // 'error' event before it says why.
    const underlying =
      isConnectionGone(error) && this.#lastClientError !== undefined ? this.#lastClientError : error;
    const classified = classifyFailure(underlying, {
      host: this.#config.host,
      phase,
      secrets: this.#secrets,
      aborted: this.#signal?.aborted === true,
      ...(this.#deadline ? { deadline: this.#deadline } : {}),
      ...(this.#violation ? { violation: this.#violation } : {}),
      detectedProtocol,
    });
    this.close();
    if (mailbox === undefined) return classified;
    return new ImapConnectorError({
      code: classified.code,
      message: classified.message,
      detail: { ...classified.detail, mailbox: redactSecrets(mailbox, this.#secrets) },
      cause: classified.cause,
    });
  }

  /**
   * Counts the rows of one FETCH: one per UID asked for, plus the unsolicited flag updates another
   * client's changes may cause (RFC 3501 §7.4.2). A server sending far more is flooding: the connection
   * is broken off and the counter answers `false` from then on.
   */
  #fetchRowCounter(requested: number): () => boolean {
    let rows = 0;
    return () => {
      rows += 1;
      if (rows <= requested + MAX_UNSOLICITED_FETCH_ROWS) return true;
      this.#breakOff(tooManyRows(requested));
      return false;
    };
  }

  /**
   * Reads the server's first line the moment it arrives: an SMTP, HTTP, SSH or POP3 server (or any
   * line that is no IMAP greeting) ends the connection at once, instead of waiting out the greeting
   * timeout for a greeting that will never come.
   */
  #checkGreeting(line: Buffer): void {
    this.#greetingSeen = true;
    const protocol = detectNonImapProtocolOfBytes(line);
    if (protocol === undefined) return;
    this.#foreignProtocol = protocol;
    this.#breakOff({ code: 'NOT_IMAP_SERVER', description: `the server greeted as ${protocol}` });
  }

  #checkUidValidity(uidValidity: string): void {
    const selected = this.#selected;
    if (selected === undefined || selected.uidValidity === uidValidity) return;
    this.#breakOff({
      code: 'MAILBOX_CHANGED',
      description: `${selected.path} (UIDVALIDITY ${selected.uidValidity} became ${uidValidity})`,
    });
  }

  /** Closes the connection because the server broke a rule; the pending command fails with it. */
  #breakOff(violation: SessionViolation): void {
    if (this.#closed || this.#violation || this.#deadline) return;
    this.#violation = violation;
    this.#closeClient();
  }

  #throwIfAborted(): void {
    if (this.#signal?.aborted) throw new Error('Aborted by the caller');
  }

  #watchSignalAndDeadline(overallTimeoutMs: number | undefined): void {
    if (this.#signal) {
      this.#onAbort = () => this.#closeClient();
      this.#signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    if (overallTimeoutMs !== undefined) {
      this.#timers.push(
        setTimeout(() => this.#expire(this.#timeoutCodeOfPhase(), overallTimeoutMs), overallTimeoutMs),
      );
    }
  }

  #armLoginTimer(phase: ConnectionPhase): void {
    if ((phase === 'starttls' || phase === 'login') && this.#loginTimer === undefined) {
      const loginMs = this.#config.timeouts.loginMs;
      this.#loginTimer = setTimeout(() => this.#expire('LOGIN_TIMEOUT', loginMs), loginMs);
    } else if (phase === 'command' && this.#loginTimer !== undefined) {
      clearTimeout(this.#loginTimer);
    }
  }

  #timeoutCodeOfPhase(): ErrorCode {
    switch (this.#observer.phase) {
      case 'connect':
      case 'tls':
        return isTransportConnected(this.#client) ? 'GREETING_TIMEOUT' : 'CONNECT_TIMEOUT';
      case 'greeting':
        return 'GREETING_TIMEOUT';
      case 'starttls':
      case 'login':
        return 'LOGIN_TIMEOUT';
      default:
        return 'COMMAND_TIMEOUT';
    }
  }

  #expire(code: ErrorCode, timeoutMs: number): void {
    if (this.#closed || this.#deadline || this.#violation) return;
    this.#deadline = { code, timeoutMs };
    this.#closeClient();
  }
}

/**
 * The password for one session or operation: the configured text, or one call of the host's function,
 * within the login's time limit and the operation's overall one.
 *
 * @example
 * ```ts
 * const password = await resolveSessionPassword(config, { signal, overallTimeoutMs: 60_000 });
 * ```
 *
 * @param config - The validated configuration.
 * @param options - The caller's signal and the operation's overall limit.
 * @returns The password.
 * @throws {@link ImapConnectorError} `PASSWORD_UNAVAILABLE` or `ABORTED`.
 */
export function resolveSessionPassword(
  config: ImapConnectorConfig,
  options: Pick<SessionOptions, 'signal' | 'overallTimeoutMs'>,
): Promise<string> {
  return resolvePassword(config.password, {
    // Fetching the password is part of logging in, and of the operation's overall budget.
    timeoutMs: Math.min(config.timeouts.loginMs, options.overallTimeoutMs ?? Number.POSITIVE_INFINITY),
    signal: options.signal,
  });
}

/** A NO/BAD answer to EXAMINE: the mailbox, not the connection, is the problem. */
class MailboxRefusedError extends Error {
  constructor(
    readonly path: string,
    readonly refusal: unknown,
  ) {
    super(`Mailbox ${path} refused`);
  }
}

function tooManyRows(requested: number): SessionViolation {
  return {
    code: 'RESPONSE_TOO_LARGE',
    description: `FETCH sent over ${MAX_UNSOLICITED_FETCH_ROWS} rows more than the ${requested} asked for`,
  };
}

// The same collector, with a hook on its result.
function withResult<T>(collector: ResponseCollector<T>, onResult: (result: T) => void): ResponseCollector<T> {
  return {
    ...collector,
    finish(completion) {
      const result = collector.finish(completion);
      onResult(result);
      return result;
    },
  };
}

async function refusalAsUndefined<T>(
  work: Promise<T | undefined>,
  options: { unlessTransient?: boolean } = {},
): Promise<T | undefined> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof CommandRefused && !(options.unlessTransient && isTransientRefusal(error)))
      return undefined;
    throw error;
  }
}

function isTaggedWith(line: Buffer, tag: string): boolean {
  return (
    line.length > tag.length && line[tag.length] === SPACE && line.toString('latin1', 0, tag.length) === tag
  );
}

// NAMESPACE is answered untagged and read by the session (#takeResponse), not by the channel.
const namespaceCollector: ResponseCollector<undefined> = {
  draws: 'none',
  untagged: () => undefined,
  finish: () => undefined,
};

/**
 * The prefix of the first personal namespace in a NAMESPACE answer (RFC 2342 §5:
 * `* NAMESPACE (("INBOX." ".")) NIL NIL`), '' when there is none (NIL), when it is not a quoted string
 * or when no answer came: imapflow's own default.
 *
 * @example
 * ```ts
 * personalPrefixOf('* NAMESPACE (("INBOX." ".")) NIL NIL'); // 'INBOX.'
 * ```
 *
 * @param answer - The untagged NAMESPACE line, if one came.
 * @returns The prefix.
 */
export function personalPrefixOf(answer: string | undefined): string {
  const quoted =
    answer === undefined ? undefined : /^\* NAMESPACE \(\("((?:[^"\\]|\\.)*)"/i.exec(answer)?.[1];
  return quoted === undefined ? '' : quoted.replace(/\\(.)/g, '$1');
}

// Both results; or, when either fails, the failure that came first: the other is usually its
// consequence (a failure closes the connection, and the other's commands end with it), and waiting for
// both means no rejection is left unhandled.
async function bothOrFirstFailure<A, B>(first: Promise<A>, second: Promise<B>): Promise<[A, B]> {
  let failure: { readonly error: unknown } | undefined;
  const noted = <T>(work: Promise<T>) =>
    work.catch((error: unknown) => {
      failure ??= { error };
      throw error;
    });
  const [a, b] = await Promise.allSettled([noted(first), noted(second)]);
  if (failure !== undefined) throw failure.error;
  if (a.status === 'rejected' || b.status === 'rejected') throw new Error('unreachable');
  return [a.value, b.value];
}

// imapflow's stream refuses a literal over `maxLiteralSize` (`LiteralTooLarge`) or a line over
// `maxLineLength`: too much input, as its own handler reports it, not a malformed one.
function isOversizedInput(error: Error): boolean {
  const code = (error as Error & { code?: unknown }).code;
  return code === 'LiteralTooLarge' || /exceeds maximum allowed size/i.test(error.message);
}
