import { describe, expect, it } from 'vitest';
import { SeenUids } from '../../../src/session/seen-uids.js';

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
