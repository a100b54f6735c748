// A count's range between the host's call and the first command that needs it: checked before any
// connection, its zone arithmetic (the range in epoch milliseconds, the buckets) done while the
// counting connection's login is in flight. The first time-zone formatter of a process loads ICU's
// date-time data (~20 ms, most of a cold count's time before it connects); the server's password
// check takes about as long, so a cold count pays it there instead (docs/performance.md, "Cold
// process").
import {
  type BucketGranularity,
  type CountRange,
  type CountRangeInput,
  earlyRangeCheck,
  parseCountRange,
} from './count-range.js';
import { bucketsOf, type TimeBucket } from './time-buckets.js';

// The most buckets whose making waits for the login: ~3 years of days, a few milliseconds of work
// (~11 µs a bucket). More are made before connecting, as a connection would otherwise idle meanwhile
// (100,000 take ~1 s).
const MOST_BUCKETS_DURING_LOGIN = 1_000;

/** The parsed range and its buckets. */
export interface ResolvedRange {
  readonly range: CountRange;
  readonly buckets: readonly TimeBucket[];
}

/** A range known to be valid, whose zone arithmetic runs once, when it is begun or first needed. */
export class PreparedRange {
  readonly #parse: () => CountRange;
  readonly #signal: AbortSignal | undefined;
  readonly #duringLogin: boolean;
  #resolved: Promise<ResolvedRange> | undefined;

  private constructor(parse: () => CountRange, signal: AbortSignal | undefined, duringLogin: boolean) {
    this.#parse = parse;
    this.#signal = signal;
    this.#duringLogin = duringLogin;
  }

  /**
   * Checks a range before anything is sent: without the zone's offsets where that settles it
   * ({@link earlyRangeCheck}) and the buckets are few, so that their arithmetic can wait for the login;
   * otherwise by parsing it at once (then {@link beforeConnecting} makes the buckets too).
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
    const early = earlyRangeCheck(input, granularity, timeZone);
    if (early.accepted && early.mostBuckets <= MOST_BUCKETS_DURING_LOGIN) {
      return new PreparedRange(() => parseCountRange(input, granularity, timeZone), signal, true);
    }
    const parsed = parseCountRange(input, granularity, timeZone);
    return new PreparedRange(() => parsed, signal, false);
  }

  /**
   * What must be done before connecting: nothing for a range whose arithmetic waits for the login;
   * the buckets of any other (many buckets take a while: a connection should not idle meanwhile).
   *
   * @returns Once the range may be handed to a connection.
   * @throws {@link ImapConnectorError} `ABORTED` when the signal fires during the bucket computation.
   */
  async beforeConnecting(): Promise<void> {
    if (!this.#duringLogin) await this.resolved();
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
