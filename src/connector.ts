import type { ImapConnectorConfig, ImapConnectorConfigInput } from './config/config-schema.js';
import type { SecurityMode } from './config/security-mode.js';
import { type ConfigValidationResult, validateConfig } from './config/validate-config.js';
import type { ConnectionTestResult } from './connection-test/connection-test-result.js';
import { testConnection } from './connection-test/test-connection.js';
import type { CountRangeInput } from './counting/count-range.js';
import type { CountSignalsOptions } from './counting/count-signals.js';
import { countSignalsWithRetries } from './counting/count-with-retries.js';
import { MailboxesCountedBefore } from './counting/mailboxes-counted-before.js';
import type { SignalCounts } from './counting/signal-counts.js';
import { formatCatalogMessage } from './errors/error-catalog.js';
import type { FieldIssue } from './errors/failure-detail.js';
import { ImapConnectorError } from './errors/imap-connector-error.js';
import type { ConnectionLimiter } from './limits/connection-limiter.js';
import { type ConnectorLogger, silentLogger } from './logger.js';
import { type RetryOptions, type RetryPolicy, retryPolicyOf } from './retry/retry-policy.js';

/** What `JSON.stringify(connector)` shows: where it connects, never the password. */
export interface ConnectorDescription {
  /** The IMAP host. */
  readonly host: string;
  /** The port. */
  readonly port: number;
  /** How the connection is protected. */
  readonly security: SecurityMode;
  /** The login name. */
  readonly username: string;
}

/** Options of the connector itself, as opposed to the mailbox settings. */
export interface ImapConnectorOptions {
  /** Where the SDK logs (pino-compatible). Silent by default; the IMAP trace is at `debug`, with credentials masked. */
  readonly logger?: ConnectorLogger | undefined;
  /**
   * How `countSignals` retries transient failures (reset, timeout, BYE, RFC 5530 UNAVAILABLE/INUSE/LIMIT),
   * each time on a new connection. Default: 3 tries, waits of about 0.5 s and 1 s. `{ attempts: 1 }`
   * turns it off. Login, certificate and configuration failures are never retried.
   */
  readonly retry?: RetryOptions | undefined;
  /**
   * A cap on simultaneous connections shared with other connectors: create one
   * {@link ConnectionLimiter} per process and pass it to every connector. `testConnection` and each try
   * of `countSignals` then wait for a slot (at most the limiter's `maxWaitMs`, then
   * `CONNECTION_SLOT_TIMEOUT`; the caller's signal ends the wait with `ABORTED`). Default: no cap.
   */
  readonly limiter?: ConnectionLimiter | undefined;
}

/** Options of {@link ImapConnector.testConnection}. */
export interface TestConnectionOptions {
  /** Cancels the test; it then resolves with code `ABORTED` and the connection closed. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * One IMAP mailbox: test that its settings work, then count the email it sent and received.
 *
 * The configuration is validated once, in the constructor. The connector holds no open connection
 * between calls and persists nothing; each call opens, uses and closes its own. It does remember, in
 * memory, the paths of the mailboxes its last full count counted, and opens them earlier in the next
 * one (a round trip less on an account whose counted folders are not subscribed): keeping one
 * connector per account between counts is slightly faster than building one per count, never different.
 *
 * @example
 * ```ts
 * const connector = new ImapConnector({
 *   host: 'imap.fastmail.com',
 *   port: 993,
 *   username: 'your.name@company.com',
 *   password: process.env.IMAP_APP_PASSWORD ?? '',
 * });
 * const result = await connector.testConnection();
 * console.log(result.ok ? `✅ ${result.message}` : `❌ ${result.message} — ${result.fix}`);
 * ```
 */
export class ImapConnector {
  readonly #config: ImapConnectorConfig;
  readonly #warnings: readonly FieldIssue[];
  readonly #logger: ConnectorLogger;
  readonly #retry: RetryPolicy;
  readonly #limiter: ConnectionLimiter | undefined;
  // In memory only: the next count opens these before its list (counting/mailboxes-counted-before.ts).
  readonly #countedBefore = new MailboxesCountedBefore();

  /**
   * Checks and normalizes connection settings without creating a connector; never throws.
   * The same as the standalone {@link validateConfig} export.
   *
   * @param input - Anything; typically the drawer's form values.
   * @returns The normalized configuration and warnings, or the field issues.
   */
  static validateConfig(input: unknown): ConfigValidationResult {
    return validateConfig(input);
  }

  /**
   * @param config - The mailbox settings; validated with {@link validateConfig}.
   * @param options - Logger, retry policy and a shared connection limiter.
   * @throws {@link ImapConnectorError} with code `CONFIG_INVALID` and the field issues in `detail.issues`.
   */
  constructor(config: ImapConnectorConfigInput, options: ImapConnectorOptions = {}) {
    const validation = validateConfig(config);
    const retry = retryPolicyOf(options.retry);
    if (!validation.ok || !retry.ok) {
      throw configInvalid([...(validation.ok ? [] : validation.issues), ...(retry.ok ? [] : retry.issues)]);
    }
    this.#config = validation.config;
    this.#warnings = validation.warnings;
    this.#logger = options.logger ?? silentLogger;
    this.#retry = retry.policy;
    this.#limiter = options.limiter;
  }

