import { DateTime } from 'luxon';

/** The mailboxes of the benchmark account and their share of the messages. */
export const BENCH_MAILBOXES = [
  { path: 'INBOX', share: 0.65, counts: 'received' },
  { path: 'Sent', share: 0.2, counts: 'sent' },
  { path: 'Archive', share: 0.05, counts: 'received' },
  { path: 'Projects', share: 0.04, counts: 'received' },
  { path: 'Clients', share: 0.03, counts: 'received' },
  { path: 'Junk', share: 0.02, counts: 'skipped' },
  { path: 'Trash', share: 0.01, counts: 'skipped' },
] as const;

export type BenchMailboxPath = (typeof BENCH_MAILBOXES)[number]['path'];

/** The last instant of the seeded history (exclusive); ranges in the bench end here. */
export const SEED_END_MS = Date.UTC(2026, 10, 25);
const SEED_DAYS = 3 * 365;
const SEED_START_MS = SEED_END_MS - SEED_DAYS * 86_400_000;
// Senders' zones: the hours and weekdays of the arrival pattern are theirs.
const SENDER_OFFSETS_MINUTES = [60, 0, -300, -480, 330, 345, 540, 600];
const OUT_OF_ORDER_SHARE = 0.03;
/** The zone whose midnights get messages exactly at and 1 s before them (bucket edges). */
export const EDGE_ZONE = 'Europe/Berlin';

/** A deterministic PRNG (mulberry32): the same seed gives the same mailbox on every machine. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** One mailbox of the seed: the INTERNALDATE (ms, whole seconds) of each message, in append (UID) order. */
export interface SeededMailbox {
  readonly path: BenchMailboxPath;
  readonly counts: 'sent' | 'received' | 'skipped';
  readonly datesMs: readonly number[];
}

/**
 * The benchmark mailbox for a size: 3 years of mail with weekday and working-hour arrival patterns in
 * several senders' zones, messages exactly at and 1 s before each Berlin midnight of the last year, and
 * 3 % of each mailbox appended out of date order.
 *
 * @param size - Total messages.
 * @param seed - PRNG seed.
 * @returns Every mailbox with its messages in UID order.
 */
export function generateSeed(size: number, seed = 20261125): SeededMailbox[] {
  const random = prng(seed);
  return BENCH_MAILBOXES.map((mailbox) => {
    const total = Math.round(size * mailbox.share);
    const dates: number[] = [];
    if (mailbox.path === 'INBOX') dates.push(...edgeDates());
    while (dates.length < total) dates.push(arrivalDate(random));
    dates.length = total;
    dates.sort((a, b) => a - b);
    return { path: mailbox.path, counts: mailbox.counts, datesMs: displaceSome(dates, random) };
  });
}

function arrivalDate(random: () => number): number {
  for (;;) {
    const atMs = SEED_START_MS + Math.floor(random() * SEED_DAYS * 86_400) * 1000;
    const offset = SENDER_OFFSETS_MINUTES[Math.floor(random() * SENDER_OFFSETS_MINUTES.length)] ?? 0;
    const local = new Date(atMs + offset * 60_000);
    const weekday = local.getUTCDay();
    const hour = local.getUTCHours();
    const dayWeight = weekday === 0 || weekday === 6 ? 0.2 : 1;
    const hourWeight = hour >= 8 && hour < 18 ? 1 : hour >= 6 && hour < 22 ? 0.3 : 0.05;
    if (random() < dayWeight * hourWeight) return atMs;
  }
}

// At and 1 s before every Berlin midnight of the last year: the messages a wrong bucket edge miscounts.
function edgeDates(): number[] {
  const dates: number[] = [];
  let midnight = DateTime.fromMillis(SEED_END_MS, { zone: EDGE_ZONE }).startOf('day');
  const first = SEED_END_MS - 366 * 86_400_000;
  while (midnight.toMillis() > first) {
    dates.push(midnight.toMillis(), midnight.toMillis() - 1000);
    midnight = midnight.minus({ days: 1 }).startOf('day');
  }
  return dates.filter((ms) => ms < SEED_END_MS);
}

// Imports and moves: a few messages arrive (get their UID) long after their INTERNALDATE.
function displaceSome(sorted: readonly number[], random: () => number): number[] {
  const keyed = sorted.map((date, index) => {
    const position = random() < OUT_OF_ORDER_SHARE ? index + random() * (sorted.length - index) : index;
    return { date, position };
  });
  keyed.sort((a, b) => a.position - b.position);
  return keyed.map((entry) => entry.date);
}

/** Expected sent/received counts per bucket, computed from the seed list only. */
export function expectedCounts(
  seed: readonly SeededMailbox[],
  boundariesMs: readonly number[],
): { sent: number[]; received: number[] } {
  const buckets = boundariesMs.length - 1;
  const result = { sent: new Array<number>(buckets).fill(0), received: new Array<number>(buckets).fill(0) };
  for (const mailbox of seed) {
    if (mailbox.counts === 'skipped') continue;
    const tally = result[mailbox.counts];
    for (const date of mailbox.datesMs) {
      const index = upperBound(boundariesMs, date) - 1;
      if (index >= 0 && index < buckets) tally[index] = (tally[index] ?? 0) + 1;
    }
  }
  return result;
}

function upperBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] ?? 0) <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}
