/** Fetches the INTERNALDATEs (epoch ms) of the messages at some positions of an arrival-ordered list. */
export type DatesAtPositions = (positions: readonly number[]) => Promise<ReadonlyMap<number, number>>;

/** The list's dates are not in order where they were read: the server's order cannot be used. */
export class ArrivalOrderBroken extends Error {}

/** Tuning of the search; the defaults were chosen on the benchmark's seeded mailbox (see docs/performance.md). */
export interface ArrivalSearchTuning {
  /** Coarse sample: about this many positions per boundary, before any interpolation. */
  readonly samplesPerBoundary: number;
  /** Below this many unknown positions in a bracket, reading all of them costs less than another round. */
  readonly readAllBelow: number;
  /** Positions read around each interpolated estimate. */
  readonly probeWidth: number;
  /** Lists shorter than this many positions per boundary are read whole, in one round. */
  readonly readWholeListBelow: number;
}

const DEFAULT_TUNING: ArrivalSearchTuning = {
  samplesPerBoundary: 1,
  readAllBelow: 12,
  probeWidth: 2,
  readWholeListBelow: 3,
};
const MAX_ROUNDS = 64;
// Totals have two boundaries: a sample of one per boundary would leave ~log2(n) bisection rounds.
const MIN_SAMPLE = 32;

/**
 * For each boundary instant, how many messages of a list sorted by INTERNALDATE are earlier than it:
 * the boundary's position in the list, so that bucket counts are position differences. Found by batched
 * interpolation search: a coarse sample first, then rounds that each read, in one request, a few
 * positions per unresolved boundary (around an interpolated estimate, or the middle of its bracket when
 * interpolation did not halve it), until both neighbours of every boundary are read. Exact by
 * construction on a sorted list; every date read is also checked to be in list order, and a list found
 * out of order throws.
 *
 * @param length - The list's length.
 * @param boundaries - Ascending instants (ms).
 * @param datesAt - Reads the dates at positions, in one round trip.
 * @param tuning - Search parameters (tests and the benchmark vary them).
 * @returns For each boundary, the number of list entries with a date before it.
 * @throws {@link ArrivalOrderBroken} when read dates are not in list order or a position has no date.
 */
export async function arrivalPositionsOf(
  length: number,
  boundaries: readonly number[],
  datesAt: DatesAtPositions,
  tuning: ArrivalSearchTuning = DEFAULT_TUNING,
): Promise<number[]> {
  if (length === 0) return boundaries.map(() => 0);
  const known = new KnownDates();
  // Per boundary: the last position read whose date is before it, and the first one at or after it.
  let below = boundaries.map(() => -1);
  let atOrAbove = boundaries.map(() => length);
  const previousWidth = boundaries.map(() => Number.POSITIVE_INFINITY);

  const read = async (positions: readonly number[]) => {
    const wanted = [...new Set(positions)].filter((position) => !known.has(position));
    if (wanted.length === 0) return;
    const dates = await datesAt(wanted);
    for (const position of wanted) {
      const date = dates.get(position);
      if (date === undefined) throw new ArrivalOrderBroken(`no date for position ${position}`);
      known.set(position, date);
    }
    known.assertInOrder();
    ({ below, atOrAbove } = known.bracketsOf(boundaries, length));
  };

  const wholeList = length < boundaries.length * tuning.readWholeListBelow;
  await read(
    wholeList
      ? Array.from({ length }, (_, position) => position)
      : coarseSample(length, Math.max(MIN_SAMPLE, Math.ceil(boundaries.length * tuning.samplesPerBoundary))),
  );
  for (let round = 0; ; round += 1) {
    const probes: number[] = [];
    boundaries.forEach((boundary, index) => {
      const low = below[index] ?? -1;
      const high = atOrAbove[index] ?? length;
      const width = high - low - 1;
      if (width <= 0) return;
      if (width <= tuning.readAllBelow) {
        for (let position = low + 1; position < high; position += 1) probes.push(position);
      } else if (width * 2 > (previousWidth[index] ?? 0) || low < 0 || high >= length) {
        probes.push(low + 1 + (width >> 1));
      } else {
        const lowDate = known.get(low) ?? 0;
        const highDate = known.get(high) ?? 0;
        const fraction = highDate > lowDate ? (boundary - lowDate) / (highDate - lowDate) : 0.5;
        const estimate = low + Math.ceil(fraction * (high - low));
        const first = Math.max(low + 1, estimate - (tuning.probeWidth >> 1));
        const last = Math.min(high - 1, first + tuning.probeWidth - 1);
        for (let position = first; position <= last; position += 1) probes.push(position);
      }
      previousWidth[index] = width;
    });
    if (probes.length === 0) break;
    if (round >= MAX_ROUNDS) throw new ArrivalOrderBroken('the search did not converge');
    await read(probes);
  }
  return atOrAbove;
}

// Both ends, and `count` positions evenly spread between them.
function coarseSample(length: number, count: number): number[] {
  const step = Math.max(1, Math.floor(length / Math.max(1, count)));
  const positions = [0, length - 1];
  for (let position = step; position < length - 1; position += step) positions.push(position);
  return positions;
}

/** The dates read so far, by list position, kept sorted by position. */
class KnownDates {
  readonly #dates = new Map<number, number>();
  #sorted: number[] = [];
  #unsorted: number[] = [];

  has(position: number): boolean {
    return this.#dates.has(position);
  }

  get(position: number): number | undefined {
    return this.#dates.get(position);
  }

  set(position: number, date: number): void {
    this.#dates.set(position, date);
    this.#unsorted.push(position);
  }

  // RFC 5256 sorts ARRIVAL by INTERNALDATE; every date read must agree, or the positions mean nothing.
  assertInOrder(): void {
    if (this.#unsorted.length > 0) {
      this.#sorted = [...this.#sorted, ...this.#unsorted].sort((a, b) => a - b);
      this.#unsorted = [];
    }
    let previous = Number.NEGATIVE_INFINITY;
    for (const position of this.#sorted) {
      const date = this.#dates.get(position) ?? previous;
      if (date < previous)
        throw new ArrivalOrderBroken(`position ${position} is earlier than the one before`);
      previous = date;
    }
  }

  // On dates in order, the first read position at or after each boundary is found by bisection.
  bracketsOf(boundaries: readonly number[], length: number): { below: number[]; atOrAbove: number[] } {
    const sorted = this.#sorted;
    const below: number[] = [];
    const atOrAbove: number[] = [];
    for (const boundary of boundaries) {
      let low = 0;
      let high = sorted.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if ((this.#dates.get(sorted[middle] ?? 0) ?? 0) < boundary) low = middle + 1;
        else high = middle;
      }
      atOrAbove.push(sorted[low] ?? length);
      below.push(low > 0 ? (sorted[low - 1] ?? -1) : -1);
    }
    return { below, atOrAbove };
  }
}