  /** Remarks about the configuration (non-fatal), as {@link validateConfig} found them. */
  get warnings(): readonly FieldIssue[] {
    return this.#warnings;
  }

  /**
   * Tests the settings the way the drawer's Test button does: connect, TLS, login, capabilities,
   * special-use mailboxes, logout. Resolves within `timeouts.testConnectionMs` (15 s by default), after
   * waiting for a slot of the connector's `limiter`, if it has one.
   *
   * @param options - An optional AbortSignal.
   * @returns `{ ok: true, message: 'Authenticated as …', … }` or `{ ok: false, code, message, fix, … }`;
   *   never rejects for a connection or login failure.
   *
   * @example
   * ```ts
   * const result = await connector.testConnection({ signal: AbortSignal.timeout(20_000) });
   * if (!result.ok) return response.status(result.httpStatus).json(result);
   * ```
   */
  testConnection(options: TestConnectionOptions = {}): Promise<ConnectionTestResult> {
    return testConnection(this.#config, {
      logger: this.#logger,
      warnings: this.#warnings,
      signal: options.signal,
      limiter: this.#limiter,
    });
  }

  /**
   * Counts the email the account sent and received in a range, by each message's INTERNALDATE (the
   * server's delivery or append time), exactly to the second, optionally per calendar day, ISO week or
   * month of an IANA time zone. Read-only: nothing in the mailbox changes, not even \Seen. Sent is the
   * `\Sent` mailboxes; received is INBOX, Archive and every other folder except Drafts, Junk, Trash,
   * virtual views ("All Mail", "Starred"), label views and `mailboxes.exclude`.
   *
   * The range is calendar periods of `timeZone`, `{ from: '2026-03-01', to: '2026-03-31' }` (both
   * included; also ISO weeks `2026-W10` and months `2026-03`), or instants `{ since, until }`
   * (half-open); an instant range that cuts a bucket is reported in `warnings`. Each bucket carries its
   * calendar `label` (`2026-03-29`, `2026-W13`, `2026-03`), local start and end with offset, length and
   * whether the range clips it, so a host can store it by `(account, label)`.
   *
   * @param range - `{ from, to }` (calendar) or `{ since, until }` (`Date`s or ISO-8601 strings with an offset).
   * @param options - `granularity`, `timeZone`, `signal`, `onProgress`, `retry`.
   * @returns Totals, labelled buckets, per-mailbox details, strategies and warnings, as plain data.
   * @throws {@link ImapConnectorError} `CONFIG_INVALID` for a bad range, field by field, before any
   *   connection (also beyond `rangeLimits`: until after 9999-12-30, more than 100,000 buckets), or the
   *   catalog code of the connection failure once transient failures have been retried (see
   *   {@link ImapConnectorOptions.retry}; `detail.attempts` says how many tries were made).
   *
   * @example
   * ```ts
   * const counts = await connector.countSignals(
   *   { from: '2026-03-01', to: '2026-03-31' },
   *   { granularity: 'day', timeZone: 'Europe/Berlin' },
   * );
   * for (const bucket of counts.buckets) console.log(bucket.label, bucket.sent, bucket.received);
   * // 2026-03-29 has bucket.seconds === 82800: DST started that day.
   * ```
   */
  countSignals(range: CountRangeInput, options: CountSignalsOptions = {}): Promise<SignalCounts> {
    const retry =
      options.retry === undefined
        ? { ok: true as const, policy: this.#retry }
        : this.#retryFor(options.retry);
    if (!retry.ok) return Promise.reject(configInvalid(retry.issues));
    return countSignalsWithRetries(
      this.#config,
      {
        logger: this.#logger,
        selection: this.#config.mailboxes,
        limiter: this.#limiter,
        countedBefore: this.#countedBefore,
      },
      retry.policy,
      range,
      options,
    );
  }

  #retryFor(overrides: RetryOptions): ReturnType<typeof retryPolicyOf> {
    return retryPolicyOf({
      attempts: overrides.attempts ?? this.#retry.attempts,
      initialDelayMs: overrides.initialDelayMs ?? this.#retry.initialDelayMs,
      maxDelayMs: overrides.maxDelayMs ?? this.#retry.maxDelayMs,
    });
  }

  /** A safe description for `JSON.stringify`: where it connects, never the password. */
  toJSON(): ConnectorDescription {
    const { host, port, security, username } = this.#config;
    return { host, port, security, username };
  }

  /** What `util.inspect` and `console.log` show: the same safe description. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const { host, port, security, username } = this.#config;
    return `ImapConnector { ${username} @ ${host}:${port} (${security}) }`;
  }
}

/** The error a constructor or call with bad settings fails with: every field issue, in one message. */
function configInvalid(issues: readonly FieldIssue[]): ImapConnectorError {
  return new ImapConnectorError({
    code: 'CONFIG_INVALID',
    message: `${formatCatalogMessage('CONFIG_INVALID')}: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join(' ')}`,
    detail: { phase: 'config', issues: [...issues] },
  });
}
