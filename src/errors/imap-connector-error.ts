/** The error class every failure of the SDK is reported with, and the guard that recognises it across builds. */
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
  readonly name: 'ImapConnectorError';
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
 * Marks instances so {@link isImapConnectorError} recognises them when the ESM and the CommonJS build
 * are both loaded (each has its own class, so `instanceof` fails across them). `Symbol.for` is shared by
 * every copy of the SDK in a process.
 */
const BRAND = Symbol.for('@perfcopilot/imap-connector/ImapConnectorError');

/**
 * The one error class of the SDK. Thrown where failure is exceptional (an invalid configuration passed
 * to the constructor, a failed count); `testConnection()` returns the same fields as a result instead.
 *
 * It never carries a password: messages, `detail` and the `cause` chain are built from redacted copies.
 * Recognise it with {@link isImapConnectorError}, which also works across the ESM and CommonJS builds.
 *
 * @example
 * ```ts
 * try {
 *   await connector.countSignals({ since, until });
 * } catch (error) {
 *   if (isImapConnectorError(error) && error.retryable) scheduleRetry(error.detail);
 * }
 * ```
 */
export class ImapConnectorError extends Error {
  /** Always the literal `'ImapConnectorError'`, in both builds (a type a host can switch on). */
  override readonly name = 'ImapConnectorError' as const;
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
    this.code = options.code;
    this.httpStatus = entry.httpStatus;
    this.retryable = entry.retryable;
    this.fix = entry.fix;
    this.detail = options.detail ?? {};
    Object.defineProperty(this, BRAND, { value: true });
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

/**
 * Whether `value` is an {@link ImapConnectorError}, from this build or from the other one (an app
 * that `require`s the SDK while a dependency `import`s it loads both, and `instanceof` then fails).
 *
 * @param value - Anything caught.
 * @returns True for an error of this SDK, in any build.
 *
 * @example
 * ```ts
 * try {
 *   await connector.countSignals({ since, until });
 * } catch (error) {
 *   if (isImapConnectorError(error) && error.retryable) scheduleRetry(error.detail);
 *   else throw error;
 * }
 * ```
 */
export function isImapConnectorError(value: unknown): value is ImapConnectorError {
  return (
    value instanceof ImapConnectorError ||
    (typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true)
  );
}
