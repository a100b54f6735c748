import { type ErrorCode, formatCatalogMessage } from '../errors/error-catalog.js';
import type { ConnectionPhase, DetectedProtocol, FailureDetail } from '../errors/failure-detail.js';
import { ImapConnectorError } from '../errors/imap-connector-error.js';
import { sanitizeCause, serverResponseExcerpt } from '../errors/secret-redaction.js';
import { ChannelClosed } from './counting-channel.js';
import { describeDetectedProtocol } from './protocol-detection.js';

/** What was known about the connection when it failed. */
export interface FailureContext {
  readonly host: string;
  readonly phase: ConnectionPhase;
  readonly secrets: readonly string[];
  /** Set when the caller's AbortSignal fired. */
  readonly aborted?: boolean;
  /** Set when one of the SDK's own deadlines fired, with the limit that applied. */
  readonly deadline?: { readonly code: ErrorCode; readonly timeoutMs: number };
  /** Set when the server's first line was not an IMAP greeting. */
  readonly detectedProtocol?: DetectedProtocol | undefined;
  /** Set when the session closed the connection because the server broke one of its rules. */
  readonly violation?: SessionViolation | undefined;
}

/** A rule the server broke, for which the session closed the connection itself. */
export interface SessionViolation {
  readonly code: ErrorCode;
  /** What happened, for `<body excerpt>` and `detail.limit`. */
  readonly description: string;
}

const UNTRUSTED_CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'INVALID_CA',
]);
const EXPIRED_CERTIFICATE_CODES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const HOSTNAME_CERTIFICATE_CODES = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);
// imapflow's own caps on what it buffers (set in imapflow-options.ts).
const SIZE_LIMIT_CODES: Readonly<Record<string, string>> = {
  LineTooLarge: 'response line length',
  LiteralTooLarge: 'literal size',
  ResponseTooLarge: 'response size',
  TooManyTokens: 'values in one response',
  TooManyResponses: 'responses to one command',
};
// imapflow's codes for "the connection is gone": the socket closed (FIN or reset) with a command
// pending, right after connecting, or while the session was in use. With a BYE reason the server said
// goodbye; without one the connection was lost (RFC 3501 §7.1.5: a server closes after a BYE).
const CONNECTION_GONE_CODES = new Set([
  'NoConnection',
  'EConnectionClosed',
  'ClosedAfterConnectText',
  'ClosedAfterConnectTLS',
  'StateLogout',
]);
// Node's codes for writing to a socket the peer already closed (EPIPE by another name).
const BROKEN_PIPE_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ERR_STREAM_WRITE_AFTER_END',
  'ERR_STREAM_DESTROYED',
  'ERR_SOCKET_CLOSED',
]);
const PROTOCOL_VIOLATION_CODES = new Set([
  'MAX_IMAP_NESTING_REACHED',
  'InvalidResponse',
  'UnexpectedTag',
  'MissingTag',
  'ResponseProcessingFailed',
  'STARTTLS_INJECTION',
  'COMPRESS_TRAILING_DATA',
]);

// RFC 5530 response codes a login can be refused with, and what they mean for the user.
// RFC 5530 response codes that say "not now" whatever the command: transient, retried by countSignals.
const TRANSIENT_RESPONSE_CODES: Readonly<Record<string, ErrorCode>> = {
  UNAVAILABLE: 'ACCOUNT_UNAVAILABLE',
  LIMIT: 'TOO_MANY_CONNECTIONS',
  INUSE: 'TOO_MANY_CONNECTIONS',
};
const LOGIN_RESPONSE_CODES: Readonly<Record<string, ErrorCode>> = {
  AUTHENTICATIONFAILED: 'AUTHENTICATION_FAILED',
  AUTHORIZATIONFAILED: 'AUTHORIZATION_FAILED',
  EXPIRED: 'CREDENTIALS_EXPIRED',
  PRIVACYREQUIRED: 'PRIVACY_REQUIRED',
  CONTACTADMIN: 'CONTACT_ADMIN',
  ...TRANSIENT_RESPONSE_CODES,
};

