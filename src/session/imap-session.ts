import { ImapFlow } from 'imapflow';
import type { ImapConnectorConfig } from '../config/config-schema.js';
import { type ErrorCode, formatCatalogMessage } from '../errors/error-catalog.js';
import type { ConnectionPhase, DetectedProtocol } from '../errors/failure-detail.js';
import { ImapConnectorError } from '../errors/imap-connector-error.js';
import { containsSecret, redactDeep, redactSecrets, secretFormsOf } from '../errors/secret-redaction.js';
import type { ConnectionLimiter, ConnectionPermit } from '../limits/connection-limiter.js';
import type { ConnectorLogger } from '../logger.js';
import type { ListedMailbox } from '../mailboxes/listed-mailbox.js';
import { type ArrivalSummary, sortUidsByArrival, summarizeByArrival } from './arrival-sort.js';
import {
  classifyFailure,
  isCommandRefusal,
  isTransientRefusal,
  type SessionViolation,
} from './failure-classification.js';
import { internalDateMsOf, messageIdOf } from './fetched-fields.js';
import {
  hasTransport,
  isTransportConnected,
  observeResponses,
  skipSessionCommands,
  transportClosed,
} from './imapflow-internals.js';
import { imapFlowOptionsOf, type SessionPurpose } from './imapflow-options.js';
import { fetchInternalDates } from './lean-fetch.js';
import { resolvePassword } from './password-resolution.js';
import { detectNonImapProtocol, detectNonImapProtocolOfBytes } from './protocol-detection.js';
import { ProtocolObserver } from './protocol-observer.js';
import { toSequenceSets } from './sequence-set.js';

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

/** What opening a session needs besides the configuration. */
export interface SessionOptions {
  readonly purpose: SessionPurpose;
  readonly logger: ConnectorLogger;
  readonly signal?: AbortSignal | undefined;
  /** A limit on the whole session, whatever the stage (used by `testConnection`). */
  readonly overallTimeoutMs?: number | undefined;
  /** Shared cap on connections: the session waits for a slot before connecting and frees it once closed. */
  readonly limiter?: ConnectionLimiter | undefined;
}

// ID costs a round trip (two on Dovecot, whose short answer makes imapflow ask again) and tells
// nothing the greeting does not.
const SKIPPED_SESSION_COMMANDS = new Set(['ID']);
const LOGOUT_GRACE_MS = 2_000;
// A destroyed socket reports 'close' within a tick; this only bounds a slot's return if it never did.
const SLOT_RETURN_LIMIT_MS = 2_000;
const MAX_UNSOLICITED_FETCH_ROWS = 10_000;
// Enough to say how many and show examples; a server sending only bad dates must not grow it unbounded.
const MAX_REPORTED_MALFORMED_DATES = 10_000;
let connectionCounter = 0;

/**
 * One authenticated IMAP connection, owned by the SDK: every deadline, the caller's AbortSignal and
 * every failure of the underlying client end here, as an {@link ImapConnectorError} and a closed socket.
 * Nothing outside `session/` touches imapflow.
 */
