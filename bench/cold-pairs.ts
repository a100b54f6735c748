/**
 * Cold counts of two checkouts side by side: each round runs one count in a fresh process of each
 * checkout (and of the raw floor), alternating, against one bench server, and prints the medians and
 * the median of the paired differences, which a machine whose speed drifts during the run blurs less
 * than two medians do. The case's spec is computed here, so a child's first time-zone formatter is its
 * count's. docs/performance.md, "Cold process: the zone's formatter while the login is in flight".
 *
 *   npx tsx bench/cold-pairs.ts --before <checkout> [--after <checkout>] [--case yesterday] [--rounds 20]
 *
 * `--after` defaults to this checkout; each checkout needs its node_modules (a symlink will do) and this
 * file (copy it into a checkout older than it).
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { standardVariant } from '../test/harness/dovecot/dovecot-variants.js';
import type { CaseTarget, CountSpec } from './bench-cases.js';
import { caseTargetOf, startBenchServer } from './bench-server.js';
import { option } from './command-line.js';
import { cachedMaildir } from './maildir-cache.js';
import { median } from './median.js';
import { generateSeed } from './seed-model.js';

interface ChildRequest {
  readonly target: CaseTarget;
  readonly spec: CountSpec;
  readonly contender: 'sdk' | 'floor';
}

const here = path.dirname(fileURLToPath(import.meta.url));

// Runs in the child, from the checkout under test: its bench code and its SDK.
async function countInChild(request: ChildRequest): Promise<void> {
  const { countWithSdk, sdkConnector } = await import('./bench-cases.js');
  const { MORNING_AFTER_SEED_MS, pinClock } = await import('./bench-clock.js');
  const { countWithFloor } = await import('./raw-floor.js');
  pinClock(MORNING_AFTER_SEED_MS);
  const connector = sdkConnector(request.target, 'none');
  const outcome =
    request.contender === 'floor'
      ? await countWithFloor(request.target, request.spec)
      : await countWithSdk(request.target, request.spec, 'auto', undefined, 'none', connector);
  process.send?.(outcome.wallMs);
}

if (process.argv[2] === '--child') {
  await countInChild(JSON.parse(process.argv[3] ?? '{}') as ChildRequest);
  process.exit(0);
}

const before = option('before', '');
if (before === '') throw new Error('pass --before <checkout>');
const after = option('after', path.resolve(here, '..'));
const rounds = Number(option('rounds', '20'));
const { countCases } = await import('./bench-cases.js');
const caseName = option('case', 'yesterday');
const spec = countCases().find((countCase) => countCase.name.includes(caseName))?.spec;
if (!spec) throw new Error(`the bench defines no case named like "${caseName}"`);
const server = await startBenchServer(
  { ...standardVariant, timeZone: 'Pacific/Auckland' },
  cachedMaildir(generateSeed(100_000), '100000-20261125'),
);
const target = caseTargetOf(server, 'direct');
const runOnce = (checkout: string, contender: 'sdk' | 'floor') =>
  new Promise<number>((resolve, reject) => {
    const child = fork(
      path.join(checkout, 'bench', 'cold-pairs.ts'),
      ['--child', JSON.stringify({ target, spec, contender } satisfies ChildRequest)],
      { cwd: checkout, execArgv: ['--import', 'tsx'] },
    );
    let wallMs: number | undefined;
    child.on('message', (message) => {
      wallMs = Number(message);
    });
    child.on('exit', (code) =>
      wallMs === undefined ? reject(new Error(`the child exited with ${code}`)) : resolve(wallMs),
    );
  });
const samples = { before: [] as number[], after: [] as number[], floor: [] as number[] };
try {
  for (let round = 0; round < rounds; round += 1) {
    samples.before.push(await runOnce(before, 'sdk'));
    samples.after.push(await runOnce(after, 'sdk'));
    samples.floor.push(await runOnce(after, 'floor'));
  }
} finally {
  await server.stop();
}
const differences = samples.after.map((ms, round) => ms - (samples.before[round] ?? ms));
const show = (values: readonly number[]) => values.map((ms) => ms.toFixed(0)).join(' ');
console.log(`${caseName}, ${rounds} rounds of cold counts (ms):`);
console.log(`  before ${median(samples.before).toFixed(1)}  [${show(samples.before)}]  (${before})`);
console.log(`  after  ${median(samples.after).toFixed(1)}  [${show(samples.after)}]  (${after})`);
console.log(`  floor  ${median(samples.floor).toFixed(1)}  [${show(samples.floor)}]`);
console.log(`  after − before, median of the pairs: ${median(differences).toFixed(1)}`);
