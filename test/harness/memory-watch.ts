import { expect } from 'vitest';

/**
 * Watches what a hostile server makes this process hold, independently of when V8 collects garbage.
 *
 * Peak RSS alone measures V8's heuristics as much as the SDK: an untagged flood that the client parses
 * and drops leaves 40–140 MB of garbage between two collections depending on the heap the process
 * had before (the same case: 54–76 MiB in one test run, 142 MiB in a CI run on a loaded machine),
 * while what it really holds stays at ~2 MiB. So the watcher collects garbage (`gc()`, which the test
 * workers get from `--expose-gc` in vitest.config.ts) before every sample and reports the growth of
 * the live heap and off-heap buffers; that is what an unbounded buffer of the SDK would grow. Peak RSS
 * is still reported, for a generous second bound on what a host would see at worst.
 *
 * @example
 * ```ts
 * const stop = watchMemory();
 * await connector.countSignals(range).catch(() => undefined);
 * const { liveGrowth, rssGrowth } = stop();
 * expect(liveGrowth).toBeLessThan(LIVE_BOUND_BYTES);
 * ```
 */

/** How often the live memory is sampled: each sample is a full collection (a few ms on a test worker). */
const SAMPLE_INTERVAL_MS = 50;

/** What a watched stretch made the process hold, in bytes over the start. */
export interface MemoryGrowth {
  /** Peak growth of live memory, after a collection: the JS heap in use plus off-heap memory. */
  readonly liveGrowth: number;
  /** Peak growth of the resident set, garbage included, sampled every 10 ms without collecting. */
  readonly rssGrowth: number;
}

function collectedLiveBytes(collect: () => void): number {
  collect();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

/**
 * The live memory of this process right now: the JS heap in use plus off-heap memory, after a full
 * collection. Two readings taken apart tell what the work between them kept (a leak), whatever V8's
 * collection timing.
 *
 * @returns Bytes.
 */
export function liveBytesAfterCollection(): number {
  const collect = globalThis.gc;
  if (collect === undefined)
    throw new Error('liveBytesAfterCollection needs gc(): run the worker with --expose-gc');
  // Twice: what the first collection's finalizers released is collected by the second.
  collect();
  return collectedLiveBytes(collect);
}

/**
 * Starts watching. Throws when `gc()` is not exposed: without it the live measure would be garbage
 * timing again, and a test passing on it would prove nothing.
 *
 * @returns A function that stops watching and returns the peak growths.
 */
export function watchMemory(): () => MemoryGrowth {
  const collect = globalThis.gc;
  if (collect === undefined)
    throw new Error('watchMemory needs gc(): run the worker with --expose-gc (vitest.config.ts execArgv)');
  const liveStart = collectedLiveBytes(collect);
  const rssStart = process.memoryUsage.rss();
  let livePeak = liveStart;
  let rssPeak = rssStart;
  const rssTimer = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }, 10);
  const liveTimer = setInterval(() => {
    livePeak = Math.max(livePeak, collectedLiveBytes(collect));
  }, SAMPLE_INTERVAL_MS);
  return () => {
    clearInterval(rssTimer);
    clearInterval(liveTimer);
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    livePeak = Math.max(livePeak, collectedLiveBytes(collect));
    return { liveGrowth: livePeak - liveStart, rssGrowth: rssPeak - rssStart };
  };
}

/**
 * What a hostile server may make this process hold at once, live, client and fault server together.
 * The largest thing the SDK holds on a server's word is one response line up to imapflow's 16 MiB
 * line cap (`session/imapflow-options.ts`), which costs up to ~3× while its chunks are joined and read
 * (measured: 36 MiB for a line without end, cut at the cap; 48 MiB for a 15 MB SORT answer).
 */
export const LIVE_BOUND_BYTES = 64 * 1024 * 1024;
/**
 * Peak RSS growth, garbage not yet collected included: the bound of the server fuzz (`test/fuzz/`).
 * Well above what V8's heuristics leave between collections, far below what a missing cap grows.
 */
export const RSS_BOUND_BYTES = 256 * 1024 * 1024;

/**
 * Asserts both bounds.
 *
 * @param growth - What {@link watchMemory} measured.
 */
export function expectBoundedMemory(growth: MemoryGrowth): void {
  expect(growth.liveGrowth).toBeLessThan(LIVE_BOUND_BYTES);
  expect(growth.rssGrowth).toBeLessThan(RSS_BOUND_BYTES);
}
