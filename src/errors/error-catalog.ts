/*
 * The one list of every way connecting to or counting on an IMAP mailbox can fail.
 *
 * Each row is what a person reading the "Connect IMAP" drawer needs: a `message` (shown in red), the
 * HTTP-style status a host API can answer with, a `fix` that names a concrete action, and whether
 * trying again later can help (`retryable`). The first three rows are the product's published
 * troubleshooting table, verbatim (`docs/troubleshooting.md` is checked against this object by a test);
 * the third row's fix keeps the published sentence and adds the app-specific password, the commonest
 * cause on servers that refuse without an `[AUTHENTICATIONFAILED]` code (Cyrus, Courier).
 *
 * A `message` may contain the placeholder `<body excerpt>` (the server's own words, trimmed and
 * with secrets removed) or `<host>`; formatCatalogMessage() fills them in.
 */
const catalogRows = {
  AUTHENTICATION_FAILED: {
    message: 'HTTP 401: AUTHENTICATIONFAILED',
    httpStatus: 401,
    retryable: false,
    meaning: 'Wrong password, or the provider requires an app-specific password.',
    fix: "Generate an app-specific password in your provider's settings and paste that instead of the regular account password.",
  },
  CONNECTION_REFUSED: {
    message: 'Connection refused',
    httpStatus: 502,
    retryable: false,
    meaning: 'Wrong host or port.',
    fix: 'Most providers use 993 for SSL, 143 for STARTTLS — re-check the provider docs and re-paste.',
  },
  CREDENTIALS_REJECTED: {
    message: 'HTTP 401: <body excerpt>',
    httpStatus: 401,
    retryable: false,
    meaning: 'Credentials rejected.',
    fix: "Re-check that you copied the full token, no leading/trailing whitespace. If it was copied correctly, generate an app-specific password in your provider's settings and paste that instead of the regular account password: that is the commonest fix.",
  },
  CONFIG_INVALID: {
    message: 'The connection settings are incomplete or invalid',
    httpStatus: 400,
    retryable: false,
    meaning: 'A field is missing or malformed; `detail.issues` lists each field and what is wrong with it.',
    fix: 'Correct the fields listed under the form and save again.',
  },
  PASSWORD_UNAVAILABLE: {
    message: 'The password could not be obtained: <body excerpt>',
    httpStatus: 500,
    retryable: false,
    meaning:
      'The password was given as a function (e.g. a vault lookup) and it threw, rejected, timed out (`timeouts.loginMs`) or returned no text. Nothing was sent to the IMAP server.',
    fix: "Check the host's secret store and the password function: it must resolve to the non-empty app password. Its own error is in `cause`.",
  },
  HOST_NOT_FOUND: {
    message: 'Host not found: <host>',
    httpStatus: 502,
    retryable: false,
    meaning: 'The host name does not exist in DNS (a typo, or an internal name this server cannot resolve).',
    fix: "Check the spelling of the IMAP host against your provider's documentation (for example imap.fastmail.com), without a scheme or path.",
  },
  DNS_UNAVAILABLE: {
    message: 'Could not look up <host>: DNS is not answering',
    httpStatus: 503,
    retryable: true,
    meaning: 'The DNS resolver failed temporarily; the name may well exist.',
    fix: 'Try again in a minute. If it keeps failing, the DNS resolver of the server running PerfCopilot is unreachable.',
  },
  NETWORK_UNREACHABLE: {
    message: 'No network route to <host>',
    httpStatus: 502,
    retryable: true,
    meaning:
      'The host resolved, but no route leads to it (firewall, VPN-only address, IPv6 without IPv6 connectivity).',
    fix: 'Make sure the IMAP server is reachable from the internet (not only from your office network or VPN), or use its public host name.',
  },
  CONNECT_TIMEOUT: {
    message: 'Timed out connecting to <host>',
    httpStatus: 504,
    retryable: true,
    meaning:
      'No answer to the TCP or TLS connection attempt: the host drops packets, a firewall blocks the port, or the port is wrong.',
    fix: 'Check the host and port (993 for SSL/TLS, 143 for STARTTLS) and that a firewall allows outgoing connections to that port.',
  },
  GREETING_TIMEOUT: {
    message: 'Connected, but the server sent no IMAP greeting',
    httpStatus: 504,
    retryable: true,
    meaning:
      'The classic symptom of the wrong security mode for the port: a plaintext/STARTTLS connection to an SSL/TLS port (993) waits forever for a greeting.',
    fix: 'Use security "SSL/TLS" (tls) with port 993, or "STARTTLS" (starttls) with port 143 — the mode must match the port.',
  },
  LOGIN_TIMEOUT: {
    message: 'The server did not answer the login in time',
    httpStatus: 504,
    retryable: true,
    meaning:
      'The server greeted but never answered the login command (overloaded server or a broken proxy in between).',
    fix: 'Try again in a few minutes; if it persists, check the provider status page or the server logs.',
  },
  COMMAND_TIMEOUT: {
    message: 'The server stopped answering',
    httpStatus: 504,
    retryable: true,
    meaning: 'Logged in, but a later command got no answer within the command timeout.',
    fix: 'Try again later. For very large mailboxes on slow servers, raise `timeouts.commandMs`.',
  },
  TLS_HANDSHAKE_FAILED: {
    message: 'TLS handshake with <host> failed',
    httpStatus: 502,
    retryable: false,
    meaning:
      'The TLS negotiation failed; most often TLS was spoken to a plaintext/STARTTLS port (143), or the server only offers protocols older than TLS 1.2.',
    fix: 'Use security "STARTTLS" with port 143 or "SSL/TLS" with port 993 — the mode must match the port.',
  },
  CERTIFICATE_UNTRUSTED: {
    message: "The server's certificate is not trusted",
    httpStatus: 502,
    retryable: false,
    meaning:
      'The certificate is self-signed or issued by an unknown authority (ProtonMail Bridge and many self-hosted servers use their own).',
    fix: "Pass the server's certificate (for ProtonMail Bridge: export it from Bridge → Settings → Export TLS certificates) as `tls.ca`.",
  },
  CERTIFICATE_EXPIRED: {
    message: "The server's certificate has expired or is not yet valid",
    httpStatus: 502,
    retryable: false,
    meaning: 'The certificate is outside its validity period (or this machine’s clock is wrong).',
    fix: 'Ask the mail server administrator to renew the certificate, and check that the clock of the machine running PerfCopilot is correct.',
  },
  CERTIFICATE_HOSTNAME_MISMATCH: {
    message: "The server's certificate does not match <host>",
    httpStatus: 502,
    retryable: false,
    meaning:
      'The certificate was issued for another name (connecting by IP address, or a provider alias host).',
    fix: 'Use the host name the certificate was issued for (as in the provider docs), or set `tls.servername` to it when connecting by IP address.',
  },
  STARTTLS_NOT_SUPPORTED: {
    message: 'The server does not offer STARTTLS',
    httpStatus: 502,
    retryable: false,
    meaning:
      'STARTTLS was required but the server did not advertise it; the password was not sent (no silent fall back to plaintext).',
    fix: 'Use security "SSL/TLS" with port 993 if the server offers it. Only if this is a trusted local network, choose security "none" explicitly.',
  },
  STARTTLS_FAILED: {
    message: 'The server refused to start TLS: <body excerpt>',
    httpStatus: 502,
    retryable: true,
    meaning: 'The server advertised STARTTLS but refused or failed the upgrade; the password was not sent.',
    fix: 'Try security "SSL/TLS" with port 993, or ask the server administrator to check its TLS configuration.',
  },
  LOGIN_DISABLED: {
    message: 'The server does not allow logging in on this connection (LOGINDISABLED)',
    httpStatus: 403,
    retryable: false,
    meaning:
      'The server forbids password login over an unencrypted connection and this connection is not encrypted.',
    fix: 'Use security "SSL/TLS" with port 993 or "STARTTLS" with port 143.',
  },
  PRIVACY_REQUIRED: {
    message: 'HTTP 403: PRIVACYREQUIRED',
    httpStatus: 403,
    retryable: false,
    meaning: 'The server requires an encrypted connection for this login (RFC 5530 PRIVACYREQUIRED).',
    fix: 'Use security "SSL/TLS" with port 993 or "STARTTLS" with port 143.',
  },
  CONTACT_ADMIN: {
    message: 'HTTP 403: CONTACTADMIN',
    httpStatus: 403,
    retryable: false,
    meaning:
      'The provider refuses this account until an administrator acts (locked, suspended, IMAP disabled for it).',
    fix: "Sign in to your provider's web settings: enable IMAP access for the account, or contact its administrator.",
  },
  AUTHORIZATION_FAILED: {
    message: 'HTTP 403: AUTHORIZATIONFAILED',
    httpStatus: 403,
    retryable: false,
    meaning: 'The credentials are valid but may not be used for this mailbox.',
    fix: 'Use the credentials of the mailbox owner itself (the full email address as username).',
  },
  CREDENTIALS_EXPIRED: {
    message: 'HTTP 401: EXPIRED',
    httpStatus: 401,
    retryable: false,
    meaning: 'The password or app-specific password has expired.',
    fix: "Generate a new app-specific password in your provider's settings and paste it.",
  },
  ACCOUNT_UNAVAILABLE: {
    message: 'HTTP 503: UNAVAILABLE',
    httpStatus: 503,
    retryable: true,
    meaning: 'The provider could not check the login right now (RFC 5530 UNAVAILABLE: a subsystem is down).',
    fix: 'Try again in a few minutes.',
  },
  TOO_MANY_CONNECTIONS: {
    message: 'HTTP 429: too many connections',
    httpStatus: 429,
    retryable: true,
    meaning:
      'The account has reached its limit of simultaneous connections or the mailbox is in use (RFC 5530 LIMIT/INUSE).',
    fix: 'Close other mail clients using this account, or wait a few minutes and try again.',
  },
  CONNECTION_SLOT_TIMEOUT: {
    message: 'No connection to <host> became free in time',
    httpStatus: 503,
    retryable: true,
    meaning:
      "The host's `ConnectionLimiter` had no free slot for this server or account within its `maxWaitMs`: other tests and counts held them all. `detail.limit` says which limit was full. Nothing was sent to the server.",
    fix: 'Try again later; if it happens often, give the limiter more slots (as far as the provider allows) or a longer maxWaitMs.',
  },
  NOT_IMAP_SERVER: {
    message: 'The server at <host> is not an IMAP server: <body excerpt>',
    httpStatus: 502,
    retryable: false,
    meaning:
      'Something else answered on that port (an SMTP, HTTP, SSH or POP3 server), recognised from its first line; `detail.detectedProtocol` says what.',
    fix: 'Use the IMAP host and port from your provider docs (usually 993 for SSL/TLS or 143 for STARTTLS), not the SMTP (25/465/587), POP3 (110/995), SSH (22) or web address.',
  },
  CONNECTION_RESET: {
    message: 'The connection to <host> was reset',
    httpStatus: 502,
    retryable: true,
    meaning: 'The server or a network device closed the connection abruptly.',
    fix: 'Try again. If it happens every time, a firewall may block IMAP, or the security mode does not match the port.',
  },
  SERVER_CLOSED_CONNECTION: {
    message: 'The server closed the connection: <body excerpt>',
    httpStatus: 503,
    retryable: true,
    meaning:
      'The server said goodbye (IMAP BYE) before the work was done: maintenance, overload or a connection limit.',
    fix: 'Try again in a few minutes.',
  },
  PROTOCOL_ERROR: {
    message: 'The server sent a response that could not be understood',
    httpStatus: 502,
    retryable: true,
    meaning:
      'The server broke the IMAP protocol: a malformed, truncated or out-of-order answer, a completion with a tag never sent, or values that cannot be (a count above the mailbox size, a missing UIDVALIDITY). `detail.violation` says what. A glitch of the server or of a proxy in between is plausible, so the count is retried on a new connection.',
    fix: 'Try again. If it happens every time, check that host and port point at the IMAP service; if they do, report the server software (from the greeting) to its vendor.',
  },
  COMMAND_REFUSED: {
    message: 'The server refused a command: <body excerpt>',
    httpStatus: 502,
    retryable: false,
    meaning:
      'After login the server answered a command the count needs (LIST, SEARCH, SORT, FETCH...) with NO or BAD. `detail.serverResponseCode` and `detail.serverResponse` hold its response code (e.g. NONEXISTENT, SERVERBUG, CANNOT) and words, secrets removed. Refusals that only mean "not now" (RFC 5530 UNAVAILABLE, INUSE, LIMIT) are ACCOUNT_UNAVAILABLE or TOO_MANY_CONNECTIONS instead.',
    fix: "Read the server's words in the message: a missing mailbox means the role overrides name one that does not exist; an internal error (SERVERBUG) is for the mail provider's support, with the time of the failure.",
  },
  MAILBOX_UNAVAILABLE: {
    message: 'A mailbox could not be opened: <body excerpt>',
    httpStatus: 502,
    retryable: true,
    meaning:
      'A mailbox listed by the server could not be examined (deleted meanwhile, or no read permission).',
    fix: 'Check the mailbox role overrides and exclusions in the connector configuration.',
  },
  MAILBOX_CHANGED: {
    message: 'A mailbox was replaced while it was being counted: <body excerpt>',
    httpStatus: 503,
    retryable: true,
    meaning:
      'The server reported a new UIDVALIDITY for a mailbox in the middle of the count (RFC 3501 §2.3.1.1: the mailbox was recreated or restored), so the UIDs already read no longer name the same messages.',
    fix: 'Nothing to fix: the count is retried on a new connection automatically; if it keeps happening, the server is rebuilding its index.',
  },
  RESPONSE_TOO_LARGE: {
    message: 'The server sent more than the connector accepts: <body excerpt>',
    httpStatus: 502,
    retryable: false,
    meaning:
      'A response exceeded a limit the SDK enforces so a broken or hostile server cannot exhaust memory or time: a line, a literal or a response too long, too many responses to one command, or more results than the mailbox has messages. `detail.limit` says which.',
    fix: 'Check that host and port point at the real IMAP service of your provider; if they do, report the server software to its vendor.',
  },
  ABORTED: {
    message: 'The operation was cancelled',
    httpStatus: 499,
    retryable: false,
    meaning: 'The caller aborted the operation through its AbortSignal.',
    fix: 'Nothing to fix: start the operation again when needed.',
  },
  UNKNOWN: {
    message: 'Unexpected error: <body excerpt>',
    httpStatus: 500,
    retryable: false,
    meaning: 'A failure the SDK does not recognise; `cause` holds the original error.',
    fix: 'Try again; if it persists, report it with the `detail` of this error.',
  },
} as const satisfies Record<string, CatalogEntry>;

