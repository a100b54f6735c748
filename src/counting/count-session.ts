/** The connection a count runs on: opened, logged out, and its failures mapped, the same for every kind of count. */
import type { ImapConnectorConfig } from '../config/config-schema.js';
import { hostErrorOf, unexpectedFailure } from '../errors/unexpected-failure.js';
import { type ConnectorLogger, logQuietly } from '../logger.js';
import { ImapSession, resolveSessionPassword } from '../session/imap-session.js';
import type { CountContext } from './count-signals.js';
import { sideListingPays, sideListingPaysFor } from './counting-cost.js';
import { type MailboxListing, SideListing, type SideListingDecision } from './side-listing.js';
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
 * @param options - `listing: 'side-connection'`: a second, short-lived session lists the mailboxes
 *   alongside (handed to `count`), and is closed before this settles; `auto`: the same, unless the
 *   round trip measured with the login is too long for it to pay (`sideListingPays`): then the side
 *   session closes without logging in. `duringLogin`: work `count` needs first, started once the
 *   counting session's login is under way (the range's zone arithmetic, `PreparedRange.begin`).
 * @returns What `finish` returns.
 */
export async function inCountSession<R, T>(
  config: ImapConnectorConfig,
  context: Pick<CountContext, 'logger' | 'limiter'>,
  signal: AbortSignal | undefined,
  count: (session: ImapSession, side: SideListing | undefined) => Promise<R>,
  finish: (result: R, session: ImapSession) => T,
  options: {
    readonly listing?: MailboxListing | undefined;
    readonly duringLogin?: (() => void) | undefined;
  } = {},
): Promise<T> {
  const sessionOptions = {
    purpose: 'count' as const,
    logger: context.logger,
    signal,
    overallTimeoutMs: config.timeouts.countSignalsMs,
  };
  const { listing, duringLogin } = options;
  if (listing !== 'side-connection' && listing !== 'auto') {
    const session = await ImapSession.open(config, {
      ...sessionOptions,
      limiter: context.limiter,
      duringLogin,
    });
    return counted(session, undefined, count, finish);
  }
  // The counting session takes its slot first (waiting if it must); the side session only a slot free
  // at once, so it never holds up the count nor takes a slot another count waits for.
  const permit = await context.limiter?.acquire(config, { signal });
  const sidePermit = context.limiter?.tryAcquire(config);
  let resolution: Promise<string> | undefined;
  // One call of a password function per count, whichever session asks first.
  const password = () => {
    resolution ??= resolveSessionPassword(config, sessionOptions);
    return resolution;
  };
  const opening = ImapSession.open(config, { ...sessionOptions, permit, password, duringLogin });
  let counting: ImapSession | undefined;
  // Decided once, from the counting session's measured round trip: the side logs in only if it is kept.
  const declined = (session: ImapSession) =>
    listing === 'auto' && !sideListingPays(session.roundTripEstimateMs);
  const sideMayLogIn = opening.then((session) => {
    if (declined(session)) throw new Error('the link is too slow for a side listing to pay');
  });
  // Observed here: the side may never reach its login (it failed to connect, or was stopped first).
  sideMayLogIn.catch(() => undefined);
  const side =
    context.limiter !== undefined && sidePermit === undefined
      ? undefined
      : SideListing.start({
          ...sessionOptions,
          config,
          password,
          permit: sidePermit,
          loginAfter: sideMayLogIn,
          // `auto` weighs the side against the rescan once INBOX's size is known, with what the
          // counting connection's login measured.
          keepsFor:
            listing === 'auto'
              ? (inboxMessages) =>
                  counting !== undefined &&
                  sideListingPaysFor({
                    inboxMessages,
                    roundTripMs: counting.roundTripEstimateMs,
                    loginServerMs: counting.loginServerMsEstimate,
                    security: config.security,
                  })
              : undefined,
        });
  let session: ImapSession;
  try {
    session = await opening;
  } catch (error) {
    await side?.stop();
    throw error;
  }
  counting = session;
  let listingSide = side;
  if (declined(session)) {
    // Closed in the background; awaited below, before this settles.
    void side?.stop();
    listingSide = undefined;
  }
  if (listing === 'auto') {
    const roundTripMs = session.roundTripEstimateMs;
    // On a fast link, `auto` decides again on INBOX's size (SideListing.inboxExamined).
    if (listingSide === undefined)
      logListingChoice(context.logger, roundTripMs, { kept: false, inboxMessages: undefined });
    else
      void listingSide.decided.then((decision) =>
        logListingChoice(context.logger, roundTripMs, decision, session.loginServerMsEstimate),
      );
  }
  let result: T;
  try {
    result = await counted(session, listingSide, count, finish);
  } catch (error) {
    await side?.stop();
    throw error;
  }
  // The count awaited the side's list, or declined it: only its LOGOUT may still be under way. A count
  // that never told it INBOX's size (none does, but a side must not wait for ever) declines it here.
  side?.inboxExamined(undefined);
  await side?.settled();
  return result;
}

// Runs the count on the open session, logs out, and maps failures.
async function counted<R, T>(
  session: ImapSession,
  side: SideListing | undefined,
  count: (session: ImapSession, side: SideListing | undefined) => Promise<R>,
  finish: (result: R, session: ImapSession) => T,
): Promise<T> {
  try {
    const result = await count(session, side);
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

// What `auto` chose, from which round trip and INBOX size: a host reading its debug log sees why a
// count listed where it did.
function logListingChoice(
  logger: ConnectorLogger,
  roundTripMs: number | undefined,
  decision: SideListingDecision,
  loginServerMs?: number,
): void {
  logQuietly(
    logger,
    'debug',
    decision.kept
      ? 'countSignals: listing the mailboxes on a side connection'
      : 'countSignals: listing the mailboxes on the counting connection',
    {
      mailboxListing: decision.kept ? 'side-connection' : 'same-connection',
      ...(roundTripMs === undefined ? {} : { roundTripMs: Math.round(roundTripMs * 10) / 10 }),
      ...(decision.inboxMessages === undefined ? {} : { inboxMessages: decision.inboxMessages }),
      ...(decision.subscriptionsFirst === true ? { subscriptionsFirst: true } : {}),
      ...(loginServerMs === undefined ? {} : { loginServerMs: Math.round(loginServerMs * 10) / 10 }),
    },
  );
}
