/**
 * The wall clock a bench count runs at. The seed's history is fixed (it ends at {@link SEED_END_MS}, so
 * a built mailbox can be cached), but what a count does depends on how long ago its range ended: a
 * range that ended over a week ago searches each folder's cursor floor instead of reading it from the
 * dates after the range (src/counting/sync-cursor.ts). Without a pinned clock the bench's "yesterday"
 * would turn into "a day eight days ago" a week after the seed's end, and every figure would change
 * path with the calendar. So the SDK's process reads the clock as the morning after the seed
 * ({@link MORNING_AFTER_SEED_MS}: 06:00 UTC on the 25th, when a daily sync counts the 24th), advancing
 * at the real rate; `--counted-at real` (the machine's clock) or `--counted-at <ISO instant>` chooses
 * another.
 */
import { SEED_END_MS } from './seed-model.js';

/** 2026-11-25T06:00:00Z: the morning after the seed's last Berlin day. */
export const MORNING_AFTER_SEED_MS = SEED_END_MS + 6 * 3_600_000;

/**
 * The instant the bench's counts run at, from `--counted-at`: `real` for the machine's clock
 * (`undefined`), an ISO instant, or by default the morning after the seed.
 *
 * @param argv - The bench's arguments.
 * @returns The instant, or `undefined` for the machine's own clock.
 */
export function countedAtOf(argv: readonly string[]): number | undefined {
  const index = argv.indexOf('--counted-at');
  if (index < 0) return MORNING_AFTER_SEED_MS;
  const value = argv[index + 1] ?? '';
  if (value === 'real') return undefined;
  const atMs = Date.parse(value);
  if (Number.isNaN(atMs)) throw new Error(`--counted-at: expected real or an ISO instant, got ${value}`);
  return atMs;
}

const realNow = Date.now.bind(Date);

/**
 * Makes this process's `Date.now()` read `atMs` now, then advance at the real rate. The SDK reads the
 * wall clock only through `Date.now()` (luxon too); timers and `performance.now()` are untouched. Only
 * for the SDK: imapflow turns a `since`/`before` search into WITHIN's YOUNGER/OLDER seconds counted
 * from the client's `Date.now()` (its search-compiler.js) when the server offers WITHIN, so hand-written
 * imapflow code under a pinned clock would search the wrong days (it counted none of "yesterday").
 *
 * @param atMs - The instant the clock reads now.
 * @returns A function that gives `Date.now()` the machine's clock back.
 */
export function pinClock(atMs: number): () => void {
  const offsetMs = atMs - realNow();
  Date.now = () => realNow() + offsetMs;
  return () => {
    Date.now = realNow;
  };
}

/**
 * Runs `work` with the clock pinned at `atMs` (when given), and gives the machine's clock back after.
 *
 * @param atMs - The instant, or `undefined` for the machine's own clock.
 * @param work - The SDK call.
 * @returns What `work` returns.
 */
export async function atClock<T>(atMs: number | undefined, work: () => Promise<T>): Promise<T> {
  if (atMs === undefined) return work();
  const unpin = pinClock(atMs);
  try {
    return await work();
  } finally {
    unpin();
  }
}
