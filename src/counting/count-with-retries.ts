import type { ImapConnectorConfig } from '../config/config-schema.js';
import { ImapConnectorError } from '../errors/imap-connector-error.js';
import { logQuietly } from '../logger.js';
import type { RetryPolicy } from '../retry/retry-policy.js';
import { withRetries } from '../retry/with-retries.js';
import type { CountRangeInput } from './count-range.js';
import { type CountContext, type CountSignalsOptions, countSignals } from './count-signals.js';
import { countIncrementally } from './incremental-count.js';
import { PreparedRange } from './prepared-range.js';
import { mailboxListings } from './side-listing.js';
import type { SignalCounts } from './signal-counts.js';
import { accountIdentityOf, type CursorFallbackReason, decodeCursor } from './sync-cursor.js';

/**
 * {@link countSignals}, tried again on a new connection after a transient failure (reset, timeout, BYE,
 * RFC 5530 UNAVAILABLE/INUSE/LIMIT, UIDVALIDITY change), as the policy allows.
 *
 * @param config - The validated configuration.
 * @param context - Logger and mailbox selection.
 * @param retry - How many tries, how long between them.
 * @param range - `{ since, until }` or `{ from, to }`; parsed and split into buckets once, before any try.
 * @param options - Buckets, signal, progress.
 * @returns The counts of the successful try, with `attempts` and the total `elapsedMs`.
 * @throws {@link ImapConnectorError} `CONFIG_INVALID` for a bad range (nothing is sent), or the last
 *   failure, with `detail.attempts`.
 */
export async function countSignalsWithRetries(
  config: ImapConnectorConfig,
  context: CountContext,
  retry: RetryPolicy,
  range: CountRangeInput,
  options: CountSignalsOptions,
): Promise<SignalCounts> {
  const startedAt = performance.now();
  if (options.cursor !== undefined && typeof options.cursor !== 'string') {
    throw new ImapConnectorError({
      code: 'CONFIG_INVALID',
      message: 'Invalid count options: cursor: pass the cursor string of an earlier result, or nothing.',
      detail: {
        phase: 'config',
        issues: [
          {
            field: 'cursor',
            code: 'invalid_type',
            message: 'Pass the cursor string of an earlier result, or nothing.',
          },
        ],
      },
    });
  }
  if (options.mailboxListing !== undefined && !mailboxListings.includes(options.mailboxListing)) {
    throw new ImapConnectorError({
      code: 'CONFIG_INVALID',
      message: `Invalid count options: mailboxListing: use one of ${mailboxListings.join(', ')}.`,
      detail: {
        phase: 'config',
        issues: [
          {
            field: 'mailboxListing',
            code: 'invalid_value',
            message: `Use one of ${mailboxListings.join(', ')}.`,
          },
        ],
      },
    });
  }
  // Checked now (nothing invalid is sent); its zone arithmetic waits for the first try's login.
  const prepared = PreparedRange.check(range, options.granularity, options.timeZone, options.signal);
  await prepared.beforeConnecting();
  const cursor =
    options.cursor === undefined ? undefined : decodeCursor(options.cursor, accountIdentityOf(config));
  const { value, attempts } = await withRetries(
    { policy: retry, logger: context.logger, signal: options.signal, operation: 'countSignals' },
    async () => {
      let fallbackReason: CursorFallbackReason | null = cursor?.ok === false ? cursor.reason : null;
      if (cursor?.ok === true) {
        const outcome = await countIncrementally(config, context, prepared, cursor.state, options);
        if (outcome.kind === 'counted') return outcome.counts;
        logQuietly(
          context.logger,
          'info',
          'countSignals: the cursor no longer fits the mailboxes, counting in full',
          {
            reason: outcome.message,
          },
        );
        fallbackReason = outcome.reason;
      }
      const full = await countSignals(config, context, prepared, options);
      return { ...full, fallbackReason };
    },
  );
  return { ...value, elapsedMs: Math.round(performance.now() - startedAt), attempts };
}
