import type { ErrorCode } from '../errors/error-catalog.js';
import type { FieldIssue } from '../errors/failure-detail.js';

/** How `countSignals` retries after a transient failure, as a host passes it. */
export interface RetryOptions {
  /** Tries in all, the first one included; `1` turns retrying off. Default 3, at most 10. */
  readonly attempts?: number | undefined;
  /** The wait before the second try; each further wait doubles it. Default 500 ms. */
  readonly initialDelayMs?: number | undefined;
  /** No wait is longer than this. Default 5 000 ms. */
  readonly maxDelayMs?: number | undefined;
}

/** A validated {@link RetryOptions}, every field present. */
export interface RetryPolicy {
  /** Tries in all, the first one included. */
  readonly attempts: number;
  /** The wait before the second try, in milliseconds. */
  readonly initialDelayMs: number;
  /** The longest wait, in milliseconds. */
  readonly maxDelayMs: number;
}

/** Three tries, waiting about 0.5 s then 1 s: enough for a reset or a restarting server, short for a host's job. */
export const defaultRetryPolicy: RetryPolicy = { attempts: 3, initialDelayMs: 500, maxDelayMs: 5_000 };

const MAX_ATTEMPTS = 10;
const MAX_DELAY_MS = 60_000;

/**
 * Failures that a new connection a moment later can cure: the network or the server hiccuped. Login,
 * certificate and configuration failures are not here: trying again would only repeat them (and, for a
 * wrong password, risk locking the account).
 */
export const transientErrorCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CONNECTION_RESET',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'LOGIN_TIMEOUT',
  'COMMAND_TIMEOUT',
  'SERVER_CLOSED_CONNECTION',
  'ACCOUNT_UNAVAILABLE',
  'TOO_MANY_CONNECTIONS',
  'DNS_UNAVAILABLE',
  'MAILBOX_CHANGED',
  // A garbled or out-of-order answer may be a one-off (a proxy, a server under strain); tries are few.
  'PROTOCOL_ERROR',
]);

/**
 * Checks and completes retry options.
 *
 * @param options - What the host passed, if anything.
 * @returns The policy, or the field issues.
 */
export function retryPolicyOf(
  options: RetryOptions | undefined,
): { ok: true; policy: RetryPolicy } | { ok: false; issues: FieldIssue[] } {
  const policy = {
    attempts: options?.attempts ?? defaultRetryPolicy.attempts,
    initialDelayMs: options?.initialDelayMs ?? defaultRetryPolicy.initialDelayMs,
    maxDelayMs: options?.maxDelayMs ?? defaultRetryPolicy.maxDelayMs,
  };
  const issues: FieldIssue[] = [];
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1 || policy.attempts > MAX_ATTEMPTS) {
    issues.push({
      field: 'retry.attempts',
      code: 'out_of_range',
      message: `Enter a whole number of tries from 1 to ${MAX_ATTEMPTS}.`,
    });
  }
  for (const field of ['initialDelayMs', 'maxDelayMs'] as const) {
    const value = policy[field];
    if (!Number.isFinite(value) || value < 0 || value > MAX_DELAY_MS) {
      issues.push({
        field: `retry.${field}`,
        code: 'out_of_range',
        message: `Enter a number of milliseconds from 0 to ${MAX_DELAY_MS}.`,
      });
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, policy };
}

/**
 * The wait before try number `attempt + 1`: exponential, capped, with "equal jitter" (half fixed, half
 * random) so that many accounts failing together do not come back in lockstep.
 *
 * @param policy - The policy.
 * @param attempt - The try that just failed, from 1.
 * @param random - A number in [0, 1); `Math.random()` by default.
 * @returns Milliseconds to wait.
 */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random = Math.random()): number {
  const exponential = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random);
}
