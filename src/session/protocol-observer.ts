import type { Logger as ImapFlowLogger } from 'imapflow';
import type { ConnectionPhase } from '../errors/failure-detail.js';
import { redactSecrets } from '../errors/secret-redaction.js';
import { type ConnectorLogger, silentLogger } from './connector-logger.js';

const LOGIN_COMMANDS = new Set(['LOGIN', 'AUTHENTICATE']);
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
  /** Whether {@link commandsSent} must stay complete once the session is ready (a connection test reports it). */
  traceCommandsAfterLogin = true;
  /** Called whenever {@link phase} changes. */
  onPhaseChange: ((phase: ConnectionPhase) => void) | undefined;

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
      // FETCH rows are logged at trace: serialising them would cost more than the count itself. Other
      // answers are serialised for the debug log too — a SEARCH answer of 100k UIDs included — so once
      // the session is ready, nothing is serialised that nobody reads (measured on the benchmark: an
      // all-time count without ESEARCH 1.8× faster, 22 MB less at 100k messages).
      isLevelEnabled: (level: string) =>
        level !== 'trace' &&
        (this.phase !== 'command' || this.traceCommandsAfterLogin || this.#hostLogger !== silentLogger),
    };
  }

  /** Marks a stage that the protocol trace cannot show (e.g. the greeting arrived, the session is ready). */
  enter(phase: ConnectionPhase): void {
    if (this.phase === phase) return;
    this.phase = phase;
    this.onPhaseChange?.(phase);
  }

  #observe(entry: unknown): void {
    if (!isRecord(entry) || typeof entry['msg'] !== 'string') return;
    const source = entry['src'];
    const message = entry['msg'];
    if (source === 's') {
      if (this.firstServerLine === undefined) this.firstServerLine = message;
      if (this.phase === 'connect') this.enter('greeting');
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

  #forward(level: 'debug' | 'info' | 'warn' | 'error', entry: unknown): void {
    if (!isRecord(entry)) return;
    const safe: Record<string, unknown> = { component: 'imap-connector', connection: this.#connectionId };
    for (const [key, value] of Object.entries(entry)) {
      if (key === 'cid') continue;
      if (typeof value === 'string') safe[key] = redactSecrets(value, this.#secrets);
      else if (value instanceof Error) safe[key] = redactSecrets(value.message, this.#secrets);
      else if (typeof value === 'number' || typeof value === 'boolean') safe[key] = value;
    }
    this.#hostLogger[level](safe);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
