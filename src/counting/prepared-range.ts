// A count's range between the host's call and the first command that needs it: checked before any
// connection, its zone arithmetic (the range in epoch milliseconds, the buckets) done while the
// counting connection's login is in flight. The first time-zone formatter of a process loads ICU's
// date-time data (~20 ms, most of a cold count's time before it connects); the server's password
// check takes about as long, so a cold count pays it there instead (docs/performance.md, "Cold
// process").
import {
  acceptedWithoutZoneData,
  type BucketGranularity,
  type CountRange,
  type CountRangeInput,
  parseCountRange,
} from './count-range.js';
import { bucketsOf, type TimeBucket } from './time-buckets.js';

/** The parsed range and its buckets. */
export interface ResolvedRange {
  readonly range: CountRange;
  readonly buckets: readonly TimeBucket[];
}

/** A range known to be valid, whose zone arithmetic runs once, when it is begun or first needed. */
export class PreparedRange {
  readonly #parse: () => CountRange;
  readonly #signal: AbortSignal | undefined;
  #resolved: Promise<ResolvedRange> | undefined;

  private constructor(parse: () => CountRange, signal: AbortSignal | undefined) {
    this.#parse = parse;
    this.#signal = signal;
  }

  /**
   * Checks a range before anything is sent: without the zone's offsets where that settles it
   * ({@link acceptedWithoutZoneData}), by parsing it at once otherwise.
   *
   * @param input - `{ since, until }` or `{ from, to }`.
   * @param granularity - Optional bucket size.
   * @param timeZone - IANA zone; defaults to `UTC`.
   * @param signal - Aborts the bucket computation.
   * @returns The prepared range.
   * @throws {@link ImapConnectorError} `CONFIG_INVALID` for a bad range, as {@link parseCountRange}.
   */
  static check(
    input: CountRangeInput,
    granularity: BucketGranularity | undefined,
    timeZone: string | undefined,
    signal: AbortSignal | undefined,
  ): PreparedRange {
    if (acceptedWithoutZoneData(input, granularity, timeZone)) {
      return new PreparedRange(() => parseCountRange(input, granularity, timeZone), signal);
    }
    const parsed = parseCountRange(input, granularity, timeZone);
    return new PreparedRange(() => parsed, signal);
  }

  /**
   * Starts the zone arithmetic on the next turn of the event loop, so that a command written just
   * before (the login) leaves first; nothing if it has started already.
   */
  begin(): void {
    if (this.#resolved !== undefined) return;
    this.#resolved = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#resolve());
    // Observed by whoever needs the range; a failure here (an abort) must not go unhandled meanwhile.
    this.#resolved.catch(() => undefined);
  }

  /**
   * The parsed range and its buckets, computed once (at once, if nothing has begun it).
   *
   * @returns The range and buckets.
   * @throws {@link ImapConnectorError} `ABORTED` when the signal fires during the bucket computation.
   */
  resolved(): Promise<ResolvedRange> {
    this.#resolved ??= this.#resolve();
    return this.#resolved;
  }

  async #resolve(): Promise<ResolvedRange> {
    const range = this.#parse();
    return { range, buckets: await bucketsOf(range, { signal: this.#signal }) };
  }
}
