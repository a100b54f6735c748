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
import { describeFailure, fuzzPool, judgeCase } from './server-fuzz-runner.js';

/** Runs at once, each a fast-check property over its own fixed seed: cases mostly wait on timers. */
const PARALLEL_RUNS = 3;
const CASES_PER_RUN = 80;
const SEEDS = [0x13, 0x1313, 0x131313];

const pool = fuzzPool(PARALLEL_RUNS);
afterAll(async () => {
  await pool.close();
});

describe('server fuzz', () => {
  it(`${PARALLEL_RUNS * CASES_PER_RUN} mutated count sessions: typed, plausible, bounded, no crash, no handle left`, async () => {
    const judged: number[] = [];
    await Promise.all(
      SEEDS.slice(0, PARALLEL_RUNS).map((seed) =>
        fc.assert(
          fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (caseSeed) => {
            const verdict = await judgeCase(pool, caseSeed);
            judged.push(caseSeed);
            if (verdict.problems.length > 0) throw new Error(describeFailure(verdict));
          }),
          // A case seed is the whole case: shrinking it would only try unrelated cases.
          { seed, numRuns: CASES_PER_RUN, endOnFailure: true },
        ),
      ),
    );
    expect(judged).toHaveLength(PARALLEL_RUNS * CASES_PER_RUN);
    expect(await pool.close()).toEqual([]);
  }, 240_000);
});
