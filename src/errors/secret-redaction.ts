const REDACTED = '[REDACTED]';
const EXCERPT_MAX_LENGTH = 200;
// Below this many characters, a base64 fragment of the password cut out of a longer blob would match
// ordinary text; the aligned encodings (which always apply) cover short passwords.
const MIN_BASE64_FRAGMENT_LENGTH = 8;

/**
 * The forms a password can take on the wire, in a server's echo or in an error, so that redaction works
 * by value whatever the transformation:
 * - as typed, and with its whitespace and control characters folded to single spaces (what a one-line
 *   excerpt or a server's own sanitising makes of a TAB);
 * - as an IMAP quoted string (RFC 3501 §4.3: `\` and `"` escaped, what a server echoing a LOGIN
 *   argument sends back), JSON-escaped (a TAB as `\t`, a quote as `\"`, non-ASCII as `\u00e4`) and both;
 * - in modified UTF-7 (RFC 3501 §5.1.3, a mailbox name) and percent-encoded;
 * - base64-encoded (SASL PLAIN and LOGIN, RFC 4616 / draft-murchison-sasl-login), both the password alone
 *   and its run of characters inside any longer blob (whatever the authorization identity before it);
 * - upper- and lower-cased; every form is also matched case-insensitively by {@link redactSecrets}
 *   (an AUTH=LOGIN challenge echoed lower-cased, a server that upper-cases its error text).
 *
 * @param username - The login name (part of the SASL PLAIN blob).
 * @param password - The secret.
 * @returns The strings to redact, longest first so a longer form is not half-replaced by a shorter one.
 *
 * @example
 * ```ts
 * const secrets = secretFormsOf('me@example.com', password);
 * logger.debug(redactSecrets(serverLine, secrets));
 * ```
 */
export function secretFormsOf(username: string, password: string): readonly string[] {
  if (password.length === 0) return [];
  const textForms = new Set<string>();
  for (const cased of [password, password.toLowerCase(), password.toUpperCase()]) {
    const imapQuoted = imapQuotedOf(cased);
    textForms.add(cased);
    textForms.add(imapQuoted);
    textForms.add(jsonEscapedOf(cased));
    textForms.add(jsonEscapedOf(imapQuoted));
    textForms.add(asciiJsonEscapedOf(cased));
    textForms.add(asciiJsonEscapedOf(imapQuoted));
    textForms.add(foldedOf(cased));
    textForms.add(modifiedUtf7Of(cased));
    textForms.add(encodeURIComponent(cased));
  }
  const forms = new Set<string>([...textForms].filter((form) => form.length > 0));
  const blobs = [
    password,
    imapQuotedOf(password),
    `\u0000${username}\u0000${password}`,
    `${username}\u0000${username}\u0000${password}`,
  ];
  for (const blob of blobs) forms.add(Buffer.from(blob, 'utf8').toString('base64'));
  for (const fragment of base64FragmentsOf(Buffer.from(password, 'utf8'))) forms.add(fragment);
  return [...forms].sort((a, b) => b.length - a.length);
}

