/**
 * The long server fuzz run (`npm run fuzz`): mutated Dovecot count sessions, each case in a child
 * process (see test/fuzz/). Prints every failure with its seed and replay command, and a summary.
 *
 *   npm run fuzz                          10 000 cases from seed 1, 2 children
 *   npm run fuzz -- --cases 500 --from 77 --workers 3 --report fuzz-report.json
 *   npm run fuzz -- --replay 123456       one case, its whole outcome printed
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeFailure, fuzzPool, type JudgedCase, judgeCase } from '../test/fuzz/server-fuzz-runner.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '10000' },
    from: { type: 'string', default: '1' },
    workers: { type: 'string', default: '2' },
    replay: { type: 'string' },
    report: { type: 'string' },
  },
});

if (values.replay !== undefined) {
  const pool = fuzzPool(1);
  const judged = await judgeCase(pool, Number(values.replay));
  const badExits = await pool.close();
  process.stdout.write(`${JSON.stringify(judged, null, 2)}\n`);
  for (const line of badExits) process.stdout.write(`child: ${line}\n`);
  process.exitCode = judged.problems.length > 0 || badExits.length > 0 ? 1 : 0;
} else {
  const cases = Number(values.cases);
  const from = Number(values.from);
  const pool = fuzzPool(Number(values.workers));
  const startedAt = performance.now();
  const judgedCases: JudgedCase[] = [];
  let next = 0;
  const outcomes = new Map<string, number>();
  const worker = async () => {
    while (next < cases) {
      const seed = from + next;
      next += 1;
      const judged = await judgeCase(pool, seed);
      judgedCases.push(judged);
      const result = judged.outcome?.result;
      const key =
        result === undefined
          ? 'crashed'
          : result.kind === 'counts'
            ? judged.outcome?.applied.length === 0
              ? 'counts (nothing mutated)'
              : 'counts'
            : result.kind === 'error'
              ? result.code
              : 'thrown';
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      if (judged.problems.length > 0) process.stdout.write(`${describeFailure(judged)}\n`);
      if (judgedCases.length % 500 === 0)
        process.stdout.write(
          `… ${judgedCases.length}/${cases} in ${Math.round((performance.now() - startedAt) / 1000)} s\n`,
        );
    }
  };
  await Promise.all(Array.from({ length: Number(values.workers) }, worker));
  const badExits = await pool.close();
  const failed = judgedCases.filter((judged) => judged.problems.length > 0);
  const elapsed = judgedCases.flatMap((judged) => (judged.elapsedMs === undefined ? [] : [judged.elapsedMs]));
  const rss = judgedCases.flatMap((judged) =>
    judged.rssGrowthBytes === undefined ? [] : [judged.rssGrowthBytes],
  );
  const sorted = [...elapsed].sort((a, b) => a - b);
  const summary = {
    cases,
    seeds: `${from}..${from + cases - 1}`,
    workers: Number(values.workers),
    failed: failed.length,
    failedSeeds: failed.map((judged) => judged.seed).slice(0, 50),
    childrenStarted: pool.started,
    childExitProblems: badExits,
    wallSeconds: Math.round((performance.now() - startedAt) / 1000),
    caseMs: {
      p50: sorted[Math.floor(sorted.length / 2)],
      p99: sorted[Math.floor(sorted.length * 0.99)],
      max: sorted.at(-1),
    },
    maxRssGrowthMiB: Math.round(Math.max(0, ...rss) / 2 ** 20),
    outcomes: Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])),
  };
  process.stdout.write(`\nFUZZ SUMMARY ${JSON.stringify(summary, null, 2)}\n`);
  if (values.report !== undefined) writeFileSync(values.report, `${JSON.stringify(summary, null, 2)}\n`);
  process.exitCode = failed.length > 0 || badExits.length > 0 ? 1 : 0;
}
