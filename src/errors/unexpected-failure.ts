import { formatCatalogMessage } from './error-catalog.js';
import { ImapConnectorError } from './imap-connector-error.js';
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
  if (error instanceof ImapConnectorError) return error;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new ImapConnectorError({
    code: 'UNKNOWN',
    message: formatCatalogMessage('UNKNOWN', { bodyExcerpt: serverResponseExcerpt(text, secrets) }),
    cause: sanitizeCause(error, secrets),
  });
}
