/** The one place an unclassified failure becomes `UNKNOWN`, and how a host callback's own error passes through. */
import { ImapConnectorError, isImapConnectorError } from './imap-connector-error.js';
import { sanitizeCause } from './secret-redaction.js';

/**
 * The SDK's error for a failure it has no code for: `UNKNOWN`, with the original as `cause` (a
 * redacted copy, so no password rides along), so a host can still see what happened. An error that
 * already is an {@link ImapConnectorError} is returned as it is.
 *
 * @param error - What was caught.
 * @param message - What the SDK was doing, e.g. `Unexpected error while counting`.
 * @param secrets - Secret forms to redact from the cause's message and stack (`secretFormsOf`).
 * @returns The error to throw or report.
 *
 * @example
 * ```ts
 * throw unexpectedFailure(error, 'Unexpected error while counting', session.secrets);
 * ```
 */
export function unexpectedFailure(
  error: unknown,
  message: string,
  secrets: readonly string[],
): ImapConnectorError {
  if (isImapConnectorError(error)) return error;
  return new ImapConnectorError({ code: 'UNKNOWN', message, cause: sanitizeCause(error, secrets) });
}

/**
 * Carries what a host's callback (`onProgress`) threw past the SDK's failure classification, so the
 * host gets its own error back unchanged, not an `UNKNOWN` about its own bug. Not an `Error`: nothing
 * should mistake it for a failure of the SDK. {@link hostErrorOf} unwraps it.
 */
export class HostCallbackFailure {
  constructor(readonly thrown: unknown) {}
}

/**
 * Calls a host's callback; if it throws, rethrows the error wrapped in {@link HostCallbackFailure}.
 *
 * @param callback - The host's function, if it gave one.
 * @param argument - What it is called with.
 *
 * @example
 * ```ts
 * callHost(options.onProgress, { mailboxesDone: 1, mailboxesTotal: 3, mailbox: 'INBOX' });
 * ```
 */
export function callHost<T>(callback: ((argument: T) => void) | undefined, argument: T): void {
  if (callback === undefined) return;
  try {
    callback(argument);
  } catch (thrown) {
    throw new HostCallbackFailure(thrown);
  }
}

/**
 * The host's own error, when `error` is one that {@link callHost} wrapped.
 *
 * @param error - What was caught.
 * @returns `{ thrown }` for a host callback's error, else undefined.
 *
 * @example
 * ```ts
 * const host = hostErrorOf(error);
 * if (host) throw host.thrown;
 * ```
 */
export function hostErrorOf(error: unknown): { readonly thrown: unknown } | undefined {
  return error instanceof HostCallbackFailure ? { thrown: error.thrown } : undefined;
}
