import type { Logger as ImapFlowLogger } from 'imapflow';
import type { ConnectionPhase } from '../errors/failure-detail.js';
import { redactSecrets } from '../errors/secret-redaction.js';
import { type ConnectorLogEntry, type ConnectorLogger, type LogFieldValue, silentLogger } from '../logger.js';
import { isCommandRefusal } from './failure-classification.js';

const LOGIN_COMMANDS = new Set(['LOGIN', 'AUTHENTICATE']);
// RFC 3501 §7.1: the response code a server sends when a mailbox's UIDs start over.
const UIDVALIDITY_RESPONSE = /^\* OK \[UIDVALIDITY (\d+)\]/i;
// "* OK [UIDVALIDITY 4294967295]" fits in 30 bytes; only a line's start is decoded.
const UIDVALIDITY_PREFIX_BYTES = 48;
const ASTERISK = 0x2a;
const PLUS = 0x2b;
/**
 * Untagged responses (FETCH rows aside, which the session counts itself) one command may draw. A
 * LIST of a few thousand mailboxes is the most a legitimate count sees; an endless stream of them is a
 * hostile server holding the connection (and the caller) forever while staying under every idle timer.
 */
export const MAX_UNTAGGED_PER_COMMAND = 50_000;
// Commands that belong to the stage before or around login and do not end it.
const PRE_SESSION_COMMANDS = new Set(['CAPABILITY', 'STARTTLS', 'ID', 'LOGIN', 'AUTHENTICATE']);

/**
 * Watches one imapflow connection through its logger: which stage it is in, how many commands went out,
 * what the server said first. imapflow logs every command and response at `debug` (FETCH rows at
 * `trace`), with LOGIN and AUTHENTICATE arguments masked; this is the only window into its protocol
 * state that its public API offers. Entries are forwarded to the host's logger with secrets redacted.
 */
export class ProtocolObserver {
  /** The stage the connection is in, as far as the protocol trace shows. */
  phase: ConnectionPhase = 'connect';
  /** IMAP commands written to the server, by name, in order. */
  readonly commandsSent: string[] = [];
  /** The first line the server sent, if any. */
  firstServerLine: string | undefined;
  /**
   * Whether {@link commandsSent} must stay complete once the session is ready, even for the silent
   * logger (a connection test reports the commands it sent).
   */
  reportsCommands = true;
  /** Whether {@link observeResponse} is fed from the trace, for an imapflow whose raw lines cannot be watched. */
  watchLoggedResponses = false;
  /** Called whenever {@link phase} changes. */
  onPhaseChange: ((phase: ConnectionPhase) => void) | undefined;
  /** Called with every UIDVALIDITY the server announces (RFC 3501 §2.3.1.1), as a decimal string. */
  onUidValidity: ((uidValidity: string) => void) | undefined;
  /** Called once when a command draws more than {@link MAX_UNTAGGED_PER_COMMAND} untagged responses. */
  onFlood: ((description: string) => void) | undefined;
  /** The tag of imapflow's command in flight, when it can be read. */
  inFlightTag: (() => string | undefined) | undefined;
  /** The error imapflow reported for the last command the server refused (NO/BAD), if any. */
  lastRefusal: unknown;

  #untaggedSinceCommand = 0;
  readonly #enteredAt = new Map<ConnectionPhase, number>();
  #firstRoundTripMs: number | undefined;

  readonly #hostLogger: ConnectorLogger;
  readonly #secrets: readonly string[];
  readonly #connectionId: string;

  constructor(hostLogger: ConnectorLogger, secrets: readonly string[], connectionId: string) {
    this.#hostLogger = hostLogger;
    this.#secrets = secrets;
    this.#connectionId = connectionId;
  }

