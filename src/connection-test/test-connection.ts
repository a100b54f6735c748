import type { ImapConnectorConfig } from '../config/config-schema.js';
import type { FieldIssue } from '../errors/failure-detail.js';
import type { ImapConnectorError } from '../errors/imap-connector-error.js';
import { knownSecretsOf } from '../errors/secret-redaction.js';
import { unexpectedFailure } from '../errors/unexpected-failure.js';
import type { ConnectionLimiter } from '../limits/connection-limiter.js';
import type { ConnectorLogger } from '../logger.js';
import { partitionByMailboxName } from '../mailboxes/mailbox-names.js';
import { detectMailboxRoles } from '../mailboxes/role-detection.js';
import { ImapSession } from '../session/imap-session.js';
import type { ConnectionTestFailure, ConnectionTestResult } from './connection-test-result.js';

/** What a connection test needs besides the configuration. */
export interface ConnectionTestContext {
  readonly logger: ConnectorLogger;
  readonly warnings: readonly FieldIssue[];
  readonly signal?: AbortSignal | undefined;
  /** The host's shared cap on connections, if any. */
  readonly limiter?: ConnectionLimiter | undefined;
}

/**
 * Connects, negotiates TLS, logs in, reads capabilities, lists mailboxes to find their roles, and logs
 * out: the minimum that proves the settings work and that counting will find the Sent folder.
 *
 * @param config - The validated configuration.
 * @param context - Logger, configuration warnings and the caller's signal.
 * @returns Success or a catalog failure; never rejects.
 */
export async function testConnection(
  config: ImapConnectorConfig,
  context: ConnectionTestContext,
): Promise<ConnectionTestResult> {
  const startedAt = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAt);
  let session: ImapSession | undefined;
  try {
    session = await ImapSession.open(config, {
      purpose: 'test',
      logger: context.logger,
      signal: context.signal,
      overallTimeoutMs: config.timeouts.testConnectionMs,
      limiter: context.limiter,
    });
    const capabilities = session.capabilities;
    // A mailbox whose name no command could carry back is left out, as a count leaves it out.
    const { usable } = partitionByMailboxName(await session.listMailboxes());
    const mailboxes = detectMailboxRoles(usable, capabilities);
    const greeting = session.greeting;
    await session.logout();
    // Mailbox names and the greeting are the server's words: a hostile one can echo the password.
    return session.redacted({
      ok: true,
      message: `Authenticated as ${config.username}`,
      authenticatedAs: config.username,
      server: {
        host: config.host,
        port: config.port,
        security: config.security,
        ...(greeting === undefined ? {} : { greeting }),
      },
      insecure: config.security === 'none' || !config.tls.rejectUnauthorized,
      capabilities,
      mailboxes,
      commands: [...session.commandsSent],
      warnings: context.warnings,
      elapsedMs: elapsed(),
    });
  } catch (error) {
    session?.close();
    return failureResult(
      unexpectedFailure(error, session?.secrets ?? knownSecretsOf(config)),
      context.warnings,
      elapsed(),
    );
  }
}

function failureResult(
  failure: ImapConnectorError,
  warnings: readonly FieldIssue[],
  elapsedMs: number,
): ConnectionTestFailure {
  const { name: _name, ...fields } = failure.toJSON();
  return { ok: false, ...fields, warnings, elapsedMs };
}
