// Profiling aid: runs one case against the cached 100k mailbox (node --cpu-prof --import tsx bench/profile-case.ts sdk-count reduced 1).

import { DateTime } from 'luxon';
import { reducedCapabilityVariant, standardVariant } from '../test/harness/dovecot/dovecot-variants.js';
import { type CountSpec, countWithBaseline, countWithSdk } from './bench-cases.js';
import { startBenchServer } from './bench-server.js';
import { cachedMaildir } from './maildir-cache.js';
import { EDGE_ZONE, generateSeed, SEED_END_MS } from './seed-model.js';

const [implementation = 'sdk-count', variantName = 'standard', caseIndex = '1'] = process.argv.slice(2);
const maildir = cachedMaildir(generateSeed(100_000), '100000-20261125');
const variant = variantName === 'reduced' ? reducedCapabilityVariant : standardVariant;
const server = await startBenchServer({ ...variant, timeZone: 'Pacific/Auckland' }, maildir);
const last = DateTime.fromMillis(SEED_END_MS, { zone: EDGE_ZONE }).startOf('day');
const days: number[] = [];
for (let day = last.minus({ days: 365 }); day <= last; day = day.plus({ days: 1 })) days.push(day.toMillis());
const mailboxes = [
  { path: 'INBOX', counts: 'received' },
  { path: 'Sent', counts: 'sent' },
  { path: 'Archive', counts: 'received' },
  { path: 'Projects', counts: 'received' },
  { path: 'Clients', counts: 'received' },
] as const;
const specs = [
  { boundariesMs: [SEED_END_MS - 30 * 86_400_000, SEED_END_MS], timeZone: 'UTC', mailboxes },
  { boundariesMs: days, granularity: 'day' as const, timeZone: EDGE_ZONE, mailboxes },
  { boundariesMs: [Date.UTC(2000, 0, 1), SEED_END_MS + 86_400_000], timeZone: 'UTC', mailboxes },
];
const spec: CountSpec = specs[Number(caseIndex)] ?? {
  boundariesMs: days,
  granularity: 'day',
  timeZone: EDGE_ZONE,
  mailboxes,
};
const target = {
  host: '127.0.0.1' as const,
  plainPort: server.plainProxy.port,
  tlsPort: server.tlsProxy.port,
  caPem: server.server.caPem,
  username: server.username,
  password: server.password,
};
const implementations = implementation === 'both' ? ['sdk-count', 'baseline-count'] : [implementation];
for (let run = 0; run < 4; run += 1) {
  for (const name of run % 2 ? [...implementations].reverse() : implementations) {
    server.plainProxy.reset();
    const outcome =
      name === 'baseline-count' ? await countWithBaseline(target, spec) : await countWithSdk(target, spec);
    console.log(name, Math.round(outcome.wallMs), server.plainProxy.counters, outcome.strategies);
  }
}
await server.stop();
