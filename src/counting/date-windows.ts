import type { DateWindow } from '../session/imap-session.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
// The extreme UTC offsets in use (Etc/GMT+12 … Pacific/Kiritimati). A server compares SINCE/BEFORE
// dates in some zone between these (Dovecot: its process's zone; others: UTC or the message's own).
const MAX_OFFSET_WEST_MS = 12 * HOUR_MS;
const MAX_OFFSET_EAST_MS = 14 * HOUR_MS;

const floorDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
const ceilDay = (ms: number) => Math.ceil(ms / DAY_MS) * DAY_MS;

/**
 * The date-only window that contains every message of `[sinceMs, untilMs)` whatever zone the server
 * compares dates in: a message at instant t has the server-local date of t + offset, offset ∈ [−12 h, +14 h].
 *
 * @param sinceMs - Range start (inclusive).
 * @param untilMs - Range end (exclusive).
 * @returns A superset window; its messages still need their exact INTERNALDATE checked.
 */
export function supersetWindowOf(sinceMs: number, untilMs: number): DateWindow {
  return {
    sinceDayMs: floorDay(sinceMs - MAX_OFFSET_WEST_MS),
    beforeDayMs: floorDay(untilMs - 1 + MAX_OFFSET_EAST_MS) + DAY_MS,
  };
}

/**
 * The date-only window whose messages are all inside `[sinceMs, untilMs)` whatever zone the server
 * compares dates in, so they can be counted without fetching their dates.
 *
 * @param sinceMs - Range start (inclusive).
 * @param untilMs - Range end (exclusive).
 * @returns The interior window, or `undefined` when the range is too short to have one (under ~2 days).
 */
export function interiorWindowOf(sinceMs: number, untilMs: number): DateWindow | undefined {
  // Server date ≥ X ⇒ t ≥ X − 14 h ≥ since;  server date < Y ⇒ t < Y + 12 h ≤ until.
  const sinceDayMs = ceilDay(sinceMs + MAX_OFFSET_EAST_MS);
  const beforeDayMs = floorDay(untilMs - MAX_OFFSET_WEST_MS);
  return sinceDayMs < beforeDayMs ? { sinceDayMs, beforeDayMs } : undefined;
}
