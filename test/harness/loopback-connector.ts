import { ImapConnector, type ImapConnectorOptions } from '../../src/index.js';

/** An account's credentials, as a test holds them (`MailUser`, or a fake server's fixed login). */
export interface AccountCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * A connector to an account on 127.0.0.1 without TLS — through a proxy or a fault server in front of
 * the test Dovecot, or a fake server — the connector most integration tests build.
 *
 * @param port - The plaintext port.
 * @param account - Username and password.
 * @param options - Connector options (logger, retry, limiter...).
 * @returns The connector.
 */
export function loopbackConnector(
  port: number,
  account: AccountCredentials,
  options?: ImapConnectorOptions,
): ImapConnector {
  return new ImapConnector(
    { host: '127.0.0.1', port, security: 'none', username: account.username, password: account.password },
    options,
  );
}