/**
 * The catalog code for an RFC 5530 response code that is transient whatever the command.
 *
 * @param responseCode - The bracketed code, e.g. `UNAVAILABLE`.
 * @returns The code, or `undefined` when the response code is not a transient one.
 */
export function transientCodeOfResponse(responseCode: string | undefined): ErrorCode | undefined {
  return responseCode === undefined ? undefined : TRANSIENT_RESPONSE_CODES[responseCode.toUpperCase()];
}

/**
 * Whether imapflow's error is the server refusing a command (a tagged NO or BAD), as opposed to the
 * connection failing.
 *
 * @param raw - What imapflow threw or logged.
 * @returns `true` for a refusal.
 */
export function isCommandRefusal(raw: unknown): boolean {
  const status = errorFields(raw).responseStatus;
  return status === 'NO' || status === 'BAD';
}

/**
 * Whether the server refused with an RFC 5530 code that says "not now" (UNAVAILABLE, INUSE, LIMIT), read
 * the same way {@link classifyFailure} reads it.
 *
 * @param raw - What imapflow threw or logged.
 * @returns `true` for a transient refusal.
 */
export function isTransientRefusal(raw: unknown): boolean {
  return transientCodeOfResponse(errorFields(raw).serverResponseCode) !== undefined;
}

/**
 * Turns whatever imapflow, Node's sockets, TLS or DNS threw into one catalog error, with the stage, the
 * server's (redacted) words and a safe copy of the original as `cause`.
 *
 * @param raw - The thrown value.
 * @param context - What the session knew at the time.
 * @returns The classified error.
 */
export function classifyFailure(raw: unknown, context: FailureContext): ImapConnectorError {
  const fields = errorFields(raw);
  const serverResponse = serverResponseExcerpt(fields.responseText ?? fields.reason, context.secrets);
  const { code, timeoutMs } = codeOf(fields, context);
  const limit =
    context.violation?.description ?? (fields.code === undefined ? undefined : SIZE_LIMIT_CODES[fields.code]);
  const detail: FailureDetail = {
    phase: phaseOf(code, context.phase),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(code === 'RESPONSE_TOO_LARGE' && limit !== undefined ? { limit } : {}),
    ...(code === 'PROTOCOL_ERROR' && context.violation !== undefined
      ? { violation: context.violation.description }
      : {}),
    ...(fields.serverResponseCode === undefined ? {} : { serverResponseCode: fields.serverResponseCode }),
    ...(serverResponse === undefined ? {} : { serverResponse }),
    ...(fields.code === undefined ? {} : { underlyingCode: fields.code }),
    ...(code === 'NOT_IMAP_SERVER' && context.detectedProtocol
      ? { detectedProtocol: context.detectedProtocol }
      : {}),
  };
  const bodyExcerpt =
    (code === 'RESPONSE_TOO_LARGE' || code === 'MAILBOX_CHANGED'
      ? context.violation?.description
      : undefined) ??
    (code === 'RESPONSE_TOO_LARGE' && limit !== undefined ? `${limit} over the limit` : undefined) ??
    (code === 'NOT_IMAP_SERVER' && context.detectedProtocol !== undefined
      ? describeDetectedProtocol(context.detectedProtocol)
      : undefined) ??
    serverResponse ??
    (code === 'UNKNOWN' ? serverResponseExcerpt(fields.message, context.secrets) : undefined);
  return new ImapConnectorError({
    code,
    message: formatCatalogMessage(code, { host: context.host, bodyExcerpt }),
    detail,
    cause: sanitizeCause(raw, context.secrets),
  });
}

interface ErrorFields {
  readonly message: string | undefined;
  readonly code: string | undefined;
  readonly serverResponseCode: string | undefined;
  readonly responseStatus: string | undefined;
  readonly responseText: string | undefined;
  readonly reason: string | undefined;
  readonly authenticationFailed: boolean;
  readonly tlsFailed: boolean;
}

