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
    auth: { user: config.username, pass: password },
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
