import { hasPasswordControlCharacter } from '../config/control-characters.js';
import type { PasswordProvider } from '../config/password-provider.js';
import { formatCatalogMessage } from '../errors/error-catalog.js';
import { ImapConnectorError } from '../errors/imap-connector-error.js';
import { sanitizeCause } from '../errors/secret-redaction.js';

/** How long a password provider may take, and the caller's signal. */
export interface PasswordResolution {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

/**
 * The password to log in with: the configured string, or what the host's provider returns now.
 * Called once per connection, so a rotated secret is picked up by the next one and nothing is cached.
 *
 * @param source - The configured password or provider.
 * @param resolution - The time limit and the caller's signal.
 * @returns The non-empty password.
 * @throws {@link ImapConnectorError} `PASSWORD_UNAVAILABLE` (or `ABORTED`), with the provider's error,
 *   sanitized, as `cause`.
 */
export async function resolvePassword(
  source: string | PasswordProvider,
  resolution: PasswordResolution,
): Promise<string> {
  if (typeof source === 'string') return source;
  if (resolution.signal?.aborted) throw abortedError();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(unavailable(`the password function did not answer within ${resolution.timeoutMs} ms`));
    }, resolution.timeoutMs);
    onAbort = () => {
      controller.abort();
      reject(abortedError());
    };
    resolution.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const password = await Promise.race([callProvider(source, controller.signal), stopped]);
    if (typeof password !== 'string' || password.length === 0) {
      throw unavailable('the password function returned no text');
    }
    // The rule validateConfig applies to a password given as text (a secret read from a file often
    // ends with a line break).
    if (hasPasswordControlCharacter(password)) {
      throw unavailable('the password function returned text with a line break or another control character');
    }
    return password;
  } finally {
    clearTimeout(timer);
    if (onAbort) resolution.signal?.removeEventListener('abort', onAbort);
  }
}

async function callProvider(provider: PasswordProvider, signal: AbortSignal): Promise<unknown> {
  try {
    return await provider({ signal });
  } catch (error) {
    const cause = sanitizeCause(error, []);
    throw unavailable(`the password function failed (${cause.name})`, cause);
  }
}

function unavailable(reason: string, cause?: Error): ImapConnectorError {
  return new ImapConnectorError({
    code: 'PASSWORD_UNAVAILABLE',
    message: formatCatalogMessage('PASSWORD_UNAVAILABLE', { bodyExcerpt: reason }),
    detail: { phase: 'login' },
    ...(cause === undefined ? {} : { cause }),
  });
}

function abortedError(): ImapConnectorError {
  return new ImapConnectorError({ code: 'ABORTED', detail: { phase: 'login' } });
}
