import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { examineCollector, searchCollector, sortCollector } from '../../../src/session/counting-channel.js';
import { NumberListReader, readNumberList } from '../../../src/session/response-lines.js';
import { UidList } from '../../../src/session/uid-list.js';
import { channelUnderTest } from './channel-under-test.js';

const examined = (exists: number, uidNext: number, tag: string) => [
  `* ${exists} EXISTS`,
  '* OK [UIDVALIDITY 7] ok',
  `* OK [UIDNEXT ${uidNext}] ok`,
  `${tag} OK [READ-ONLY] done`,
];
const listOf = (numbers: readonly number[]) => numbers.join(' ');
const freshList = () => new UidList({ maxValue: 4_294_967_295, maxLength: 100_000, ascending: false });

describe('NumberListReader: a SEARCH or SORT answer read piece by piece', () => {
  it('reads the same numbers wherever the answer is cut, as readNumberList reads it whole (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 4_294_967_295 }), { maxLength: 60 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (numbers, modseq, cuts) => {
          const text = `${listOf(numbers)}${modseq ? ' (MODSEQ 917)' : ''}`;
          const bytes = Buffer.from(text, 'latin1');
          const whole = freshList();
          await readNumberList(bytes, 0, whole, async () => undefined);
          const pieces = freshList();
          const reader = new NumberListReader(pieces);
          const at = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
          let from = 0;
          for (const cut of [...at, bytes.length]) {
            reader.write(bytes, from, cut);
            from = cut;
          }
          reader.end();
          expect(pieces.ascending().toSequenceSets(1_000_000)).toEqual(
            whole.ascending().toSequenceSets(1_000_000),
          );
          expect(pieces.length).toBe(numbers.length === 0 ? 0 : whole.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    ['a letter', '12 1x3'],
    ['eleven digits', '12 12345678901'],
    ['a CR inside the line', '12\r 13'],
    ['a parenthesis inside a number', '12(MODSEQ 1)'],
  ])('refuses %s', (_name, text) => {
    const reader = new NumberListReader(freshList());
    expect(() => {
      reader.write(Buffer.from(text, 'latin1'), 0, text.length);
      reader.end();
    }).toThrow(/malformed number/);
  });
});

describe('CountingChannel.streamLongLine: a plain SEARCH or SORT answer too long to frame', () => {
  async function searched(exists: number, uidNext: number, answer: string, pieceBytes: number) {
    const { channel, feed, violations } = channelUnderTest();
    const [, search] = channel.send([
      { command: 'EXAMINE "INBOX"', collector: examineCollector() },
      { command: 'UID SEARCH SINCE 1-Jan-2026', collector: searchCollector() },
    ]);
    await feed(...examined(exists, uidNext, 'S1'));
    const bytes = Buffer.from(answer, 'latin1');
    const sink = channel.streamLongLine(bytes.subarray(0, 16));
    expect(sink).toBeDefined();
    for (let from = 0; from < bytes.length; from += pieceBytes)
      sink?.write(bytes, from, Math.min(bytes.length, from + pieceBytes));
    sink?.end();
    await feed('S2 OK done');
    const outcome = await search.then(
      (list) => ({ uids: list.ascending().toSequenceSets(1_000_000) }),
      (error: unknown) => ({ error: String(error) }),
    );
    return { outcome, violations: violations.map((violation) => [violation.message, violation.tooLarge]) };
  }

  const uids = Array.from({ length: 15_000 }, (_, index) => 2 * index + 1);

  it.each([1, 7, 4_096, 65_536])(
    'puts every UID in the search result, read in pieces of %i bytes',
    async (size) => {
      const { outcome, violations } = await searched(15_000, 30_000, `* SEARCH ${listOf(uids)}`, size);
      expect(violations).toEqual([]);
      expect(outcome).toEqual({ uids: [uids.join(',')] });
    },
  );

  it('refuses a UID at or above the mailbox UIDNEXT', async () => {
    const { violations } = await searched(15_000, 30_000, `* SEARCH ${listOf(uids)} 30000`, 4_096);
    expect(violations).toHaveLength(1);
  });

  it('refuses an answer longer than 11 bytes per message of the mailbox (RESPONSE_TOO_LARGE)', async () => {
    const { violations } = await searched(3, 30_000, `* SEARCH 1${' '.repeat(2_000)} 2`, 512);
    expect(violations).toEqual([['a SEARCH answer longer than 1057 bytes', true]]);
  });

  it('declines a line that is no plain SEARCH or SORT answer, or answers no command of the channel', () => {
    const { channel } = channelUnderTest();
    channel.send([{ command: 'UID SORT (ARRIVAL) UTF-8 ALL', collector: sortCollector() }]);
    expect(channel.streamLongLine(Buffer.from('* LIST (\\HasNoChildren) "/" x'))).toBeUndefined();
    expect(channel.streamLongLine(Buffer.from('* SEARCH 1 2 3 4 5 6 7'))).toBeUndefined();
    expect(channel.streamLongLine(Buffer.from('* SORT 1 2 3 4 5 6 7 8'))).toBeDefined();
  });
});
