import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArrivalOrderBroken, arrivalPositionsOf } from '../../../src/counting/arrival-positions.js';

// The expected position of a boundary, computed by brute force: entries dated before it.
const countBefore = (dates: readonly number[], boundary: number) =>
  dates.filter((date) => date < boundary).length;

function reader(dates: readonly number[]) {
  const stats = { rounds: 0, reads: 0 };
  const datesAt = async (positions: readonly number[]) => {
    stats.rounds += 1;
    stats.reads += positions.length;
    return new Map(positions.map((position) => [position, dates[position] ?? Number.NaN] as const));
  };
  return { datesAt, stats };
}

const sortedDates = fc
  .array(fc.integer({ min: 0, max: 5_000 }), { minLength: 0, maxLength: 3_000 })
  .map((dates) => dates.map((date) => date * 1000).sort((a, b) => a - b));

describe('arrival positions', () => {
  it('finds, for every boundary, how many entries are earlier, on any sorted list with ties', async () => {
    await fc.assert(
      fc.asyncProperty(
        sortedDates,
        fc.array(fc.integer({ min: -10, max: 5_010 }), { minLength: 1, maxLength: 60 }),
        async (dates, rawBoundaries) => {
          const boundaries = [...new Set(rawBoundaries.map((value) => value * 1000))].sort((a, b) => a - b);
          const { datesAt } = reader(dates);
          const positions = await arrivalPositionsOf(dates.length, boundaries, datesAt);
          expect(positions).toEqual(boundaries.map((boundary) => countBefore(dates, boundary)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts a message 1 s before a boundary in the earlier bucket and one at the boundary in the later', async () => {
    const dates = [1000, 5000, 9000, 9999_000, 10_000_000, 10_001_000, 20_000_000];
    const { datesAt } = reader(dates);
    expect(await arrivalPositionsOf(dates.length, [0, 10_000_000, 30_000_000], datesAt)).toEqual([0, 4, 7]);
  });

  it('reads far fewer dates than the list holds, in few round trips', async () => {
    const dates = Array.from({ length: 30_000 }, (_, index) => index * 1_000 + (index % 7) * 100);
    const boundaries = Array.from({ length: 366 }, (_, index) => index * 81_000 + 500);
    const { datesAt, stats } = reader(dates);
    const positions = await arrivalPositionsOf(dates.length, boundaries, datesAt);
    expect(positions).toEqual(boundaries.map((boundary) => countBefore(dates, boundary)));
    expect(stats.reads).toBeLessThan(3_000);
    expect(stats.rounds).toBeLessThan(12);
  });

  it('refuses a list whose dates are not in order', async () => {
    const dates = Array.from({ length: 2_000 }, (_, index) => index * 1_000);
    dates[1_000] = 5_000;
    const { datesAt } = reader(dates);
    const boundaries = Array.from({ length: 200 }, (_, index) => index * 10_000);
    await expect(arrivalPositionsOf(dates.length, boundaries, datesAt)).rejects.toBeInstanceOf(
      ArrivalOrderBroken,
    );
  });

  it('refuses a list with a message that vanished', async () => {
    const datesAt = async (positions: readonly number[]) =>
      new Map(
        positions.filter((position) => position !== 0).map((position) => [position, position] as const),
      );
    await expect(arrivalPositionsOf(10, [3], datesAt)).rejects.toBeInstanceOf(ArrivalOrderBroken);
  });
});
