/** The connection a count runs on: opened, logged out, and its failures mapped, the same for every kind of count. */
import type { ImapConnectorConfig } from '../config/config-schema.js';
import { hostErrorOf, unexpectedFailure } from '../errors/unexpected-failure.js';
import { ImapSession } from '../session/imap-session.js';
import type { CountContext } from './count-signals.js';
import type { SignalCounts } from './signal-counts.js';

/**
 * Opens a count's session, runs `count` on it, logs out, and hands the result to `finish`. A failure
 * closes the session; a host callback's own error passes up as it is (withRetries unwraps it), anything
 * unclassified becomes `UNKNOWN` with its redacted cause.
 *
 * @param config - The validated configuration.
 * @param context - Logger and the shared connection limiter.
 * @param signal - The caller's cancellation.
 * @param count - The work on the open session.
 * @param finish - Builds the returned value once logged out (with the session, for redaction).
 * @returns What `finish` returns.
 */
export async function inCountSession<R, T>(
  config: ImapConnectorConfig,
  context: Pick<CountContext, 'logger' | 'limiter'>,
  signal: AbortSignal | undefined,
  count: (session: ImapSession) => Promise<R>,
  finish: (result: R, session: ImapSession) => T,
): Promise<T> {
  const session = await ImapSession.open(config, {
    purpose: 'count',
    logger: context.logger,
    signal,
    overallTimeoutMs: config.timeouts.countSignalsMs,
    limiter: context.limiter,
  });
  try {
    const result = await count(session);
    await session.logout();
    return finish(result, session);
  } catch (error) {
    session.close();
    if (hostErrorOf(error)) throw error;
    throw unexpectedFailure(error, session.secrets);
  }
}

/**
 * The counts as handed back: mailbox names and warnings quote the server, and a hostile one can echo
 * the password, so those are redacted. Only those: the buckets are the SDK's own, and redacting 100k of
 * them would block the event loop.
 *
 * @param counts - The counts of one try.
 * @param session - The session they were counted on (its secret forms).
 * @param startedAtMs - `performance.now()` when the try began.
 * @returns The counts, redacted, with `elapsedMs`.
 */
export function redactedCounts<C extends Pick<SignalCounts, 'mailboxes' | 'warnings'>>(
  counts: C,
  session: ImapSession,
  startedAtMs: number,
): C & { elapsedMs: number } {
  return {
    ...counts,
    mailboxes: session.redacted(counts.mailboxes),
    warnings: session.redacted(counts.warnings),
    elapsedMs: Math.round(performance.now() - startedAtMs),
  };
}
