import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_LISTED_UIDS, UidList, UidListViolation, uidListOf } from '../../../src/session/uid-list.js';

describe('UID lists kept as runs', () => {
  it('answers positions like the expanded list would, in server order (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 500 })), {
          maxLength: 30,
        }),
        (runs) => {
          const list = new UidList({ maxValue: 500, maxLength: 1_000_000, ascending: false });
          const expanded: number[] = [];
          for (const [first, last] of runs) {
            list.addRange(first, last);
            const step = last >= first ? 1 : -1;
            for (let uid = first; uid !== last + step; uid += step) expanded.push(uid);
          }
          expect(list.length).toBe(expanded.length);
          for (let position = 0; position < expanded.length; position += 1)
            expect(list.at(position)).toBe(expanded[position]);
          expect(list.at(expanded.length)).toBeUndefined();
          expect(list.at(-1)).toBeUndefined();
        },
      ),
    );
  });

  it('sorts and deduplicates a plain SEARCH answer, and finds members', () => {
    const list = new UidList({ maxValue: 100, maxLength: 100, ascending: false });
    for (const uid of [9, 3, 4, 5, 3, 20]) list.add(uid);
    const ascending = list.ascending();
    expect(Array.from({ length: ascending.length }, (_, position) => ascending.at(position))).toEqual([
      3, 4, 5, 9, 20,
    ]);
    expect(ascending.includes(4)).toBe(true);
    expect(ascending.includes(6)).toBe(false);
    expect(ascending.toSequenceSets(1_000)).toEqual(['3:5,9,20']);
  });

  it('splits sequence sets at the length limit', () => {
    expect(uidListOf([1, 2, 3, 10, 12, 14]).toSequenceSets(6)).toEqual(['1:3,10', '12,14']);
  });

  it('gives each sequence set its first UID and size', () => {
    expect(uidListOf([1, 2, 3, 10, 12, 14, 15]).sequenceSets(6)).toEqual([
      { text: '1:3,10', firstUid: 1, size: 4 },
      { text: '12', firstUid: 12, size: 1 },
      { text: '14:15', firstUid: 14, size: 2 },
    ]);
    expect(uidListOf([]).sequenceSets(6)).toEqual([]);
  });

  it.each([
    [{ ascending: true }, [5, 5], /out of order or repeated/],
    [{ ascending: true }, [6, 5], /out of order or repeated/],
    [{ ascending: false }, [101], /beyond the mailbox/],
    [{ ascending: false }, [0], /not a valid UID/],
    [{ ascending: false }, [1.5], /not a valid UID/],
  ])('refuses %j then %j', (bounds, values, message) => {
    const list = new UidList({ maxValue: 100, maxLength: 100, ...bounds });
    expect(() => {
      for (const value of values) list.add(value);
    }).toThrow(message);
  });

  it('refuses more members than allowed, and never more than the documented cap', () => {
    const small = new UidList({ maxValue: 100, maxLength: 3, ascending: false });
    small.addRange(1, 3);
    expect(() => small.add(4)).toThrow(UidListViolation);
    const huge = new UidList({ maxValue: 4_294_967_295, maxLength: 4_294_967_295, ascending: false });
    expect(() => huge.addRange(1, 4_294_967_295)).toThrow(new RegExp(`more than ${MAX_LISTED_UIDS}`));
    expect(huge.runs).toBe(0);
  });
});
