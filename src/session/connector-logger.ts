/**
 * The logger a host can give the connector: any object with these four methods, such as a pino or
 * bunyan instance. Each call receives one plain object (`msg` plus fields). Nothing the connector logs
 * contains a password; the IMAP protocol trace (`debug` level) has LOGIN/AUTHENTICATE arguments masked.
 */
export interface ConnectorLogger {
  /** Protocol trace and internals. */
  debug(entry: Readonly<Record<string, unknown>>): void;
  /** Milestones (connected, counted). */
  info(entry: Readonly<Record<string, unknown>>): void;
  /** Degraded results (a role guessed, a mailbox skipped). */
  warn(entry: Readonly<Record<string, unknown>>): void;
  /** Failures. */
  error(entry: Readonly<Record<string, unknown>>): void;
}

/** The default: log nothing. The SDK never writes to the console on its own. */
export const silentLogger: ConnectorLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
