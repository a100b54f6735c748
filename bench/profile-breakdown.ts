// Profiling aid: where a warm count's client CPU goes, per component, in ms per count.
//   npx tsx bench/profile-breakdown.ts [fewest-round-trips|fewest-bytes|auto] [counts=6 | cold] [save.cpuprofile] [case=daily]
// (`cold`: the first count of the process, no warm-up.)
// Starts the bench server on the cached 100k mailbox, runs two counts to warm up, then profiles the
// next ones with the inspector (sampling every 100 µs) and sums self time by where the code lives.

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { standardVariant } from '../test/harness/dovecot/dovecot-variants.js';
import { countCases, countWithSdk } from './bench-cases.js';
import { MORNING_AFTER_SEED_MS, pinClock } from './bench-clock.js';
import { caseTargetOf, startBenchServer } from './bench-server.js';
import { cachedMaildir } from './maildir-cache.js';
import { generateSeed } from './seed-model.js';

pinClock(MORNING_AFTER_SEED_MS); // bench-clock.ts: the counts run the morning after the seed
type Transfer = 'auto' | 'fewest-round-trips' | 'fewest-bytes';
const [transferArg = 'fewest-round-trips', countsArg = '6', saveArg, caseArg = 'daily'] =
  process.argv.slice(2);
const transfer = transferArg as Transfer;
const cold = countsArg === 'cold';
const counts = cold ? 1 : Number(countsArg);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

// The first matching rule names the component of a sampled frame.
const RULES: readonly [string, (url: string, name: string) => boolean][] = [
  ['gc', (_url, name) => name === '(garbage collector)'],
  ['idle', (_url, name) => name === '(idle)'],
  ['imapflow ImapStream (framing)', (url) => url.includes('/imapflow/') && url.includes('imap-stream')],
  [
    'imapflow parser',
    (url) => url.includes('/imapflow/') && /imap-parser|token-parser|parser-instance/.test(url),
  ],
  ['imapflow reader/handler', (url) => url.includes('/imapflow/') && url.includes('imap-flow.js')],
  ['imapflow other', (url) => url.includes('/imapflow/')],
  ['SDK counting-channel', (url) => url.includes('counting-channel')],
  ['SDK response-lines', (url) => url.includes('response-lines')],
  ['SDK uid-list', (url) => url.includes('uid-list')],
  ['SDK imap-session, tap', (url) => /imap-session|imapflow-internals|protocol-observer/.test(url)],
  ['SDK bucketing/strategy', (url) => url.includes('/src/count') || url.includes('/src/time')],
  ['SDK other', (url) => url.includes('/src/')],
  ['luxon', (url) => url.includes('luxon')],
  ['zod', (url) => url.includes('zod')],
  ['bench (proxy, checks)', (url) => url.includes('/bench/') || url.includes('/test/harness')],
  ['node streams', (url) => url.includes('internal/streams')],
  ['node net/tls/zlib', (url) => /node:(net|tls|zlib)|internal\/(tls|net|js_stream|stream_base)/.test(url)],
  ['node timers/promises', (url) => /internal\/(timers|process\/task_queues|process\/promises)/.test(url)],
  ['node other', (url) => url.startsWith('node:')],
  ['runtime (native, program)', () => true],
];

function breakdown(profile: Profile): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    if (!node) return;
    const { url, functionName } = node.callFrame;
    const [component] = RULES.find(([, matches]) => matches(url, functionName)) ?? ['?'];
    totals.set(component, (totals.get(component) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
  });
  return totals;
}

const maildir = cachedMaildir(generateSeed(100_000), '100000-20261125');
const server = await startBenchServer({ ...standardVariant, timeZone: 'Pacific/Auckland' }, maildir);
// A part of the case's name: `daily` (the 1-year daily count), `yesterday`, `30 days`, `all time`.
const spec = countCases().find((countCase) => countCase.name.includes(caseArg))?.spec;
if (!spec) throw new Error(`the bench defines no case named like "${caseArg}"`);
const target = caseTargetOf(server);
for (let run = 0; run < (cold ? 0 : 2); run += 1) await countWithSdk(target, spec, transfer);
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
const walls: number[] = [];
let strategies: readonly string[] | undefined = [];
for (let run = 0; run < counts; run += 1) {
  const outcome = await countWithSdk(target, spec, transfer);
  walls.push(Math.round(outcome.wallMs));
  strategies = outcome.strategies;
}
const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
session.disconnect();
await server.stop();
if (saveArg) writeFileSync(saveArg, JSON.stringify(profile));
const totals = [...breakdown(profile)].sort((a, b) => b[1] - a[1]);
const busy = totals.filter(([name]) => name !== 'idle').reduce((sum, [, ms]) => sum + ms, 0);
console.log(`${transfer} (${(strategies ?? []).join(', ')}): wall ms ${walls.join(' ')}`);
console.log(`busy ${(busy / counts).toFixed(1)} ms per count`);
for (const [name, ms] of totals) console.log(`  ${name.padEnd(32)} ${(ms / counts).toFixed(1)}`);
