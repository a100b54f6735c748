import { ImapFlow } from 'imapflow';
import type { ImapConnectorConfig } from '../config/config-schema.js';
import type { ErrorCode } from '../errors/error-catalog.js';
import type { ConnectionPhase } from '../errors/failure-detail.js';
import type { ImapConnectorError } from '../errors/imap-connector-error.js';
import { secretFormsOf } from '../errors/secret-redaction.js';
import type { ListedMailbox } from '../mailboxes/listed-mailbox.js';
import type { ConnectorLogger } from './connector-logger.js';
import { classifyFailure } from './failure-classification.js';
import { skipSessionCommands } from './imapflow-internals.js';
import { imapFlowOptionsOf, type SessionPurpose } from './imapflow-options.js';
import { detectNonImapProtocol } from './protocol-detection.js';
import { ProtocolObserver } from './protocol-observer.js';

/** What opening a session needs besides the configuration. */
export interface SessionOptions {
  readonly purpose: SessionPurpose;
  readonly logger: ConnectorLogger;
  readonly signal?: AbortSignal | undefined;
  /** A limit on the whole session, whatever the stage (used by `testConnection`). */
  readonly overallTimeoutMs?: number | undefined;
}

// ID costs a round trip (two on Dovecot, whose short answer makes imapflow ask again) and tells
// nothing the greeting does not.
const SKIPPED_SESSION_COMMANDS = new Set(['ID']);
const LOGOUT_GRACE_MS = 2_000;
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
  #lastClientError: unknown;
  #onAbort: (() => void) | undefined;
  #closed = false;

  private constructor(config: ImapConnectorConfig, options: SessionOptions) {
    this.#config = config;
    this.#secrets = secretFormsOf(config.username, config.password);
    this.#signal = options.signal;
    connectionCounter += 1;
    this.#observer = new ProtocolObserver(options.logger, this.#secrets, `imap-${connectionCounter}`);
    this.#client = new ImapFlow(imapFlowOptionsOf(config, this.#observer.imapFlowLogger(), options.purpose));
    // Without a listener, imapflow's 'error' events (socket timeout, reset) crash the host process.
    this.#client.on('error', (error: unknown) => {
      this.#lastClientError = error;
    });
    skipSessionCommands(this.#client, SKIPPED_SESSION_COMMANDS);
    this.#observer.onPhaseChange = (phase) => this.#armLoginTimer(phase);
  }

  /**
   * Connects, negotiates TLS, logs in.
   *
   * @param config - The validated configuration.
   * @param options - Purpose, logger, signal and overall limit.
   * @returns The open session.
   * @throws {@link ImapConnectorError} for every failure, with the socket closed.
   */
  static async open(config: ImapConnectorConfig, options: SessionOptions): Promise<ImapSession> {
    const session = new ImapSession(config, options);
    session.#watchSignalAndDeadline(options.overallTimeoutMs);
    try {
      session.#throwIfAborted();
      await session.#client.connect();
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

  /** The server's greeting text, if it sent one with text. */
  get greeting(): string | undefined {
    const greeting = (this.#client as unknown as { greeting?: unknown }).greeting;
    return typeof greeting === 'string' && greeting.length > 0 ? greeting : undefined;
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
      return entries.map((entry) => ({
        path: entry.path,
        delimiter: entry.delimiter || undefined,
        flags: [...entry.flags],
        specialUse: entry.specialUse || undefined,
        specialUseSource: entry.specialUseSource,
      }));
    });
  }

  /** Logs out politely (bounded wait), then closes. Never throws. */
  async logout(): Promise<void> {
    if (this.#closed) return;
    const grace = new Promise<void>((resolve) => this.#timers.push(setTimeout(resolve, LOGOUT_GRACE_MS)));
    try {
      await Promise.race([this.#client.logout(), grace]);
    } catch {
      // The session's work is done; a failed LOGOUT changes nothing for the caller.
    }
    this.close();
  }

  /** Closes the socket at once and releases every timer and listener. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
    if (this.#loginTimer) clearTimeout(this.#loginTimer);
    if (this.#onAbort) this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#client.close();
  }

  async #guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      this.#throwIfAborted();
      return await work();
    } catch (error) {
      throw this.#fail(error);
    }
  }

  #fail(error: unknown): ImapConnectorError {
    const phase: ConnectionPhase = this.#observer.phase;
    const firstLine = this.#observer.firstServerLine;
    const detectedProtocol =
      firstLine === undefined || phase !== 'greeting' ? undefined : detectNonImapProtocol(firstLine);
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
      detectedProtocol,
    });
    this.close();
    return classified;
  }

  #throwIfAborted(): void {
    if (this.#signal?.aborted) throw new Error('Aborted by the caller');
  }

  #watchSignalAndDeadline(overallTimeoutMs: number | undefined): void {
    if (this.#signal) {
      this.#onAbort = () => this.#client.close();
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
        return 'CONNECT_TIMEOUT';
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
    if (this.#closed || this.#deadline) return;
    this.#deadline = { code, timeoutMs };
    this.#client.close();
  }
}

function isConnectionGone(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === 'NoConnection' || code === 'EConnectionClosed';
}
