import type { Logger as ImapFlowLogger } from 'imapflow';
import type { ConnectionPhase } from '../errors/failure-detail.js';
import { redactSecrets } from '../errors/secret-redaction.js';
import type { ConnectorLogger } from './connector-logger.js';

const LOGIN_COMMANDS = new Set(['LOGIN', 'AUTHENTICATE']);
// RFC 3501 §7.1: the response code a server sends when a mailbox's UIDs start over.
const UIDVALIDITY_RESPONSE = /^\* OK \[UIDVALIDITY (\d+)\]/i;
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
  /** Called whenever {@link phase} changes. */
  onPhaseChange: ((phase: ConnectionPhase) => void) | undefined;
  /** Called with every UIDVALIDITY the server announces (RFC 3501 §2.3.1.1), as a decimal string. */
  onUidValidity: ((uidValidity: string) => void) | undefined;
  /** Called once when a command draws more than {@link MAX_UNTAGGED_PER_COMMAND} untagged responses. */
  onFlood: ((description: string) => void) | undefined;
  /** The error imapflow reported for the last command the server refused (NO/BAD), if any. */
  lastRefusal: unknown;

  #untaggedSinceCommand = 0;

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
      // server answers must stay on at debug even with a silent host logger: the flood cap and the
      // UIDVALIDITY watch read them here (turning them off after login made all-time counts without
      // ESEARCH 1.8× faster on the benchmark, but blind to both).
      isLevelEnabled: (level: string) => level !== 'trace',
    };
  }

  /** Marks a stage that the protocol trace cannot show (e.g. the greeting arrived, the session is ready). */
  enter(phase: ConnectionPhase): void {
    if (this.phase === phase) return;
    this.phase = phase;
    this.onPhaseChange?.(phase);
  }

  #observe(entry: unknown): void {
    if (!isRecord(entry)) return;
    if (isRefusal(entry['err'])) this.lastRefusal = entry['err'];
    if (typeof entry['msg'] !== 'string') return;
    const source = entry['src'];
    const message = entry['msg'];
    if (source === 's') {
      if (this.firstServerLine === undefined) this.firstServerLine = message;
      if (this.phase === 'connect') this.enter('greeting');
      this.#observeServerLine(message);
      return;
    }
    if (source !== 'c') return;
    this.#untaggedSinceCommand = 0;
    this.lastRefusal = undefined;
    // A logged command is "<tag> <COMMAND> [arguments]"; continuation writes start with "(*".
    const command = /^\S+\s+([A-Za-z]+)/.exec(message)?.[1]?.toUpperCase();
    if (command === undefined) return;
    this.commandsSent.push(command);
    if (command === 'STARTTLS') this.enter('starttls');
    else if (LOGIN_COMMANDS.has(command)) this.enter('login');
    else if (!PRE_SESSION_COMMANDS.has(command)) this.enter('command');
  }

  #observeServerLine(line: string): void {
    if (!line.startsWith('*')) return;
    this.#untaggedSinceCommand += 1;
    if (this.#untaggedSinceCommand === MAX_UNTAGGED_PER_COMMAND + 1) {
      this.onFlood?.(`more than ${MAX_UNTAGGED_PER_COMMAND} untagged responses to one command`);
    }
    const uidValidity = UIDVALIDITY_RESPONSE.exec(line)?.[1];
    if (uidValidity !== undefined) this.onUidValidity?.(uidValidity);
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
    try {
      this.#hostLogger[level](safe);
    } catch {
      // A failing host logger must not fail the connection it is only watching.
    }
  }
}

function isRefusal(value: unknown): boolean {
  if (!isRecord(value)) return false;
  return value['responseStatus'] === 'NO' || value['responseStatus'] === 'BAD';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
