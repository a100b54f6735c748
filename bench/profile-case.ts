// Profiling aid: runs one case against the cached 100k mailbox (node --cpu-prof --import tsx bench/profile-case.ts sdk-count reduced 1).

import { reducedCapabilityVariant, standardVariant } from '../test/harness/dovecot/dovecot-variants.js';
import { type CountSpec, countCases, countWithBaseline, countWithSdk } from './bench-cases.js';
import { atClock, MORNING_AFTER_SEED_MS } from './bench-clock.js';
import { caseTargetOf, startBenchServer } from './bench-server.js';
import { cachedMaildir } from './maildir-cache.js';
import { generateSeed } from './seed-model.js';

const [implementation = 'sdk-count', variantName = 'standard', caseIndex = '1'] = process.argv.slice(2);
const maildir = cachedMaildir(generateSeed(100_000), '100000-20261125');
const variant = variantName === 'reduced' ? reducedCapabilityVariant : standardVariant;
const server = await startBenchServer({ ...variant, timeZone: 'Pacific/Auckland' }, maildir);
const cases = countCases();
// An unknown index profiles the daily year, the case the strategies are tuned for.
const chosen = cases[Number(caseIndex)] ?? cases[1];
if (!chosen) throw new Error('the bench defines no daily case');
const spec: CountSpec = chosen.spec;
const target = caseTargetOf(server);
const implementations = implementation === 'both' ? ['sdk-count', 'baseline-count'] : [implementation];
for (let run = 0; run < 4; run += 1) {
  for (const name of run % 2 ? [...implementations].reverse() : implementations) {
    server.plainProxy.reset();
    const outcome =
      name === 'baseline-count'
        ? await countWithBaseline(target, spec)
        : // bench-clock.ts: the SDK counts the morning after the seed (imapflow's searches read the real clock)
          await atClock(MORNING_AFTER_SEED_MS, () =>
            countWithSdk(target, spec, name === 'sdk-count-pipelined' ? 'fewest-round-trips' : 'auto'),
          );
    console.log(name, Math.round(outcome.wallMs), server.plainProxy.counters, outcome.strategies);
  }
}
await server.stop();
