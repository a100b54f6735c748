/**
 * What a count learns of the server's clock. An RFC 5032 WITHIN search (`YOUNGER n`: INTERNALDATE at or
 * after the server's now minus n seconds) is relative to the second the server reads when it starts
 * the command, which it never tells. Probes reveal that second (server-clock-counts.ts); this model
 * predicts it from the local clock, and how long the server takes per search, so that the counts of a
 * pipelined flight can be written for the second each will run in.
 *
 * Only the prediction lives here: a wrong one costs a resend, never a wrong count.
 */

// Dovecot 2.3 on the benchmark mailbox: ~0.23 µs a message and search, ~0.3 ms a command.
const DEFAULT_MS_PER_MESSAGE = 0.00025;
const MS_PER_SEARCH = 0.3;

// How far an observation may fall outside the offsets allowed so far and still be taken as noise.
const SLACK_SECONDS = 0.15;

function intersection(
  [lowA, highA]: readonly [number, number],
  [lowB, highB]: readonly [number, number],
): [number, number] | undefined {
  const low = Math.max(lowA, lowB);
  const high = Math.min(highA, highB);
  return low < high ? [low, high] : undefined;
}

/**
 * The server's second as a function of the local clock, `floor(localMs / 1000 + offset)`, with the
 * offset narrowed by each observation, and the server's search speed.
 *
 * @example
 * ```ts
 * const clock = new ServerClock();
 * clock.observe(performance.now() - 2, 1_795_000_000, '=');
 * clock.secondAt(performance.now()); // 1795000000 (or the next second)
 * ```
 */
export class ServerClock {
  // The offset (seconds) from `performance.now()` in seconds to the server's clock: every observation
  // so far allows [low, high). Before the first, the local wall clock's offset.
  #low: number;
  #high: number;
  #observed = false;
  #msPerMessage = DEFAULT_MS_PER_MESSAGE;

  constructor(wallMs: number = Date.now(), localMs: number = performance.now()) {
    const offset = (wallMs - localMs) / 1000;
    this.#low = offset - 0.5;
    this.#high = offset + 0.5;
  }

  /** Whether a probe has told the server's second yet (before that, the local clock is assumed). */
  get observed(): boolean {
    return this.#observed;
  }

  /**
   * The server's second predicted for a local instant.
   *
   * @param localMs - A `performance.now()` instant.
   * @returns Seconds since the epoch, on the server's clock.
   */
  secondAt(localMs: number): number {
    return Math.floor(localMs / 1000 + (this.#low + this.#high) / 2);
  }

  /**
   * How far off a prediction for `aheadMs` from now may be, in milliseconds: a quarter of the offsets
   * the observations still allow, and a twentieth of the time ahead (the server's speed varies).
   *
   * @param aheadMs - How far ahead of now the prediction looks.
   * @returns The margin, between 40 and 150 ms (a wider one would cost more probes than the resends
   *   it spares).
   */
  uncertaintyMs(aheadMs: number): number {
    const margin = ((this.#high - this.#low) * 1000) / 4 + aheadMs / 20;
    return Math.min(150, Math.max(40, margin));
  }

  /**
   * Milliseconds the server is predicted to take for one search of a mailbox.
   *
   * @param messages - The mailbox's size.
   * @returns The prediction.
   */
  searchMs(messages: number): number {
    return MS_PER_SEARCH + this.#msPerMessage * messages;
  }

  /**
   * Takes what a probe said: at local instant `localMs` the server's second was below, equal to or
   * above `second`. An observation the earlier ones contradict (the server's clock was set, or the
   * instant was misjudged) replaces them.
   *
   * @param localMs - When the server ran the probe (`performance.now()`), as well as it is known.
   * @param second - The second the probe compared with.
   * @param verdict - `<`, `=` or `>`.
   */
  observe(localMs: number, second: number, verdict: '<' | '=' | '>'): void {
    const at = localMs / 1000;
    // floor(at + offset) = second  ⇔  second − at ≤ offset < second + 1 − at
    let low = verdict === '>' ? second + 1 - at : verdict === '=' ? second - at : Number.NEGATIVE_INFINITY;
    let high = verdict === '<' ? second - at : verdict === '=' ? second + 1 - at : Number.POSITIVE_INFINITY;
    const narrowed = intersection([low, high], [this.#low, this.#high]);
    // The instant of a probe is only estimated (a server answers pipelined searches in bursts): an
    // observation just past the offsets allowed so far moves them a little instead of replacing them.
    const nudged =
      narrowed ?? intersection([low, high], [this.#low - SLACK_SECONDS, this.#high + SLACK_SECONDS]);
    if (nudged !== undefined) {
      [low, high] = nudged;
    } else {
      // A contradiction by more (the server's clock was set): trust the newest, a second at most wide.
      if (!Number.isFinite(low)) low = high - 1;
      if (!Number.isFinite(high)) high = low + 1;
    }
    this.#low = low;
    this.#high = high;
    if (verdict === '=') this.#observed = true;
  }

  /**
   * Takes how fast the server searched: `searches` searches of a mailbox of `messages`, answered over
   * `elapsedMs` (first to last answer).
   *
   * @param messages - The mailbox's size.
   * @param searches - Searches answered in that time.
   * @param elapsedMs - The time between the first and the last answer.
   */
  observeSearchSpeed(messages: number, searches: number, elapsedMs: number): void {
    if (searches < 8 || messages < 1 || !(elapsedMs > 0)) return;
    this.#msPerMessage = Math.max(0, elapsedMs / searches - MS_PER_SEARCH) / messages;
  }
}