/** Every failure code the SDK can produce: the keys of {@link errorCatalog}. */
export type ErrorCode = keyof typeof catalogRows;

/**
 * The error catalog: for each {@link ErrorCode}, the message, HTTP status, retryability, meaning and fix.
 * See the top of this file's documentation in `docs/troubleshooting.md` for the rendered table.
 */
export const errorCatalog: Readonly<Record<ErrorCode, CatalogEntry>> = catalogRows;

/** One row of the {@link errorCatalog}. */
export interface CatalogEntry {
  /** The text shown to the user; may contain `<body excerpt>` or `<host>`. */
  readonly message: string;
  /** The HTTP status a host API should answer with for this failure. */
  readonly httpStatus: number;
  /** Whether the same request can succeed later without the user changing anything. */
  readonly retryable: boolean;
  /** What the failure usually means, for docs and support. */
  readonly meaning: string;
  /** The action that fixes it, shown to the user. */
  readonly fix: string;
}

/** The placeholders a catalog message may contain. */
export interface CatalogMessageParameters {
  /** The server's response text, already trimmed and redacted. */
  readonly bodyExcerpt?: string | undefined;
  /** The host the connection was made to. */
  readonly host?: string | undefined;
}

/**
 * Fills the placeholders of a catalog message.
 *
 * @param code - The catalog row.
 * @param parameters - Values for `<body excerpt>` and `<host>`; a missing value leaves a readable fallback.
 * @returns The message to show.
 */
export function formatCatalogMessage(code: ErrorCode, parameters: CatalogMessageParameters = {}): string {
  return errorCatalog[code].message
    .replace('<body excerpt>', parameters.bodyExcerpt || 'no details from the server')
    .replace('<host>', parameters.host || 'the server');
}

/** Every code of the catalog, in catalog order. */
export const errorCodes = Object.keys(errorCatalog) as readonly ErrorCode[];

/**
 * Narrows an unknown value to an {@link ErrorCode}.
 *
 * @param value - Anything.
 * @returns Whether `value` is a code of the catalog.
 */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCatalog, value);
}