export class ImapSession {
  readonly #client: ImapFlow;
  readonly #observer: ProtocolObserver;
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
  #transportClosed: Promise<void> = Promise.resolve();
  #slotReturned: Promise<void> = Promise.resolve();
  /** Set when the first line the server sent was not an IMAP greeting. */
  #foreignProtocol: DetectedProtocol | undefined;
  readonly #malformedDates = new Map<number, string>();
  #greetingSeen = false;

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
    this.#observer = new ProtocolObserver(options.logger, this.#secrets, `imap-${connectionCounter}`);
    this.#client = new ImapFlow(
      imapFlowOptionsOf(config, password, this.#observer.imapFlowLogger(), options.purpose),
    );
    // Without a listener, imapflow's 'error' events (socket timeout, reset) crash the host process.
    this.#client.on('error', (error: unknown) => {
      this.#lastClientError = error;
    });
    skipSessionCommands(this.#client, SKIPPED_SESSION_COMMANDS);
    const watchesRawResponses = observeResponses(this.#client, (line) => {
      if (!this.#greetingSeen) this.#checkGreeting(line);
      this.#observer.observeResponse(line);
    });
    this.#observer.watchLoggedResponses = !watchesRawResponses;
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
    const permit = await options.limiter?.acquire(config, { signal: options.signal });
    let session: ImapSession;
    try {
      const password = await resolvePassword(config.password, {
        // Fetching the password is part of logging in, and of the operation's overall budget.
        timeoutMs: Math.min(config.timeouts.loginMs, options.overallTimeoutMs ?? Number.POSITIVE_INFINITY),
        signal: options.signal,
      });
      session = new ImapSession(config, password, options, permit);
    } catch (error) {
      permit?.release();
      throw error;
    }
    session.#watchSignalAndDeadline(options.overallTimeoutMs);
    try {
      session.#throwIfAborted();
      await session.#client.connect();
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
    const greeting = (this.#client as unknown as { greeting?: unknown }).greeting;
    return typeof greeting === 'string' && greeting.length > 0
      ? redactSecrets(greeting, this.#secrets)
      : undefined;
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
   * Whether a text from the server (a mailbox path) holds any form of the password, for what cannot be
   * redacted without breaking it.
   *
   * @param text - The text.
   * @returns `true` when it does.
   */
  containsSecret(text: string): boolean {
    return containsSecret(text, this.#secrets);
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
    });
  }

  /**
   * Opens a mailbox read-only (EXAMINE: RFC 3501 §6.3.2, no flag can change).
   *
   * @param path - The mailbox path.
   * @returns Its UIDVALIDITY, UIDNEXT and message count.
   * @throws {@link ImapConnectorError} (`MAILBOX_UNAVAILABLE` when the server refuses it).
   */
  async examine(path: string): Promise<ExaminedMailbox> {
    return this.#guard(async () => {
      try {
        this.#selected = undefined;
        const mailbox = await this.#client.mailboxOpen(path, { readOnly: true });
        const examined = examinedMailboxOf(path, mailbox);
        if (typeof examined === 'string') {
          this.#breakOff({ code: 'PROTOCOL_ERROR', description: examined });
          throw new Error(examined);
        }
        this.#selected = { path, uidValidity: examined.uidValidity };
        return examined;
      } catch (error) {
        // UNAVAILABLE, INUSE, LIMIT (RFC 5530) are about the server, not this mailbox: transient.
        if (isCommandRefusal(error) && !isTransientRefusal(error)) throw new MailboxRefusedError(path, error);
        throw error;
      }
    }, path);
  }

  /**
   * UIDs of the open mailbox whose INTERNALDATE falls on a server-local date in `[sinceDay, beforeDay)`
   * (RFC 3501 §6.4.4 SINCE/BEFORE: dates only, compared in a zone the client does not know).
   *
   * @param window - UTC midnights; only their dates are sent.
   * @returns UIDs in ascending order.
   */
  async searchByDate(window: DateWindow): Promise<number[]> {
    return this.#guard(async () => {
      const uids = await this.#withDateOnlySearch(() =>
        this.#client.search(
          { since: new Date(window.sinceDayMs), before: new Date(window.beforeDayMs) },
          { uid: true },
        ),
      );
      if (!Array.isArray(uids)) throw this.#searchRefusal();
      this.#checkResultCount(uids.length, 'SEARCH');
      return [...uids].sort((a, b) => a - b);
    });
  }

  /**
   * Counts, without transferring UIDs (RFC 4731 ESEARCH `RETURN (COUNT)`), the messages of the open
   * mailbox on server-local dates in `[sinceDay, beforeDay)`, or all messages without a window.
   *
   * @param window - UTC midnights, or `undefined` for `ALL`.
   * @returns The count, or `undefined` when the server did not answer with ESEARCH (or refused it).
   */
  async countByDate(window: DateWindow | undefined): Promise<number | undefined> {
    return this.#guard(async () => {
      const query = window
        ? { since: new Date(window.sinceDayMs), before: new Date(window.beforeDayMs) }
        : { all: true };
      const result = await this.#withDateOnlySearch(() =>
        this.#client.search(query, { uid: true, returnOptions: ['COUNT'] }),
      );
      // A refused ESEARCH may just be a broken one (the caller then searches plainly), unless the
      // server said "not now" (RFC 5530), which no other search would change.
      if (result === false || result === undefined) {
        if (isTransientRefusal(this.#observer.lastRefusal)) throw this.#searchRefusal();
        return undefined;
      }
      if (Array.isArray(result)) return undefined;
      return result.count ?? 0;
    });
  }

  /**
   * Streams the INTERNALDATE (and, when asked, the Message-ID or the server's email id) of the given
   * messages of the open mailbox, one row at a time. Bodies are never fetched; headers are read with
   * BODY.PEEK, which does not set \Seen.
   *
   * @param uids - Ascending UIDs.
   * @param withIdentity - Whether to fetch an identity for deduplication.
   * @param onMessage - Called for each message.
   */
  async fetchDates(
    uids: readonly number[],
    withIdentity: boolean,
    onMessage: (message: FetchedDate) => void,
  ): Promise<void> {
    if (uids.length === 0) return;
    await this.#guard(async () => {
      const query = withIdentity
        ? { uid: true, internalDate: true, headers: ['message-id'] }
        : { uid: true, internalDate: true };
      const countRow = this.#fetchRowCounter(uids.length);
      for (const set of toSequenceSets(uids)) {
        for await (const message of this.#client.fetch(set, query, { uid: true })) {
          if (!countRow()) throw new Error('More FETCH rows than requested');
          const internalDateMs = internalDateMsOf(message.internalDate);
          if (internalDateMs === undefined) {
            // imapflow keeps the raw text when its own parse fails; a row without any is no message row.
            if (typeof message.internalDate === 'string') {
              this.#reportMalformedDate(message.uid, message.internalDate);
            }
            continue;
          }
          const identity = withIdentity ? (message.emailId ?? messageIdOf(message.headers)) : undefined;
          onMessage({ uid: message.uid, internalDateMs, ...(identity === undefined ? {} : { identity }) });
        }
      }
    });
  }

  /**
   * UIDs of the open mailbox's messages on server-local dates in `[sinceDay, beforeDay)`, in arrival
   * order (RFC 5256 SORT ARRIVAL: by INTERNALDATE), compact with ESORT (RFC 5267 `RETURN (ALL)`).
   *
   * @param window - UTC midnights; only their dates are sent.
   * @returns UIDs in arrival order, or `undefined` when the server has no SORT or refuses it.
   */
  async sortByArrival(window: DateWindow): Promise<number[] | undefined> {
    const capabilities = this.capabilities;
    if (!capabilities.includes('SORT')) return undefined;
    return this.#guard(() =>
      refusalAsUndefined(sortUidsByArrival(this.#client, window, capabilities.includes('ESORT'))),
    );
  }

  /**
   * The earliest and the latest message (in arrival order) on server-local dates in
   * `[sinceDay, beforeDay)`, and their number, without the list (RFC 5267 `RETURN (MIN MAX COUNT)`).
   *
   * @param window - UTC midnights.
   * @returns The summary, or `undefined` when the server has no ESORT or refuses it.
   */
  async summarizeByArrival(window: DateWindow): Promise<ArrivalSummary | undefined> {
    if (!this.capabilities.includes('ESORT')) return undefined;
    return this.#guard(() => refusalAsUndefined(summarizeByArrival(this.#client, window)));
  }

  /**
   * Streams the INTERNALDATE of the given messages of the open mailbox, like {@link fetchDates} without
   * an identity, reading only the two fields of each row (about twice as fast on big fetches).
   *
   * @param uids - Ascending UIDs.
   * @param onMessage - Called for each message.
   */
  async fetchInternalDates(
    uids: readonly number[],
    onMessage: (message: FetchedDate) => void,
  ): Promise<void> {
    if (uids.length === 0) return;
    const countRow = this.#fetchRowCounter(uids.length);
    const sent = await this.#guard(async () => {
      for (const set of toSequenceSets(uids)) {
        const done = await fetchInternalDates(this.#client, set, (row) => {
          if (!countRow() || row === undefined) return;
          if ('malformedDate' in row) this.#reportMalformedDate(row.uid, row.malformedDate);
          else onMessage(row);
        });
        if (!done) return false;
      }
      return true;
    });
    if (!sent) await this.fetchDates(uids, false, onMessage);
  }

  /**
   * The messages whose INTERNALDATE could not be read since the last call (each UID once, the first raw
   * text seen), for the caller to report: such a message has no instant to count it at.
   *
   * @returns UIDs with the server's raw date text, redacted, in the order met.
   */
  takeMalformedDates(): MalformedDate[] {
    const malformed = [...this.#malformedDates].map(([uid, raw]) => ({ uid, raw }));
    this.#malformedDates.clear();
    return malformed;
  }

  #reportMalformedDate(uid: number, raw: string): void {
    if (this.#malformedDates.size >= MAX_REPORTED_MALFORMED_DATES || this.#malformedDates.has(uid)) return;
    this.#malformedDates.set(uid, redactSecrets(raw, this.#secrets).slice(0, 64));
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
    this.#closeClient();
    this.#slotReturned = this.#returnSlotWhenClosed(this.#transportClosed);
  }

  /** Closes the client, first noting which socket must close before the connection slot is free. */
  #closeClient(): void {
    this.#watchTransport();
    this.#client.close();
  }

  #watchTransport(): void {
    if (this.#permit !== undefined && hasTransport(this.#client)) {
      this.#transportClosed = transportClosed(this.#client);
    }
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

  async #guard<T>(work: () => Promise<T>, mailbox?: string): Promise<T> {
    try {
      this.#throwIfAborted();
      return await work();
    } catch (error) {
      throw this.#fail(error, mailbox);
    }
  }

  // imapflow turns since/before into WITHIN seconds relative to the *client's* clock whenever the
  // server offers WITHIN; date-only SINCE/BEFORE depend on no clock at all, which is what the
  // counting windows are built on.
  async #withDateOnlySearch<T>(search: () => Promise<T>): Promise<T> {
    const capabilities = this.#client.capabilities;
    const within = capabilities.get('WITHIN');
    const hadWithin = capabilities.has('WITHIN');
    capabilities.delete('WITHIN');
    try {
      return await search();
    } finally {
      if (hadWithin) capabilities.set('WITHIN', within ?? true);
    }
  }

  #fail(error: unknown, mailbox?: string): ImapConnectorError {
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

  // imapflow resolves a refused SEARCH as `false`, which must not read as "no messages".
  // imapflow also resolves `false` when the connection went away mid-SEARCH (a BYE, a close): that is
  // a lost connection, not a refusal.
  #searchRefusal(): unknown {
    if (this.#observer.lastRefusal !== undefined) return this.#observer.lastRefusal;
    if (!this.#client.usable) {
      return Object.assign(new Error('The connection closed during SEARCH'), { code: 'NoConnection' });
    }
    return Object.assign(new Error('The server refused the SEARCH command'), { responseStatus: 'NO' });
  }

  #checkResultCount(count: number, command: string): void {
    const exists = this.#client.mailbox ? this.#client.mailbox.exists : undefined;
    if (exists !== undefined && count > exists) {
      this.#breakOff({
        code: 'RESPONSE_TOO_LARGE',
        description: `${command} returned ${count} results for a mailbox of ${exists} messages`,
      });
      throw new Error('Result larger than the mailbox');
    }
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

