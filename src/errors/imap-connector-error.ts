import { type ErrorCode, errorCatalog } from './error-catalog.js';
import type { FailureDetail } from './failure-detail.js';

/** What {@link ImapConnectorError} is built from. */
export interface ImapConnectorErrorOptions {
  /** The catalog row. */
  readonly code: ErrorCode;
  /** The message shown to the user; defaults to the catalog message without placeholders filled. */
  readonly message?: string;
  /** Machine-readable context: phase, the server's response code and excerpt, the field issues... */
  readonly detail?: FailureDetail;
  /** The original failure, already stripped of secrets. */
  readonly cause?: unknown;
}

/** The serializable form of an {@link ImapConnectorError}. */
export interface ImapConnectorErrorJson {
  /** Always `ImapConnectorError`. */
  readonly name: string;
  /** The catalog code. */
  readonly code: ErrorCode;
  /** The message shown to the user. */
  readonly message: string;
  /** The HTTP status a host API should answer with. */
  readonly httpStatus: number;
  /** Whether trying again later, unchanged, can succeed. */
  readonly retryable: boolean;
  /** What the user can do about it. */
  readonly fix: string;
  /** Machine-readable context. */
  readonly detail: FailureDetail;
}

/**
 * The one error class of the SDK. Thrown where failure is exceptional (an invalid configuration passed
 * to the constructor, a failed count); `testConnection()` returns the same fields as a result instead.
 *
 * It never carries a password: messages, `detail` and the `cause` chain are built from redacted copies.
 *
 * @example
 * ```ts
 * try {
 *   await connector.countSignals({ since, until });
 * } catch (error) {
 *   if (error instanceof ImapConnectorError && error.retryable) scheduleRetry();
 * }
 * ```
 */
export class ImapConnectorError extends Error {
  /** The catalog code; see {@link errorCatalog}. */
  readonly code: ErrorCode;
  /** The HTTP status a host API should answer with. */
  readonly httpStatus: number;
  /** Whether trying again later, unchanged, can succeed. */
  readonly retryable: boolean;
  /** What the user can do about it. */
  readonly fix: string;
  /** Machine-readable context. */
  readonly detail: FailureDetail;

  constructor(options: ImapConnectorErrorOptions) {
    const entry = errorCatalog[options.code];
    super(
      options.message ?? entry.message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'ImapConnectorError';
    this.code = options.code;
    this.httpStatus = entry.httpStatus;
    this.retryable = entry.retryable;
    this.fix = entry.fix;
    this.detail = options.detail ?? {};
  }

  /** A plain, serializable view (no `cause`, no stack) for logs and API responses. */
  toJSON(): ImapConnectorErrorJson {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      httpStatus: this.httpStatus,
      retryable: this.retryable,
      fix: this.fix,
      detail: this.detail,
    };
  }
}
