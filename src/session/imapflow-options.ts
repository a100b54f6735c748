import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { ImapFlowOptions, Logger } from 'imapflow';
import type { ImapConnectorConfig } from '../config/config-schema.js';
import { MIN_TLS_VERSION, secureContextTrusting } from './tls-context.js';

// Bounds on what a hostile or broken server can make the client buffer (docs/reliability.md). A SEARCH
// answer for a million-message mailbox is a ~7 MB line (imapflow also stops at a million values in one
// response); the only literals a count reads are mailbox names and Message-ID headers.
const MAX_LINE_BYTES = 16 * 1024 * 1024;
const MAX_LITERAL_BYTES = 1024 * 1024;
const MAX_RESPONSE_BYTES = 20 * 1024 * 1024;

/** Why a session is opened: a test needs no compression; a count benefits from it. */
export type SessionPurpose = 'test' | 'count';

/**
 * The imapflow options for a configuration. Everything imapflow would do on its own that the SDK owns
 * instead is turned off: its console logger, its 90 s connect budget, auto-IDLE, auto-ENABLE (whose
 * CONDSTORE adds MODSEQ to every FETCH row), and any plaintext fallback when STARTTLS is required.
 *
 * @param config - The validated configuration.
 * @param password - The password, resolved for this connection.
 * @param logger - The observing logger.
 * @param purpose - What the session is for.
 * @returns Options for `new ImapFlow()`.
 */
export function imapFlowOptionsOf(
  config: ImapConnectorConfig,
  password: string,
  logger: Logger,
  purpose: SessionPurpose,
): ImapFlowOptions {
  return {
    host: config.host,
    port: config.port,
    secure: config.security === 'tls',
    // true: upgrade or fail, never log in over plaintext; false: the admin chose no encryption.
    doSTARTTLS: config.security === 'starttls' ? true : config.security === 'none' ? false : undefined,
    ...serverNameOptions(config.tls.servername),
    tls: {
      ...secureContextOption(config.tls.ca),
      ...identityCheckOption(config.tls.servername),
      rejectUnauthorized: config.tls.rejectUnauthorized,
      minVersion: MIN_TLS_VERSION,
    },
    auth: { user: config.username, pass: password, ...loginMethodOf(config.username, password) },
    logger,
    emitLogs: false,
    disableAutoIdle: true,
    disableAutoEnable: true,
    disableCompression: purpose === 'test',
    connectionTimeout: config.timeouts.connectMs,
    greetingTimeout: config.timeouts.greetingMs,
    socketTimeout: config.timeouts.commandMs,
    maxLineLength: MAX_LINE_BYTES,
    maxLiteralSize: MAX_LITERAL_BYTES,
    maxResponseSize: MAX_RESPONSE_BYTES,
  };
}

// Printable ASCII only: what an IMAP quoted string carries on every server (RFC 3501 §9 `QUOTED-CHAR`,
// with `"` and `\` escaped). 8-bit text in a quoted string needs UTF8=ACCEPT (RFC 6855), and a literal
// costs a continuation round trip without LITERAL+ (RFC 7888): such credentials keep AUTHENTICATE PLAIN,
// whose base64 carries any byte.
const QUOTABLE_EVERYWHERE = /^[\x20-\x7e]*$/;

/**
 * `LOGIN` (RFC 3501 §6.2.3) answers in one round trip, where imapflow's `AUTHENTICATE PLAIN` waits for
 * the server's `+` first (it sends no SASL-IR initial response): one round trip saved per connection.
 * Chosen when the credentials fit a quoted string everywhere; a server that advertises LOGINDISABLED
 * gets AUTHENTICATE all the same (`authenticateUnlessLoginDisabled`, imapflow-internals.ts).
 */
function loginMethodOf(username: string, password: string): { loginMethod?: string } {
  return QUOTABLE_EVERYWHERE.test(username) && QUOTABLE_EVERYWHERE.test(password)
    ? { loginMethod: 'LOGIN' }
    : {};
}

function secureContextOption(ca: readonly string[]): {
  secureContext?: ReturnType<typeof secureContextTrusting>;
} {
  const secureContext = secureContextTrusting(ca);
  return secureContext === undefined ? {} : { secureContext };
}

// RFC 6066 §3: SNI carries DNS names only (Node warns on the host's stderr when given an IP). An IP
// certificate name is therefore not sent; the certificate is still checked against it, below.
function serverNameOptions(servername: string | undefined): { servername?: string } {
  return servername === undefined || isIP(servername) !== 0 ? {} : { servername };
}

function identityCheckOption(servername: string | undefined): {
  checkServerIdentity?: (host: string, certificate: PeerCertificate) => Error | undefined;
} {
  if (servername === undefined || isIP(servername) === 0) return {};
  return { checkServerIdentity: (_host, certificate) => checkServerIdentity(servername, certificate) };
}