function errorFields(raw: unknown): ErrorFields {
  const record: Record<string, unknown> = typeof raw === 'object' && raw !== null ? { ...raw } : {};
  const text = (key: string) => (typeof record[key] === 'string' ? (record[key] as string) : undefined);
  return {
    message: raw instanceof Error ? raw.message : typeof raw === 'string' ? raw : undefined,
    code: text('code'),
    serverResponseCode: (text('serverResponseCode') ?? responseCodeOf(record['response']))?.toUpperCase(),
    responseStatus: text('responseStatus'),
    responseText: text('responseText'),
    reason: text('reason'),
    authenticationFailed: record['authenticationFailed'] === true,
    tlsFailed: record['tlsFailed'] === true,
  };
}

// imapflow adds `serverResponseCode` to the errors of some commands only (not FETCH): read the
// bracketed code from the parsed tagged response then, e.g. `NO [LIMIT] ...` (RFC 3501 §7.1).
function responseCodeOf(response: unknown): string | undefined {
  const attributes = isObject(response) ? response['attributes'] : undefined;
  const first = Array.isArray(attributes) ? attributes[0] : undefined;
  const section = isObject(first) ? first['section'] : undefined;
  const atom = Array.isArray(section) ? section[0] : undefined;
  const value = isObject(atom) && atom['type'] === 'ATOM' ? atom['value'] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function codeOf(fields: ErrorFields, context: FailureContext): { code: ErrorCode; timeoutMs?: number } {
  if (context.aborted) return { code: 'ABORTED' };
  if (context.violation) return { code: context.violation.code };
  if (context.deadline) return { code: context.deadline.code, timeoutMs: context.deadline.timeoutMs };
  if (context.detectedProtocol !== undefined && context.phase !== 'command')
    return { code: 'NOT_IMAP_SERVER' };
  const code = fields.code;
  if (code !== undefined) {
    const byNodeCode = codeOfNodeError(code, context.phase);
    if (byNodeCode !== undefined) return { code: byNodeCode };
  }
  if (fields.message === 'Login is disabled') return { code: 'LOGIN_DISABLED' };
  if (fields.tlsFailed || /STARTTLS/i.test(fields.message ?? '')) {
    // imapflow words a refused STARTTLS like a missing one; whether the command went out tells them apart.
    return { code: context.phase === 'starttls' ? 'STARTTLS_FAILED' : 'STARTTLS_NOT_SUPPORTED' };
  }
  const transient =
    fields.responseStatus === undefined ? undefined : transientCodeOfResponse(fields.serverResponseCode);
  if (transient !== undefined) return { code: transient };
  if (context.phase === 'login' && (fields.authenticationFailed || fields.responseStatus !== undefined)) {
    const byResponseCode = fields.serverResponseCode
      ? LOGIN_RESPONSE_CODES[fields.serverResponseCode]
      : undefined;
    return { code: byResponseCode ?? 'CREDENTIALS_REJECTED' };
  }
  if (fields.authenticationFailed) return { code: 'CREDENTIALS_REJECTED' };
  if (fields.reason !== undefined) return { code: 'SERVER_CLOSED_CONNECTION' };
  if (code !== undefined && CONNECTION_GONE_CODES.has(code)) return { code: 'CONNECTION_RESET' };
  // A tagged NO or BAD to anything but the login (RFC 3501 §7.1.2, §7.1.3): the server's own refusal.
  if (fields.responseStatus === 'NO' || fields.responseStatus === 'BAD') return { code: 'COMMAND_REFUSED' };
  return { code: 'UNKNOWN' };
}

function codeOfNodeError(code: string, phase: ConnectionPhase): ErrorCode | undefined {
  if (BROKEN_PIPE_CODES.has(code)) return 'CONNECTION_RESET';
  switch (code) {
    case 'ECONNREFUSED':
      return 'CONNECTION_REFUSED';
    case 'ENOTFOUND':
    case 'ENODATA':
      return 'HOST_NOT_FOUND';
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return 'DNS_UNAVAILABLE';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return 'NETWORK_UNREACHABLE';
    case 'CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'CONNECT_TIMEOUT';
    case 'GREETING_TIMEOUT':
      return 'GREETING_TIMEOUT';
    case 'UPGRADE_TIMEOUT':
      return 'LOGIN_TIMEOUT';
    case 'ETIMEOUT':
      return phase === 'login' || phase === 'starttls' ? 'LOGIN_TIMEOUT' : 'COMMAND_TIMEOUT';
    case 'ETHROTTLE':
      return 'TOO_MANY_CONNECTIONS';
    case 'NoConnection':
    case 'EConnectionClosed':
    case 'ClosedAfterConnectText':
    case 'ClosedAfterConnectTLS':
      return undefined; // decided by whether the server said why (BYE text) below
  }
  if (UNTRUSTED_CERTIFICATE_CODES.has(code)) return 'CERTIFICATE_UNTRUSTED';
  if (EXPIRED_CERTIFICATE_CODES.has(code)) return 'CERTIFICATE_EXPIRED';
  if (HOSTNAME_CERTIFICATE_CODES.has(code)) return 'CERTIFICATE_HOSTNAME_MISMATCH';
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO')
    // Once logged in, the handshake is long done: a TLS error then is the connection breaking.
    return phase === 'command' ? 'CONNECTION_RESET' : 'TLS_HANDSHAKE_FAILED';
  if (Object.hasOwn(SIZE_LIMIT_CODES, code)) return 'RESPONSE_TOO_LARGE';
  if (PROTOCOL_VIOLATION_CODES.has(code) || code.startsWith('ParserError')) return 'PROTOCOL_ERROR';
  return undefined;
}

function phaseOf(code: ErrorCode, observed: ConnectionPhase): ConnectionPhase {
  switch (code) {
    case 'CONNECTION_REFUSED':
    case 'HOST_NOT_FOUND':
    case 'DNS_UNAVAILABLE':
    case 'NETWORK_UNREACHABLE':
    case 'CONNECT_TIMEOUT':
      return 'connect';
    case 'TLS_HANDSHAKE_FAILED':
    case 'CERTIFICATE_UNTRUSTED':
    case 'CERTIFICATE_EXPIRED':
    case 'CERTIFICATE_HOSTNAME_MISMATCH':
      return observed === 'starttls' ? 'starttls' : 'tls';
    case 'GREETING_TIMEOUT':
    case 'NOT_IMAP_SERVER':
      return 'greeting';
    default:
      return observed;
  }
}

/**
 * Whether a command failed because the connection had gone (imapflow's "no connection", or the counting
 * channel closed without a reason of its own): the socket's own error, if one came, says why better.
 *
 * @param error - What the command rejected with.
 * @returns `true` when the connection was gone.
 */
export function isConnectionGone(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (error instanceof ChannelClosed) return error.reason === undefined;
  return code === 'NoConnection' || code === 'EConnectionClosed';
}

// Exchange answers every command after a login its back end did not complete with this BAD; imapflow
// reads it from its NAMESPACE as a failed login, and so does a count, from whatever command gets it.
const NOT_CONNECTED = /User is authenticated but not connected/i;

/**
 * Whether a refusal is Exchange's "User is authenticated but not connected": a login its back end did
 * not complete, whatever command the answer came to.
 *
 * @param error - A refusal (imapflow's error or the channel's `CommandRefused`).
 * @returns `true` for that answer.
 */
export function isNotConnectedRefusal(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { responseText, response } = error as { responseText?: unknown; response?: unknown };
  return [responseText, response].some((text) => typeof text === 'string' && NOT_CONNECTED.test(text));
}

/**
 * The "not connected" refusal as the login failure it is, shaped like imapflow's
 * `AuthenticationFailure` so {@link classifyFailure} maps it the same way.
 *
 * @param error - A refusal for which {@link isNotConnectedRefusal} holds.
 * @returns The login failure.
 */
export function notConnectedFailure(error: unknown): Error {
  const { responseText, response } = error as { responseText?: unknown; response?: unknown };
  const text = typeof responseText === 'string' ? responseText : typeof response === 'string' ? response : '';
  return Object.assign(new Error('Authentication failed'), { authenticationFailed: true, response: text });
}
