/**
 * A cold count's critical path, seen from the wire: runs one count as the first call of a fresh child
 * process (`--warm`: the second call, the first one untimed and untraced) (the connector constructed before the clock starts, as in `npm run bench -- --cold`) against
 * the bench account, through a proxy in this process that timestamps every chunk either way. Gaps
 * between a server chunk and the client's next write are the client's time; the rest is the server's.
 * docs/performance.md, "The remaining gap".
 *
 * The child's clock reads the morning after the seed (bench-clock.ts) unless `--counted-at`.
 *
 *   npx tsx bench/cold-timeline.ts [--case yesterday] [--contender sdk|floor] [--listing auto|same-connection|side-connection] [--counted-at real|<ISO>] [--warm] [--server stock|reduced]
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { closeTogether } from '../test/harness/close-together.js';
import { reducedCapabilityVariant, standardVariant } from '../test/harness/dovecot/dovecot-variants.js';
import { type CaseTarget, type CountSpec, countCases, countWithSdk } from './bench-cases.js';
import { countedAtOf, pinClock } from './bench-clock.js';
import { caseTargetOf, startBenchServer } from './bench-server.js';
import { option } from './command-line.js';
import { cachedMaildir } from './maildir-cache.js';
import { countWithFloor } from './raw-floor.js';
import { generateSeed } from './seed-model.js';

interface ChildRequest {
  readonly target: CaseTarget;
  // Computed here: the child must not build a time-zone formatter before its count (the first one
  // of a process costs ~20 ms, which the count pays when nothing did before).
  readonly spec: CountSpec;
  readonly contender: 'sdk' | 'floor';
  readonly listing: 'auto' | 'same-connection' | 'side-connection';
  readonly countedAtMs: number | undefined;
  /** Count once, untimed, before the timed count (a warm process, as `npm run bench` measures). */
  readonly warm: boolean;
}

async function countInChild(request: ChildRequest): Promise<void> {
  const { spec } = request;
  if (request.countedAtMs !== undefined) pinClock(request.countedAtMs);
  const count = () =>
    request.contender === 'floor'
      ? countWithFloor(request.target, spec)
      : countWithSdk(request.target, spec, 'auto', request.listing === 'auto' ? undefined : request.listing);
  if (request.warm) await count();
  process.send?.('start');
  const outcome = await count();
  process.send?.(`counted in ${outcome.wallMs.toFixed(1)} ms (${(outcome.strategies ?? []).join(', ')})`);
}

if (process.argv[2] === '--child') {
  await countInChild(JSON.parse(process.argv[3] ?? '{}') as ChildRequest);
  process.exit(0);
}

function specOf(caseName: string): CountSpec {
  const spec = countCases().find((countCase) => countCase.name.includes(caseName))?.spec;
  if (!spec) throw new Error(`the bench defines no case named like "${caseName}"`);
  return spec;
}

const server = await startBenchServer(
  {
    ...(option('server', 'stock') === 'reduced' ? reducedCapabilityVariant : standardVariant),
    timeZone: 'Pacific/Auckland',
  },
  cachedMaildir(generateSeed(100_000), '100000-20261125'),
);
let origin: bigint | undefined;
const events: string[] = [];
const at = () => (origin === undefined ? '-' : (Number(process.hrtime.bigint() - origin) / 1e6).toFixed(1));
const excerpt = (chunk: Buffer) => JSON.stringify(chunk.toString('latin1', 0, 70));
let connections = 0;
const proxy = net.createServer((client) => {
  const id = ++connections;
  if (origin === undefined)
    return void client.pipe(net.connect(server.server.plainPort, '127.0.0.1')).pipe(client);
  events.push(`${at()} #${id} accepted`);
  const upstream = net.connect(server.server.plainPort, '127.0.0.1');
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  client.on('data', (chunk: Buffer) => {
    events.push(`${at()} #${id} client ${chunk.length} B ${excerpt(chunk)}`);
    upstream.write(chunk);
  });
  upstream.on('data', (chunk: Buffer) => {
    events.push(`${at()} #${id} server ${chunk.length} B ${excerpt(chunk)}`);
    client.write(chunk);
  });
  closeTogether(client, upstream);
});
await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const request: ChildRequest = {
  target: caseTargetOf(server, { plainPort: (proxy.address() as net.AddressInfo).port }),
  spec: specOf(option('case', 'yesterday')),
  contender: option('contender', 'sdk') === 'floor' ? 'floor' : 'sdk',
  listing:
    (['same-connection', 'side-connection'] as const).find((name) => name === option('listing', '')) ??
    'auto',
  countedAtMs: countedAtOf(process.argv),
  warm: process.argv.includes('--warm'),
};
try {
  const child = fork(fileURLToPath(import.meta.url), ['--child', JSON.stringify(request)], {
    execArgv: ['--import', 'tsx'],
  });
  child.on('message', (message) => {
    if (message === 'start') {
      origin = process.hrtime.bigint();
      events.push('0.0 the count starts');
    } else events.push(`${at()} ${String(message)}`);
  });
  await new Promise((resolve) => child.on('exit', resolve));
  console.log(events.join('\n'));
} finally {
  proxy.close();
  await server.stop();
}
