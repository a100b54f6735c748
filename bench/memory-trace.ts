/**
 * Where a count's peak memory goes: runs the 1-year daily count of the bench account in a fresh child
 * process (the server and its proxy stay in this one), once to warm up, then collects garbage and
 * samples `process.memoryUsage()` every 2 ms during the next `--counts` counts. Prints the peak of each
 * figure over its value at the start, and the `arrayBuffers` trail every 50 ms (Node's socket read
 * buffers live there until V8 collects the objects that wrap them). docs/performance.md, "Memory".
 *
 *   npx tsx bench/memory-trace.ts [--size 1000000] [--transfer auto] [--counts 1] [--server stock|reduced] [--security none|tls|starttls] [-- node flags]
 *
 * `--server reduced`: the Dovecot without SORT, ESEARCH and SEARCHRES (plain `* SEARCH` answers).
 * `--security tls|starttls`: the counts connect over implicit TLS, or upgrade with STARTTLS (plain by
 * default, as the bench does).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { reducedCapabilityVariant, standardVariant } from '../test/harness/dovecot/dovecot-variants.js';
import { type BenchSecurity, type CaseTarget, countCases, countWithSdk } from './bench-cases.js';
import { MORNING_AFTER_SEED_MS, pinClock } from './bench-clock.js';
import { caseTargetOf, startBenchServer } from './bench-server.js';
import { option } from './command-line.js';
import { cachedMaildir } from './maildir-cache.js';
import { generateSeed } from './seed-model.js';

type Transfer = 'auto' | 'fewest-round-trips' | 'fewest-bytes';
type Security = BenchSecurity;
const FIGURES = ['rss', 'heapUsed', 'external', 'arrayBuffers'] as const;
const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

async function traceInChild(
  target: CaseTarget,
  transfer: Transfer,
  counts: number,
  security: Security,
): Promise<void> {
  const spec = countCases().find((countCase) => countCase.name.includes('daily'))?.spec;
  if (!spec) throw new Error('the bench defines no daily case');
  await countWithSdk(target, spec, transfer, undefined, security);
  const collect = globalThis.gc;
  if (collect === undefined) throw new Error('run the child with --expose-gc');
  collect();
  const start = process.memoryUsage();
  const peak = { ...start };
  const trail: string[] = [];
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    for (const figure of FIGURES) peak[figure] = Math.max(peak[figure], usage[figure]);
  }, 2);
  const trailer = setInterval(() => trail.push(mb(process.memoryUsage().arrayBuffers)), 50);
  let strategies: readonly string[] = [];
  const walls: number[] = [];
  for (let count = 0; count < counts; count += 1) {
    const outcome = await countWithSdk(target, spec, transfer, undefined, security);
    walls.push(Math.round(outcome.wallMs));
    strategies = outcome.strategies ?? [];
  }
  clearInterval(sampler);
  clearInterval(trailer);
  collect();
  const after = process.memoryUsage();
  console.log(`${transfer} over ${security} (${strategies.join(', ')}): ${walls.join(' ')} ms`);
  for (const figure of FIGURES)
    console.log(
      `  ${figure.padEnd(13)} ${mb(start[figure])} → peak ${mb(peak[figure])} MB; after gc() ${mb(after[figure])}`,
    );
  console.log(`  arrayBuffers every 50 ms: ${trail.join(' ')}`);
}

if (process.argv[2] === '--child') {
  pinClock(MORNING_AFTER_SEED_MS); // bench-clock.ts: the count runs the morning after the seed
  const [target, transfer, counts, security] = JSON.parse(process.argv[3] ?? '[]') as [
    CaseTarget,
    Transfer,
    number,
    Security,
  ];
  await traceInChild(target, transfer, counts, security);
  process.exit(0);
}

const size = Number(option('size', '1000000'));
const transfer = option('transfer', 'auto') as Transfer;
const counts = Number(option('counts', '1'));
const securityOption = option('security', 'none');
const security: Security =
  securityOption === 'tls' || securityOption === 'starttls' ? securityOption : 'none';
const dashes = process.argv.indexOf('--');
const nodeFlags = dashes < 0 ? [] : process.argv.slice(dashes + 1);
const variant = option('server', 'stock') === 'reduced' ? reducedCapabilityVariant : standardVariant;
const server = await startBenchServer(
  { ...variant, timeZone: 'Pacific/Auckland' },
  cachedMaildir(generateSeed(size), `${size}-20261125`),
);
const target = caseTargetOf(server, 'direct');
try {
  const child = fork(
    fileURLToPath(import.meta.url),
    ['--child', JSON.stringify([target, transfer, counts, security])],
    {
      execArgv: ['--import', 'tsx', '--expose-gc', ...nodeFlags],
    },
  );
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) process.exitCode = 1;
} finally {
  await server.stop();
}