function imapQuotedOf(text: string): string {
  return text.replace(/[\\"]/g, '\\$&');
}

function jsonEscapedOf(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

function asciiJsonEscapedOf(text: string): string {
  return jsonEscapedOf(text).replace(
    /[^\u0020-\u007e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function foldedOf(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: folding control characters is the point
  return text.replace(/[\s\u0000-\u001f\u007f]+/g, ' ');
}

/** RFC 3501 §5.1.3: printable ASCII as is (`&` as `&-`), other runs as `&` + base64 of UTF-16BE + `-`. */
function modifiedUtf7Of(text: string): string {
  return text.replace(/&|[^\u0020-\u007e]+/g, (run) => {
    if (run === '&') return '&-';
    const utf16 = Buffer.from(run, 'utf16le').swap16();
    return `&${utf16.toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
  });
}

/**
 * The base64 characters that encode only the password's bytes, for each of the three alignments it
 * can have inside a longer blob (after an authorization identity and user name of any length).
 */
function base64FragmentsOf(bytes: Buffer): string[] {
  const fragments: string[] = [];
  for (let offset = 0; offset < 3; offset += 1) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    // Character i carries bits [6i, 6i + 6) of the blob: keep those wholly inside the password.
    const first = Math.ceil((offset * 8) / 6);
    const last = Math.floor(((offset + bytes.length) * 8) / 6);
    const fragment = encoded.slice(first, last);
    if (fragment.length >= MIN_BASE64_FRAGMENT_LENGTH) fragments.push(fragment);
  }
  return fragments;
}

const patterns = new WeakMap<readonly string[], RegExp>();

function patternOf(secrets: readonly string[]): RegExp | undefined {
  const cached = patterns.get(secrets);
  if (cached) return cached;
  const alternatives = secrets
    .filter((secret) => secret.length > 0)
    .map((secret) =>
      secret
        .replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')
        // A run of whitespace or control characters may come back as any other such run (a TAB as
        // spaces, a line folded by the server, U+FFFD where a sanitiser replaced it).
        // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
        .replace(/[\s\u0000-\u001f\u007f]+/g, '[\\s\\u0000-\\u001f\\u007f\\ufffd]+'),
    );
  if (alternatives.length === 0) return undefined;
  const pattern = new RegExp(alternatives.join('|'), 'giu');
  patterns.set(secrets, pattern);
  return pattern;
}

/**
 * Replaces every occurrence of every secret form in `text`, ignoring case.
 *
 * @param text - Any text that may have passed near a credential.
 * @param secrets - From {@link secretFormsOf}.
 * @returns The text with each secret replaced by `[REDACTED]`.
 *
 * @example
 * ```ts
 * redactSecrets(`NO bad password ${password.toLowerCase()}`, secretFormsOf(user, password)); // 'NO bad password [REDACTED]'
 * ```
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const pattern = patternOf(secrets);
  return pattern === undefined ? text : text.replace(pattern, REDACTED);
}

/**
 * Whether `text` holds any form of the secret, for what cannot be redacted without breaking it (a
 * mailbox path inside an opaque cursor).
 *
 * @param text - Any text.
 * @param secrets - From {@link secretFormsOf}.
 * @returns `true` when {@link redactSecrets} would change it.
 *
 * @example
 * ```ts
 * if (containsSecret(path, secrets)) continue; // not written into the cursor
 * ```
 */
export function containsSecret(text: string, secrets: readonly string[]): boolean {
  const pattern = patternOf(secrets);
  if (pattern === undefined) return false;
  pattern.lastIndex = 0;
  const found = pattern.test(text);
  pattern.lastIndex = 0;
  return found;
}

/**
 * Redacts every string inside plain data (arrays and plain objects, keys included), returning a copy;
 * for results built from what a server sent (mailbox names, warnings quoting its words).
 *
 * @param value - Plain, JSON-like data.
 * @param secrets - From {@link secretFormsOf}.
 * @returns The same shape with every string redacted.
 *
 * @example
 * ```ts
 * return redactDeep(result, secrets);
 * ```
 */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  return redactValue(value, secrets) as T;
}

function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets));
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [redactSecrets(key, secrets), redactValue(item, secrets)]),
    );
  }
  return value;
}

/**
 * Turns a server's response text into something safe to show: secrets removed, control characters and
 * line breaks folded to single spaces, trimmed, and capped in length.
 *
 * @param text - The raw response text.
 * @param secrets - From {@link secretFormsOf}.
 * @returns The excerpt, or `undefined` when nothing readable is left.
 *
 * @example
 * ```ts
 * serverResponseExcerpt('NO [ALERT]\r\n  bad password', secrets); // 'NO [ALERT] bad password'
 * ```
 */
export function serverResponseExcerpt(
  text: string | undefined,
  secrets: readonly string[],
): string | undefined {
  if (text === undefined) return undefined;
  // Redact before folding, so a secret split by the folding cannot slip through, and after, so one
  // whose whitespace the server changed (a TAB sent as two spaces) is caught in its folded form.
  const folded = redactSecrets(
    redactSecrets(text, secrets)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
    secrets,
  );
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
 *
 * @example
 * ```ts
 * throw new ImapConnectorError({ code: 'UNKNOWN', message, cause: sanitizeCause(error, secrets) });
 * ```
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
