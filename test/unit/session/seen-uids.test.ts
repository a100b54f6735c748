import { describe, expect, it } from 'vitest';
import { SeenUids, SeenUidsBySet } from '../../../src/session/seen-uids.js';

// A small PRNG so that a failing order can be replayed from its seed.
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('SeenUids', () => {
  it('counts ascending UIDs once each, with gaps', () => {
    const seen = new SeenUids();
    expect([1, 2, 3, 7, 8, 20].map((uid) => seen.add(uid))).toEqual([true, true, true, true, true, true]);
    expect(seen.size).toBe(6);
    expect([1, 3, 7, 8, 20].map((uid) => seen.has(uid))).toEqual([true, true, true, true, true]);
    expect([4, 6, 9, 19, 21].map((uid) => seen.has(uid))).toEqual([false, false, false, false, false]);
  });

  it('refuses a repeat of any earlier UID, not only the last', () => {
    const seen = new SeenUids();
    for (const uid of [5, 6, 9, 10, 11]) seen.add(uid);
    expect(seen.add(5)).toBe(false);
    expect(seen.add(10)).toBe(false);
    expect(seen.add(11)).toBe(false);
    expect(seen.size).toBe(5);
  });

  it('takes a UID below the highest that was not seen (rows out of order), then stays exact', () => {
    const seen = new SeenUids();
    for (const uid of [5, 6, 9]) seen.add(uid);
    expect(seen.add(7)).toBe(true);
    expect(seen.add(6)).toBe(false);
    expect(seen.add(7)).toBe(false);
    expect(seen.add(100)).toBe(true);
    expect(seen.add(8)).toBe(true);
    expect(seen.size).toBe(6);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'agrees with a Set on mostly ascending orders with repeats (seed %i)',
    (seed) => {
      const random = lcg(seed);
      const seen = new SeenUids();
      const reference = new Set<number>();
      let next = 1;
      for (let step = 0; step < 5_000; step += 1) {
        const roll = random();
        // Mostly the next UID or a jump ahead; sometimes a repeat or an older UID, as a hostile server sends.
        let uid: number;
        if (roll < 0.9) {
          if (roll >= 0.7) next += Math.floor(random() * 50);
          uid = next;
          next += 1;
        } else uid = 1 + Math.floor(random() * next);
        expect(seen.add(uid)).toBe(!reference.has(uid));
        reference.add(uid);
        expect(seen.size).toBe(reference.size);
      }
      for (let uid = 1; uid <= next + 1; uid += 1) expect(seen.has(uid)).toBe(reference.has(uid));
    },
  );
});

// Two pipelined FETCH commands answered in parallel, rows interleaved (Dovecot, when the client reads
// slower than it writes): sets 1:1000 and 1001:2000, their rows alternating in runs of 7.
function interleavedRows(): number[] {
  const rows: number[] = [];
  for (let first = 1; first <= 1000; first += 7) {
    for (let uid = first; uid < first + 7 && uid <= 1000; uid += 1) rows.push(uid + 1000);
    for (let uid = first; uid < first + 7 && uid <= 1000; uid += 1) rows.push(uid);
  }
  return rows;
}

describe('SeenUidsBySet', () => {
  it('keeps interleaved rows of two sets in runs, where one SeenUids gives up on runs', () => {
    const bySet = new SeenUidsBySet([1, 1001]);
    const single = new SeenUids();
    for (const uid of interleavedRows()) {
      expect(bySet.add(uid)).toBe(true);
      single.add(uid);
    }
    expect(bySet.size).toBe(2000);
    expect(bySet.inRuns).toBe(true);
    expect(single.inRuns).toBe(false);
  });

  it('refuses repeats across sets and answers has() for either', () => {
    const seen = new SeenUidsBySet([10, 20]);
    expect([20, 10, 21, 11].map((uid) => seen.add(uid))).toEqual([true, true, true, true]);
    expect([10, 21].map((uid) => seen.add(uid))).toEqual([false, false]);
    expect([10, 11, 20, 21, 12, 22].map((uid) => seen.has(uid))).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(seen.size).toBe(4);
  });

  it('takes a UID below every set into the first one, and works with no sets', () => {
    const seen = new SeenUidsBySet([10, 20]);
    expect(seen.add(3)).toBe(true);
    expect(seen.has(3)).toBe(true);
    const empty = new SeenUidsBySet([]);
    expect(empty.add(5)).toBe(true);
    expect(empty.add(5)).toBe(false);
  });

  it.each([1, 2, 3, 4])('agrees with a Set when rows of four sets interleave at random (seed %i)', (seed) => {
    const random = lcg(seed);
    const seen = new SeenUidsBySet([1, 301, 601, 901]);
    const reference = new Set<number>();
    const next = [1, 301, 601, 901];
    for (let step = 0; step < 1_500; step += 1) {
      const set = Math.floor(random() * 4);
      const uid = random() < 0.95 ? (next[set] as number) : 1 + Math.floor(random() * 1_200);
      if (uid === next[set]) next[set] = uid + 1 + (random() < 0.2 ? 3 : 0);
      expect(seen.add(uid)).toBe(!reference.has(uid));
      reference.add(uid);
    }
    expect(seen.size).toBe(reference.size);
    for (let uid = 1; uid <= 1_300; uid += 1) expect(seen.has(uid)).toBe(reference.has(uid));
  });
});
