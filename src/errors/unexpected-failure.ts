/** The one place an unclassified failure becomes `UNKNOWN`, and how a host callback's own error passes through. */
import { formatCatalogMessage } from './error-catalog.js';
import { ImapConnectorError, isImapConnectorError } from './imap-connector-error.js';
import { sanitizeCause, serverResponseExcerpt } from './secret-redaction.js';

/**
 * The one way an `UNKNOWN` error is built: for a failure the SDK did not foresee (a bug), with the
 * original attached as `cause` and its message as the excerpt, both with every secret form removed, so
 * that a report of it can be acted on.
 *
 * @param error - What was thrown.
 * @param secrets - Forms of the password to remove (from `secretFormsOf`); empty when none is known.
 * @returns The `UNKNOWN` error; an {@link ImapConnectorError} is returned as it is.
 * @example
 * ```ts
 * try {
 *   return await work();
 * } catch (error) {
 *   throw unexpectedFailure(error, secrets);
 * }
 * ```
 */
export function unexpectedFailure(error: unknown, secrets: readonly string[]): ImapConnectorError {
  // The guard, not instanceof: an error of the other build (ESM or CJS) is one of ours too.
  if (isImapConnectorError(error)) return error;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new ImapConnectorError({
    code: 'UNKNOWN',
    message: formatCatalogMessage('UNKNOWN', { bodyExcerpt: serverResponseExcerpt(text, secrets) }),
    cause: sanitizeCause(error, secrets),
  });
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
 * @param argumentOf - Builds what it is called with; not called without a callback (a progress report
 *   is redacted for the host, work nobody needs when there is none).
 *
 * @example
 * ```ts
 * callHost(options.onProgress, () => ({ mailboxesDone: 1, mailboxesTotal: 3, mailbox: 'INBOX' }));
 * ```
 */
export function callHost<T>(callback: ((argument: T) => void) | undefined, argumentOf: () => T): void {
  if (callback === undefined) return;
  const argument = argumentOf();
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
