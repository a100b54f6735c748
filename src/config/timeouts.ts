/**
 * How long each stage of a connection may take, in milliseconds.
 */
export interface ConnectionTimeouts {
  /** DNS lookup, TCP connect and (for `tls`) the TLS handshake, together. Default 10 000. */
  readonly connectMs: number;
  /** From connected to the server's greeting. Default 5 000: real servers greet at once, and a silent port usually means the wrong security mode. */
  readonly greetingMs: number;
  /** STARTTLS upgrade plus the login exchange. Default 10 000 (servers delay failed logins by a few seconds on purpose). */
  readonly loginMs: number;
  /** Longest silence allowed while waiting for the answer to any later command. Default 30 000. */
  readonly commandMs: number;
  /** Upper bound for a whole `testConnection()` call, whatever the stage. Default 15 000. */
  readonly testConnectionMs: number;
  /**
   * Upper bound for one try of `countSignals()` (one connection), whatever the stage: a server that keeps
   * trickling bytes never trips `commandMs`, this ends it. Default 600 000 (10 minutes).
   */
  readonly countSignalsMs: number;
}

/** The defaults: a Test click against a black-holed host answers within 15 s, not imapflow's 90 s. */
export const defaultTimeouts: ConnectionTimeouts = {
  connectMs: 10_000,
  greetingMs: 5_000,
  loginMs: 10_000,
  commandMs: 30_000,
  testConnectionMs: 15_000,
  countSignalsMs: 600_000,
};

/** The largest timeout accepted for any stage: 10 minutes. */
export const maximumTimeoutMs = 600_000;
