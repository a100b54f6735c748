/**
 * The server fuzz test (issue 13): a Dovecot count session, recorded (`npm run fuzz:record`), replayed
 * by a fake server whose answers a seeded mutator breaks — numbers, ranges, literals, quoting,
 * truncation, duplicated and dropped lines, wrong tags, injected BYE/NO/BAD, odd dates, non-UTF-8,
 * writes split at random bytes, FIN and RST mid-answer. Each case runs in a child process
 * (`--unhandled-rejections=strict`) and must settle within its deadline with a plausible count or a
 * typed code other than UNKNOWN, grow RSS < 256 MiB and leave no handle; the children must exit by
 * themselves, with code 0. A failure prints its seed and the command that replays it.
 *
 * Fixed seeds keep `npm test` deterministic; `npm run fuzz` runs 10 000 cases.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { describeFailure, fuzzPool, isCountingLayerGap, judgeCase } from './server-fuzz-runner.js';

/** Runs at once, each a fast-check property over its own fixed seed: cases mostly wait on timers. */
const SEEDS = [0x13, 0x1313, 0x131313];
const CASES_PER_RUN = 80;

const pool = fuzzPool(SEEDS.length);
afterAll(async () => {
  await pool.close();
});

/** Cases whose only problems are counting-layer gaps (see {@link isCountingLayerGap}). */
const countingLayerGaps: string[] = [];

describe.sequential('server fuzz', () => {
  it(`${SEEDS.length * CASES_PER_RUN} mutated count sessions: typed, plausible, bounded, no crash, no handle left`, async () => {
    let judged = 0;
    await Promise.all(
      SEEDS.map((seed) =>
        fc.assert(
          fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (caseSeed) => {
            const verdict = await judgeCase(pool, caseSeed);
            judged += 1;
            const problems = verdict.problems.filter((problem) => !isCountingLayerGap(problem));
            if (problems.length < verdict.problems.length) countingLayerGaps.push(describeFailure(verdict));
            if (problems.length > 0) throw new Error(describeFailure({ ...verdict, problems }));
          }),
          // A case seed is the whole case: shrinking it would only try unrelated cases.
          { seed, numRuns: CASES_PER_RUN, endOnFailure: true },
        ),
      ),
    );
    expect(judged).toBe(SEEDS.length * CASES_PER_RUN);
    expect(await pool.close()).toEqual([]);
  }, 240_000);

  // Once a gap of the counting layer (issue 8): repeated or unrequested FETCH rows counted, a COUNT
  // above EXISTS accepted. The bounded counting channel closed it; this keeps it closed.
  it('never counts above what a mailbox holds', () => {
    expect(countingLayerGaps, countingLayerGaps.join('\n')).toEqual([]);
  });
});
