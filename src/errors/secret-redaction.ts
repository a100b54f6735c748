const REDACTED = '[REDACTED]';
const EXCERPT_MAX_LENGTH = 200;

/**
 * The forms a password can take on the wire or in an error: as typed, as an IMAP quoted string (RFC 3501
 * §4.3: `\\` and `"` escaped, which is what a server echoing a LOGIN argument sends back), and
 * base64-encoded inside a SASL PLAIN or LOGIN exchange. All of them are removed from anything the SDK hands back.
 *
 * @param username - The login name (part of the SASL PLAIN blob).
 * @param password - The secret.
 * @returns The strings to redact, longest first so a longer form is not half-replaced by a shorter one.
 */
export function secretFormsOf(username: string, password: string): readonly string[] {
  if (password.length === 0) return [];
  const forms = [
    password,
    password.replace(/[\\"]/g, '\\$&'),
    Buffer.from(password, 'utf8').toString('base64'),
    Buffer.from(`\u0000${username}\u0000${password}`, 'utf8').toString('base64'),
    Buffer.from(`${username}\u0000${username}\u0000${password}`, 'utf8').toString('base64'),
  ];
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

/**
 * Replaces every occurrence of every secret form in `text`.
 *
 * @param text - Any text that may have passed near a credential.
 * @param secrets - From {@link secretFormsOf}.
 * @returns The text with each secret replaced by `[REDACTED]`.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let redacted = text;
  for (const secret of secrets) {
    if (secret.length > 0) redacted = redacted.split(secret).join(REDACTED);
  }
  return redacted;
}

/**
 * Turns a server's response text into something safe to show: secrets removed, control characters and
 * line breaks folded to single spaces, trimmed, and capped in length.
 *
 * @param text - The raw response text.
 * @param secrets - From {@link secretFormsOf}.
 * @returns The excerpt, or `undefined` when nothing readable is left.
 */
export function serverResponseExcerpt(
  text: string | undefined,
  secrets: readonly string[],
): string | undefined {
  if (text === undefined) return undefined;
  // Redact before folding, so a secret split by the folding cannot slip through.
  const folded = redactSecrets(text, secrets)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (folded.length === 0) return undefined;
  return folded.length > EXCERPT_MAX_LENGTH ? `${folded.slice(0, EXCERPT_MAX_LENGTH - 1)}…` : folded;
}

/** The error properties worth keeping from an imapflow or Node.js error, all of them plain strings. */
const KEPT_STRING_PROPERTIES = [
  'code',
  'serverResponseCode',
  'responseStatus',
  'responseText',
  'reason',
] as const;

/**
 * Rebuilds an error without secrets, for use as the `cause` of an {@link ImapConnectorError}: the same
 * name, message and stack with every secret form redacted, and only the plain diagnostic properties of
 * the original (never its command, socket, or response object).
 *
 * @param error - The original failure.
 * @param secrets - From {@link secretFormsOf}.
 * @returns A new, safe error.
 */
export function sanitizeCause(error: unknown, secrets: readonly string[]): Error {
  if (!(error instanceof Error)) {
    return new Error(redactSecrets(String(error), secrets));
  }
  const copy = new Error(redactSecrets(error.message, secrets));
  copy.name = error.name;
  if (error.stack !== undefined) copy.stack = redactSecrets(error.stack, secrets);
  const source = error as unknown as Record<string, unknown>;
  const target = copy as unknown as Record<string, unknown>;
  for (const property of KEPT_STRING_PROPERTIES) {
    const value = source[property];
    if (typeof value === 'string') target[property] = redactSecrets(value, secrets);
  }
  return copy;
}

/**
 * The secret forms known without connecting: those of a password given as text. A password function's
 * result is known only to the session that called it, which redacts its own errors.
 *
 * @param credentials - The configuration's `username` and `password`.
 * @returns From {@link secretFormsOf}, or none for a password function.
 * @example
 * ```ts
 * throw unexpectedFailure(error, knownSecretsOf(config));
 * ```
 */
export function knownSecretsOf(credentials: {
  readonly username: string;
  readonly password: unknown;
}): readonly string[] {
  return typeof credentials.password === 'string'
    ? secretFormsOf(credentials.username, credentials.password)
    : [];
}
