/** The CLI's exit status for each class of failure, so a script can branch without parsing text. */
import type { ErrorCode } from '../index.js';

/** Each class of outcome and the exit status it ends the process with. */
export const exitCodes = {
  /** The command did what it was asked (a connection test passed, a count finished). */
  ok: 0,
  /** A failure the SDK does not recognise (`UNKNOWN`). */
  unknown: 1,
  /** The command line or the settings are wrong: nothing useful was sent to a server. */
  usage: 2,
  /** The server rejected the credentials or the account. */
  auth: 3,
  /** The server could not be reached safely: DNS, TCP, TLS, certificate, security mode. */
  network: 4,
  /** The server answered, but not as an IMAP server should, or it is busy or unavailable. */
  server: 5,
  /** `discover` found no IMAP settings this connector can use (none published, or mail hosted by Google or Microsoft). */
  notFound: 6,
  /** Cancelled with Ctrl-C (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;

/** A class of outcome: a key of {@link exitCodes}. */
export type ExitClass = keyof typeof exitCodes;

// Every catalog code has a class: a code added to the catalog fails to compile here until it gets one.
const classOfCode = {
  AUTHENTICATION_FAILED: 'auth',
  CONNECTION_REFUSED: 'network',
  CREDENTIALS_REJECTED: 'auth',
  CONFIG_INVALID: 'usage',
  PASSWORD_UNAVAILABLE: 'usage',
  HOST_NOT_FOUND: 'network',
  DNS_UNAVAILABLE: 'network',
  NETWORK_UNREACHABLE: 'network',
  CONNECT_TIMEOUT: 'network',
  GREETING_TIMEOUT: 'network',
  LOGIN_TIMEOUT: 'server',
  COMMAND_TIMEOUT: 'server',
  TLS_HANDSHAKE_FAILED: 'network',
  CERTIFICATE_UNTRUSTED: 'network',
  CERTIFICATE_EXPIRED: 'network',
  CERTIFICATE_HOSTNAME_MISMATCH: 'network',
  STARTTLS_NOT_SUPPORTED: 'network',
  STARTTLS_FAILED: 'network',
  LOGIN_DISABLED: 'network',
  PRIVACY_REQUIRED: 'network',
  CONTACT_ADMIN: 'auth',
  AUTHORIZATION_FAILED: 'auth',
  CREDENTIALS_EXPIRED: 'auth',
  ACCOUNT_UNAVAILABLE: 'server',
  TOO_MANY_CONNECTIONS: 'server',
  CONNECTION_SLOT_TIMEOUT: 'server',
  NOT_IMAP_SERVER: 'server',
  CONNECTION_RESET: 'network',
  SERVER_CLOSED_CONNECTION: 'server',
  PROTOCOL_ERROR: 'server',
  COMMAND_REFUSED: 'server',
  MAILBOX_UNAVAILABLE: 'server',
  MAILBOX_CHANGED: 'server',
  RESPONSE_TOO_LARGE: 'server',
  ABORTED: 'interrupted',
  UNKNOWN: 'unknown',
} as const satisfies Record<ErrorCode, ExitClass>;

/**
 * The class of a catalog code.
 *
 * @param code - A catalog code.
 * @returns Its class, e.g. `auth` for `AUTHENTICATION_FAILED`.
 */
export function exitClassOf(code: ErrorCode): ExitClass {
  return classOfCode[code];
}

/**
 * The exit status for a catalog code.
 *
 * @param code - A catalog code.
 * @returns The process exit status, e.g. 3 for `AUTHENTICATION_FAILED`.
 */
export function exitCodeOf(code: ErrorCode): number {
  return exitCodes[classOfCode[code]];
}
