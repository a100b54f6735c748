/** The logger a host hands the connector, and the shape of every entry the connector logs. */

/**
 * A field value in a log entry: plain data only, never an object that could hold a socket or a secret.
 *
 * @example
 * ```ts
 * const attempt: LogFieldValue | undefined = entry['attempt'];
 * ```
 */
export type LogFieldValue = string | number | boolean;

/**
 * One entry the connector logs. Every entry has `component` and `msg`; the rest depends on the entry:
 *
 * - protocol trace (`debug`, from imapflow, redacted): `connection` (`imap-1`...), `src` (`c` for a
 *   command the client sent, `s` for a server line), and imapflow's own fields (`tnum`...);
 * - retries (`warn`): `code` (the `ErrorCode` of the failed try), `attempt`, `delayMs`;
 * - where a count with `mailboxListing: 'auto'` lists (`debug`): `mailboxListing` (`side-connection` or
 *   `same-connection`) and `roundTripMs`, the round trip measured with the login (absent when it could
 *   not be timed); a side connection that fails to list (`debug`): `code`.
 *
 * @example
 * ```ts
 * const logger: ConnectorLogger = {
 *   debug: () => {},
 *   info: (entry) => console.log(entry.msg),
 *   warn: (entry) => console.warn(entry.component, entry.msg, entry['code']),
 *   error: (entry) => console.error(entry.msg),
 * };
 * ```
 */
export interface ConnectorLogEntry {
  /** Always `imap-connector`, to filter the SDK's lines in a shared log. */
  readonly component: 'imap-connector';
  /** What happened, in words (a protocol line for the trace). */
  readonly msg: string;
  /** The connection the entry is about, e.g. `imap-3`. */
  readonly connection?: string;
  /** Entry-specific fields, listed above. */
  readonly [field: string]: LogFieldValue | undefined;
}

/**
 * The logger a host can give the connector: any object with these four methods, such as a pino or
 * bunyan instance. Each call receives one {@link ConnectorLogEntry}. Nothing the connector logs
 * contains a password; the IMAP protocol trace (`debug` level) has LOGIN/AUTHENTICATE arguments masked.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * const connector = new ImapConnector(config, { logger: pino({ level: 'info' }) });
 * ```
 */
export interface ConnectorLogger {
  /** Protocol trace and internals. */
  debug(entry: ConnectorLogEntry): void;
  /** Milestones (connected, counted). */
  info(entry: ConnectorLogEntry): void;
  /** Degraded results (a role guessed, a mailbox skipped, a try that will be retried). */
  warn(entry: ConnectorLogEntry): void;
  /** Failures. */
  error(entry: ConnectorLogEntry): void;
}

/**
 * The default: log nothing. The SDK never writes to the console on its own.
 *
 * @example
 * ```ts
 * const connector = new ImapConnector(config, { logger: silentLogger });
 * ```
 */
export const silentLogger: ConnectorLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/**
 * Hands the host's logger one entry of the SDK's own (not the protocol trace); a logger that throws is
 * ignored: a failing host logger must not stop what it reports on.
 *
 * @example
 * ```ts
 * logQuietly(logger, 'warn', 'countSignals failed; retrying', { code: 'CONNECTION_RESET', attempt: 1 });
 * ```
 *
 * @param logger - The host's logger.
 * @param level - The level.
 * @param msg - What happened.
 * @param fields - The entry's own fields.
 */
export function logQuietly(
  logger: ConnectorLogger,
  level: keyof ConnectorLogger,
  msg: string,
  fields: Readonly<Record<string, LogFieldValue>> = {},
): void {
  try {
    logger[level]({ component: 'imap-connector', msg, ...fields });
  } catch {
    // Deliberately ignored (see above).
  }
}