  /** The logger object handed to imapflow. */
  imapFlowLogger(): ImapFlowLogger & { isLevelEnabled(level: string): boolean } {
    const forward = (level: 'debug' | 'info' | 'warn' | 'error') => (entry: unknown) => {
      this.#observe(entry);
      this.#forward(level, entry);
    };
    return {
      debug: forward('debug'),
      info: forward('info'),
      warn: forward('warn'),
      error: forward('error'),
      // FETCH rows are logged at trace: serialising them would cost more than the count itself. Once
      // the session is ready, commands and answers are serialised only for a host logger or a
      // connection test (which reports the commands it sent): a plain SEARCH answer of 100k UIDs
      // compiled for nobody made all-time counts without ESEARCH ~1.4× slower. The flood cap and the
      // UIDVALIDITY watch do not depend on it: they read raw lines (observeResponse).
      isLevelEnabled: (level: string) =>
        level !== 'trace' &&
        (this.phase !== 'command' ||
          this.reportsCommands ||
          this.watchLoggedResponses ||
          this.#hostLogger !== silentLogger),
    };
  }

  /** Marks a stage that the protocol trace cannot show (e.g. the greeting arrived, the session is ready). */
  enter(phase: ConnectionPhase): void {
    if (this.phase === phase) return;
    this.phase = phase;
    if (!this.#enteredAt.has(phase)) this.#enteredAt.set(phase, performance.now());
    this.onPhaseChange?.(phase);
  }

  #observe(entry: unknown): void {
    if (!isRecord(entry)) return;
    if (isCommandRefusal(entry['err'])) this.lastRefusal = entry['err'];
    if (typeof entry['msg'] !== 'string') return;
    const source = entry['src'];
    const message = entry['msg'];
    if (source === 's') {
      if (this.firstServerLine === undefined) this.firstServerLine = message;
      if (this.phase === 'connect') this.enter('greeting');
      if (this.watchLoggedResponses) this.observeResponse(Buffer.from(message, 'latin1'));
      return;
    }
    if (source !== 'c') return;
    // A logged command is "<tag> <COMMAND> [arguments]"; continuation writes start with "(*".
    const command = /^\S+\s+([A-Za-z]+)/.exec(message)?.[1]?.toUpperCase();
    if (command === undefined) return;
    this.commandsSent.push(command);
    if (command === 'STARTTLS') this.enter('starttls');
    else if (LOGIN_COMMANDS.has(command)) this.enter('login');
    else if (!PRE_SESSION_COMMANDS.has(command)) this.enter('command');
  }

  /**
   * Watches one server response line, as raw bytes, before imapflow handles it: counts untagged
   * responses per command (a tagged completion ends a command), and reports UIDVALIDITY announcements.
   *
   * @param line - The response line, without literals.
   */
  observeResponse(line: Buffer): void {
    const first = line[0];
    if (first !== ASTERISK && first !== PLUS) {
      // A tagged completion of the command in flight: the next command starts counting afresh, and
      // any refusal logged from here on belongs to this command. A tag never sent resets nothing (a
      // server could otherwise walk around the cap with forged completions).
      const tag = line.toString('latin1', 0, Math.min(line.length, 32)).split(' ', 1)[0];
      const inFlight = this.inFlightTag?.();
      if (inFlight === undefined || tag === inFlight) {
        const sentAt = this.#enteredAt.get('command');
        if (this.#firstRoundTripMs === undefined && sentAt !== undefined)
          this.#firstRoundTripMs = performance.now() - sentAt;
        this.#untaggedSinceCommand = 0;
        this.lastRefusal = undefined;
        return;
      }
    }
    // Continuation requests count too: an endless stream of "+" lines holds the connection as well.
    this.#untaggedSinceCommand += 1;
    if (this.#untaggedSinceCommand === MAX_UNTAGGED_PER_COMMAND + 1) {
      this.onFlood?.(`more than ${MAX_UNTAGGED_PER_COMMAND} untagged responses to one command`);
    }
    const uidValidity = UIDVALIDITY_RESPONSE.exec(line.toString('latin1', 0, UIDVALIDITY_PREFIX_BYTES))?.[1];
    if (uidValidity !== undefined) this.onUidValidity?.(uidValidity);
  }

  /**
   * The round trip of the first command after login (NAMESPACE, which servers answer from memory):
   * the network's round trip time, plus little server work, unlike the login's (authentication).
   *
   * @returns Milliseconds, or `undefined` when it was not seen.
   */
  firstRoundTripMs(): number | undefined {
    return this.#firstRoundTripMs;
  }

  /**
   * Records a command the SDK's counting channel sent, like imapflow's own in the trace.
   *
   * @param line - The tagged command line.
   */
  traceCommand(line: string): void {
    const command = /^\S+\s+([A-Za-z]+)/.exec(line)?.[1]?.toUpperCase();
    if (command !== undefined) this.commandsSent.push(command);
    if (this.#hostLogger !== silentLogger) this.#forward('debug', { src: 'c', msg: line });
  }

  /**
   * Records a response line the counting channel read (FETCH rows only at trace level, like imapflow).
   *
   * @param line - The raw line.
   * @param isRow - Whether it is a FETCH row.
   */
  traceResponse(line: Buffer, isRow: boolean): void {
    if (this.#hostLogger === silentLogger || isRow) return;
    this.#forward('debug', { src: 's', msg: line.toString('utf8', 0, Math.min(line.length, 1_024)) });
  }

  #forward(level: 'debug' | 'info' | 'warn' | 'error', entry: unknown): void {
    // Nobody listens: no entry is built, no secret searched for (imapflow logs every line of the login).
    if (this.#hostLogger === silentLogger || !isRecord(entry)) return;
    const fields: Record<string, LogFieldValue> = {};
    for (const [key, value] of Object.entries(entry)) {
      if (key === 'cid') continue;
      if (typeof value === 'string') fields[key] = redactSecrets(value, this.#secrets);
      else if (value instanceof Error) fields[key] = redactSecrets(value.message, this.#secrets);
      else if (typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
    }
    const safe: ConnectorLogEntry = {
      ...fields,
      component: 'imap-connector',
      connection: this.#connectionId,
      msg: typeof fields['msg'] === 'string' ? fields['msg'] : '',
    };
    try {
      this.#hostLogger[level](safe);
    } catch {
      // A failing host logger must not fail the connection it is only watching.
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
