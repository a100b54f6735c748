/**
 * A big mailbox for exactness at scale: messages spread evenly over consecutive days of a zone (whole
 * seconds), plus one at every interior midnight and one a second before it, with the count each day
 * must find worked out from the seed list alone (a message belongs to the day whose midnight is at or
 * before it).
 */
import { DateTime } from 'luxon';

/** The seeded instants, the range they span and the expected count per day. */
export interface SpreadSeeds {
  readonly since: number;
  readonly until: number;
  /** Each message's INTERNALDATE, epoch ms, in UID order. */
  readonly seeds: readonly number[];
  readonly expectedDaily: readonly number[];
}

/**
 * @param options - The zone, the first day (local ISO date), how many days and how many spread messages.
 * @returns The seeds and what a daily count must find.
 *
 * @example
 * ```ts
 * const { since, until, seeds, expectedDaily } = spreadOverDays({ zone: 'Europe/Berlin', firstDay: '2026-03-01', days: 10, messages: 30_000 });
 * ```
 */
export function spreadOverDays(options: {
  readonly zone: string;
  readonly firstDay: string;
  readonly days: number;
  readonly messages: number;
}): SpreadSeeds {
  const { zone, firstDay, days: dayCount, messages } = options;
  const first = DateTime.fromISO(`${firstDay}T00:00:00`, { zone });
  const days = Array.from({ length: dayCount + 1 }, (_, day) => first.plus({ days: day }).toMillis());
  const since = days[0] ?? 0;
  const until = days[dayCount] ?? 0;
  const seeds = [
    ...Array.from(
      { length: messages },
      (_, index) => Math.floor((since + ((until - since) * index) / messages) / 1000) * 1000,
    ),
    ...days.slice(1, dayCount).flatMap((midnight) => [midnight, midnight - 1_000]),
  ];
  const expectedDaily = days.slice(0, dayCount).map((start, day) => {
    const end = days[day + 1] ?? 0;
    return seeds.filter((atMs) => atMs >= start && atMs < end).length;
  });
  return { since, until, seeds, expectedDaily };
}
