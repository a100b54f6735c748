import { ImapConnectorError } from '../errors/imap-connector-error.js';
import { hostErrorOf, unexpectedFailure } from '../errors/unexpected-failure.js';
import { type ConnectorLogger, logQuietly } from '../logger.js';
import { backoffDelayMs, type RetryPolicy, transientErrorCodes } from './retry-policy.js';

/** What a retried operation needs around it. */
export interface RetryContext {
  readonly policy: RetryPolicy;
  readonly logger: ConnectorLogger;
  readonly signal?: AbortSignal | undefined;
  /** Names the operation in log entries. */
  readonly operation: string;
}

/**
 * Runs `work` until it succeeds, fails with a non-transient error, or the tries run out, waiting a
 * capped, jittered, exponentially growing time between tries. The wait ends at once when the caller
 * aborts. A final failure carries the number of tries in `detail.attempts`.
 *
 * @param context - Policy, logger, signal.
 * @param work - One try; receives its number, from 1.
 * @returns The result and the number of tries it took.
 * @throws {@link ImapConnectorError} the last failure.
 */
export async function withRetries<T>(
  context: RetryContext,
  work: (attempt: number) => Promise<T>,
): Promise<{ value: T; attempts: number }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return { value: await work(attempt), attempts: attempt };
    } catch (error) {
      // A host callback's own error (onProgress) is neither classified nor retried: the host gets it back.
      const host = hostErrorOf(error);
      if (host) throw host.thrown;
      // Sessions redact at the source; an error that reaches here unclassified has no secrets to match.
      const failure = unexpectedFailure(error, []);
      const retry = attempt < context.policy.attempts && transientErrorCodes.has(failure.code);
      if (!retry || context.signal?.aborted) throw withAttempts(failure, attempt);
      const delayMs = backoffDelayMs(context.policy, attempt);
      logQuietly(
        context.logger,
        'warn',
        `${context.operation} failed with ${failure.code}; retrying in ${delayMs} ms`,
        {
          code: failure.code,
          attempt,
          delayMs,
        },
      );
      await pause(delayMs, context.signal, attempt);
    }
  }
}

function withAttempts(error: ImapConnectorError, attempts: number): ImapConnectorError {
  return new ImapConnectorError({
    code: error.code,
    message: error.message,
    detail: { ...error.detail, attempts },
    cause: error.cause,
  });
}

/** Waits, or rejects with `ABORTED` as soon as the caller aborts. */
function pause(delayMs: number, signal: AbortSignal | undefined, attempt: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ImapConnectorError({ code: 'ABORTED', detail: { attempts: attempt } }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