// RFC 3501 §6.3.1/§7.3.1: EXISTS and UIDVALIDITY are required in the answer to SELECT/EXAMINE, and
// UIDVALIDITY and UIDNEXT are non-zero 32-bit numbers; a count cannot go on without them.
const MAX_UINT32 = 4_294_967_295;

/**
 * What imapflow parsed from an EXAMINE answer, checked: the mailbox, or what is wrong with the answer.
 */
function examinedMailboxOf(
  path: string,
  mailbox: { uidValidity?: unknown; uidNext?: unknown; exists?: unknown },
): ExaminedMailbox | string {
  const { uidValidity, uidNext, exists } = mailbox;
  if (typeof uidValidity !== 'bigint' || uidValidity < 1n || uidValidity > BigInt(MAX_UINT32))
    return `EXAMINE ${path}: no valid UIDVALIDITY in the answer`;
  if (typeof exists !== 'number' || !Number.isSafeInteger(exists) || exists < 0 || exists > MAX_UINT32)
    return `EXAMINE ${path}: no valid EXISTS in the answer`;
  // Some servers leave UIDNEXT out; the count does not need it, so only a wrong one is an error.
  if (uidNext === undefined) return { path, uidValidity: uidValidity.toString(), uidNext: null, exists };
  if (
    typeof uidNext !== 'number' ||
    !Number.isSafeInteger(uidNext) ||
    uidNext < 1 ||
    uidNext > MAX_UINT32 + 1
  )
    return `EXAMINE ${path}: the UIDNEXT in the answer is not a valid UID`;
  return { path, uidValidity: uidValidity.toString(), uidNext, exists };
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

async function refusalAsUndefined<T>(work: Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await work;
  } catch (error) {
    if (isCommandRefusal(error)) return undefined;
    throw error;
  }
}

function isConnectionGone(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === 'NoConnection' || code === 'EConnectionClosed';
}
