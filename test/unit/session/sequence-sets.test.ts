import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toSequenceSets } from '../../../src/session/sequence-set.js';

const expand = (set: string) =>
  set.split(',').flatMap((part) => {
    const [first, last] = part.split(':').map(Number);
    const start = first ?? 0;
    const end = last ?? start;
    return Array.from({ length: end - start + 1 }, (_, index) => start + index);
  });

describe('sequence sets for long UID lists', () => {
  it('splits scattered UIDs into sets no longer than the limit that cover them all, in order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 200_000 }), { maxLength: 3_000 }), (raw) => {
        const uids = [...raw].sort((a, b) => a - b);
        const sets = toSequenceSets(uids, 200);
        for (const set of sets) expect(set.length).toBeLessThanOrEqual(200);
        expect(sets.flatMap(expand)).toEqual(uids);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps a short list in one set and sends nothing for no UIDs', () => {
    expect(toSequenceSets([1, 2, 3, 7])).toEqual(['1:3,7']);
    expect(toSequenceSets([])).toEqual([]);
  });
});
