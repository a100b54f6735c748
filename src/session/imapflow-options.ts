import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { ImapFlowOptions, Logger } from 'imapflow';
import type { ImapConnectorConfig } from '../config/config-schema.js';

// Bounds on what a hostile or broken server can make the client buffer. A SEARCH answer for a
// million-message mailbox is a ~7 MB line; nothing legitimate a count reads comes near these.
const MAX_LINE_BYTES = 64 * 1024 * 1024;
const MAX_LITERAL_BYTES = 16 * 1024 * 1024;
const MAX_RESPONSE_BYTES = 80 * 1024 * 1024;

/** Why a session is opened: a test needs no compression; a count benefits from it. */
export type SessionPurpose = 'test' | 'count';

/**
 * The imapflow options for a configuration. Everything imapflow would do on its own that the SDK owns
 * instead is turned off: its console logger, its 90 s connect budget, auto-IDLE, auto-ENABLE (whose
 * CONDSTORE adds MODSEQ to every FETCH row), and any plaintext fallback when STARTTLS is required.
 *
 * @param config - The validated configuration.
 * @param logger - The observing logger.
 * @param purpose - What the session is for.
 * @returns Options for `new ImapFlow()`.
 */
export function imapFlowOptionsOf(
  config: ImapConnectorConfig,
  logger: Logger,
  purpose: SessionPurpose,
): ImapFlowOptions {
  return {
    host: config.host,
    port: config.port,
    secure: config.security === 'tls',
    // true: upgrade or fail, never log in over plaintext; false: the admin chose no encryption.
    doSTARTTLS: config.security === 'starttls' ? true : config.security === 'none' ? false : undefined,
    ...(config.tls.servername === undefined ? {} : { servername: config.tls.servername }),
    tls: {
      // Node replaces its trusted roots with `ca`; the SDK adds to them instead.
      ...(config.tls.ca.length > 0 ? { secureContext: secureContextWithExtraCas(config.tls.ca) } : {}),
      rejectUnauthorized: config.tls.rejectUnauthorized,
      minVersion: MIN_TLS_VERSION,
    },
    auth: { user: config.username, pass: config.password },
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

const MIN_TLS_VERSION = 'TLSv1.2';
const SECURE_CONTEXT_CACHE_SIZE = 32;
const secureContexts = new Map<string, SecureContext>();

// Parsing Node's ~140 root certificates plus the host's CAs takes 40–60 ms: once per CA set, not once
// per connection (a connection test is otherwise slowed by half). Bounded for hosts with many tenants.
function secureContextWithExtraCas(cas: readonly string[]): SecureContext {
  const key = cas.join('\n');
  const cached = secureContexts.get(key);
  if (cached) return cached;
  const context = createSecureContext({ ca: [...rootCertificates, ...cas], minVersion: MIN_TLS_VERSION });
  if (secureContexts.size >= SECURE_CONTEXT_CACHE_SIZE) {
    const oldest = secureContexts.keys().next().value;
    if (oldest !== undefined) secureContexts.delete(oldest);
  }
  secureContexts.set(key, context);
  return context;
}
