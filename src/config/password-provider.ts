/** What a {@link PasswordProvider} is told when it is called. */
export interface PasswordRequest {
  /** Aborted when the caller cancels or the login deadline passes: a vault request can stop then. */
  readonly signal: AbortSignal;
}

/**
 * Fetches the password at connect time, once per connection, so a host can keep it in a vault rather
 * than in memory. A plain `() => Promise<string>` fits. It must resolve to the non-empty password
 * within `timeouts.loginMs`; if it throws, rejects, times out or resolves to anything else, the
 * operation fails with `PASSWORD_UNAVAILABLE`, which is never retried.
 *
 * @example
 * ```ts
 * const connector = new ImapConnector({
 *   host: 'imap.fastmail.com',
 *   username: 'me@example.com',
 *   password: () => vault.read('imap/me@example.com'),
 * });
 * ```
 */
export type PasswordProvider = (request: PasswordRequest) => string | Promise<string>;
