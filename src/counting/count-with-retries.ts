import type { ImapConnectorConfig } from '../config/config-schema.js';
import type { RetryPolicy } from '../retry/retry-policy.js';
import { withRetries } from '../retry/with-retries.js';
import { type CountRangeInput, parseCountRange } from './count-range.js';
import { type CountContext, type CountSignalsOptions, countSignals } from './count-signals.js';
import type { SignalCounts } from './signal-counts.js';
import { bucketsOf } from './time-buckets.js';

/**
 * {@link countSignals}, tried again on a new connection after a transient failure (reset, timeout, BYE,
 * RFC 5530 UNAVAILABLE/INUSE/LIMIT, UIDVALIDITY change), as the policy allows.
 *
 * @param config - The validated configuration.
 * @param context - Logger and mailbox selection.
 * @param retry - How many tries, how long between them.
 * @param range - `[since, until)`.
 * @param options - Buckets, signal, progress.
 * @returns The counts of the successful try, with `attempts` and the total `elapsedMs`.
 * @throws {@link ImapConnectorError} the last failure, with `detail.attempts`.
 */
export async function countSignalsWithRetries(
  config: ImapConnectorConfig,
  context: CountContext,
  retry: RetryPolicy,
  range: CountRangeInput,
  options: CountSignalsOptions,
): Promise<SignalCounts> {
  const startedAt = performance.now();
  // Parsed once for every try: a bad range fails before any connection (CONFIG_INVALID).
  const parsedRange = parseCountRange(range, options.granularity, options.timeZone);
  const parsed = { range: parsedRange, buckets: bucketsOf(parsedRange) };
  const { value, attempts } = await withRetries(
    { policy: retry, logger: context.logger, signal: options.signal, operation: 'countSignals' },
    () => countSignals(config, context, parsed, options),
  );
  return { ...value, elapsedMs: Math.round(performance.now() - startedAt), attempts };
}
