// npm run bench [-- --size 100k --runs 5 --rtt 20 --cold --counted-at real|<ISO> --unsubscribed Projects,Clients --cases daily,daily-sync --standard-only --variants [pipelined,fewest-bytes,same-connection,side-connection,kept-connector] --sdk-only --without-baseline --compress --node-option --max-semi-space-size=1]
// Counting and connecting on a big seeded mailbox: the SDK side by side with a raw pipelined floor
// client (bench/raw-floor.ts) and hand-written imapflow code, in alternating fresh processes, through a
// counting proxy that can add a round-trip delay. Writes results JSON and a markdown table.
import { execFileSync, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  compressingVariant,
  reducedCapabilityVariant,
  standardVariant,
} from '../test/harness/dovecot/dovecot-variants.js';
import { RawImapClient } from '../test/harness/raw-imap-client.js';
import { countCases } from './bench-cases.js';
import { countedAtOf } from './bench-clock.js';
import { type BenchServer, caseTargetOf, startBenchServer } from './bench-server.js';
import type { CaseReply, CaseRequest } from './case-runner.js';
import { cachedMaildir } from './maildir-cache.js';
import { median } from './median.js';
import { expectedCounts, generateSeed, type SeededMailbox } from './seed-model.js';

const SEED = 20261125;
const SERVER_TIME_ZONE = 'Pacific/Auckland';

interface Options {
  size: number;
  /** Round-trip time the proxy adds, ms (half each way). */
  rttMs: number;
  /** Measure the first call of fresh processes. */
  cold: boolean;
  /** The wall clock counts run at (bench-clock.ts: the morning after the seed unless `--counted-at`). */
  countedAtMs: number | undefined;
  /**
   * Only the cases whose name contains one of these (`--cases daily,yesterday`); `daily-sync` runs
   * bench/daily-sync.ts ("count yesterday" with and without the cursor, hand-written imapflow, raw floor).
   */
  cases: string[] | undefined;
  /** Only the standard (full-capability) server. */
  standardOnly: boolean;
  /**
   * The folders left unsubscribed (`--unsubscribed Projects,Clients`); by default every folder is
   * subscribed, as a mail client that created them leaves them (Dovecot subscribes its own folders).
   */
  unsubscribed: readonly string[];
  /** Also the SDK with each `transfer` preference forced. */
  /** The forced variants to run besides the default SDK: `--variants` alone runs all four. */
  variants: readonly Variant[];
  /** Measure the SDK side only (for sizes where the baseline would take minutes a run). */
  sdkOnly: boolean;
  /** The SDK and the raw floor, without hand-written imapflow (minutes a run at 1M). */
  withoutBaseline: boolean;
  /** The standard server offers COMPRESS=DEFLATE (imapflow, and so both the SDK and the baseline, use it). */
  compress: boolean;
  /** Node options for every case process (`--node-option --max-semi-space-size=1`, repeatable). */
  nodeOptions: string[];
  runs: number;
  output: string;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string) => {
    const index = argv.indexOf(name);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const size = parseSize(value('--size') ?? '100k');
  return {
    size,
    runs: Number(value('--runs') ?? 5),
    sdkOnly: argv.includes('--sdk-only'),
    withoutBaseline: argv.includes('--without-baseline'),
    compress: argv.includes('--compress'),
    nodeOptions: argv.flatMap((arg, index) => (arg === '--node-option' ? [argv[index + 1] ?? ''] : [])),
    rttMs: Number(value('--rtt') ?? 0),
    cold: argv.includes('--cold'),
    countedAtMs: countedAtOf(argv),
    cases: value('--cases')?.split(','),
    standardOnly: argv.includes('--standard-only'),
    unsubscribed: value('--unsubscribed')?.split(',') ?? [],
    variants: variantsOf(argv),
    output: value('--output') ?? fileURLToPath(new URL('results.json', import.meta.url)),
  };
}

type Variant = 'pipelined' | 'fewest-bytes' | 'same-connection' | 'side-connection' | 'kept-connector';
const VARIANTS: readonly Variant[] = [
  'pipelined',
  'fewest-bytes',
  'same-connection',
  'side-connection',
  'kept-connector',
];

// `--variants` runs them all; `--variants pipelined,same-connection` those named (fewest-bytes counts by
// WITHIN on Dovecot: ~13 s a daily year at 100k, worth leaving out of timing runs).
function variantsOf(argv: readonly string[]): readonly Variant[] {
  const index = argv.indexOf('--variants');
  if (index < 0) return [];
  const listed = argv[index + 1];
  if (listed === undefined || listed.startsWith('--')) return VARIANTS;
  return listed.split(',').map((name) => {
    const variant = VARIANTS.find((known) => known === name);
    if (variant === undefined) throw new Error(`--variants: expected ${VARIANTS.join(', ')}, got ${name}`);
    return variant;
  });
}

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text);
  if (!match) throw new Error(`--size: expected e.g. 10k, 100k or 1M, got ${text}`);
  const factor = match[2]?.toLowerCase() === 'k' ? 1_000 : match[2]?.toLowerCase() === 'm' ? 1_000_000 : 1;
  return Math.round(Number(match[1]) * factor);
}

interface Sample {
  wallMs: number;
  bytesReceived: number;
  bytesSent: number;
  commands: number;
  maxRssMB: number;
  strategies?: readonly string[];
  warnings?: readonly string[];
  exact?: boolean;
}

const runnerPath = fileURLToPath(new URL('case-runner.ts', import.meta.url));
// Set once from `--node-option`, before any case runs.
let caseNodeOptions: readonly string[] = [];

function runCase(request: CaseRequest, onWarmed: () => void): Promise<Extract<CaseReply, { ok: true }>> {
  return new Promise((resolve, reject) => {
    const child = fork(runnerPath, [], {
      execArgv: ['--import', 'tsx', ...caseNodeOptions],
      stdio: 'inherit',
    });
    let replied = false;
    child.on('message', (reply: CaseReply | { warmed: true }) => {
      if ('warmed' in reply) {
        onWarmed();
        child.send('go');
        return;
      }
      replied = true;
      if (reply.ok) resolve(reply);
      else reject(new Error(`${request.implementation}: ${reply.error}`));
    });
    child.once('exit', (code) => {
      if (!replied) reject(new Error(`${request.implementation} exited with ${code}`));
    });
    child.send(request);
  });
}

async function measure(
  server: BenchServer,
  request: CaseRequest,
  expected: { sent: number[]; received: number[] } | undefined,
): Promise<Sample> {
  const proxy =
    request.implementation === 'sdk-test' || request.implementation === 'raw-minimum'
      ? server.tlsProxy
      : server.plainProxy;
  proxy.reset();
  const reply = await runCase(request, () => proxy.reset());
  const counters = { ...proxy.counters };
  const exact =
    expected === undefined || reply.counts === undefined
      ? undefined
      : JSON.stringify(reply.counts) === JSON.stringify(expected);
  if (exact === false) {
    const wrong = expected?.received.flatMap((value, index) =>
      value === reply.counts?.received[index] && expected.sent[index] === reply.counts?.sent[index]
        ? []
        : [index],
    );
    process.stderr.write(
      `!! ${request.implementation} miscounted buckets ${wrong?.slice(0, 10).join(',')}\n`,
    );
  }
  return {
    wallMs: reply.wallMs,
    bytesReceived: counters.bytesReceived / (reply.repeats ?? 1),
    bytesSent: counters.bytesSent / (reply.repeats ?? 1),
    commands: reply.commands ?? counters.commands,
    maxRssMB: reply.maxRssBytes / 1_048_576,
    ...(reply.strategies ? { strategies: reply.strategies } : {}),
    ...(reply.warnings ? { warnings: reply.warnings } : {}),
    ...(exact === undefined ? {} : { exact }),
  };
}

function summarize(samples: readonly Sample[]) {
  const times = samples.map((sample) => sample.wallMs);
  return {
    wallMs: Math.round(median(times) * 10) / 10,
    wallMsMin: Math.round(Math.min(...times) * 10) / 10,
    wallMsMax: Math.round(Math.max(...times) * 10) / 10,
    bytesReceived: median(samples.map((sample) => sample.bytesReceived)),
    bytesSent: median(samples.map((sample) => sample.bytesSent)),
    commands: median(samples.map((sample) => sample.commands)),
    peakRssMB: Math.round(Math.max(...samples.map((sample) => sample.maxRssMB)) * 10) / 10,
    strategies: samples[0]?.strategies ?? null,
    warnings: [...new Set(samples.flatMap((sample) => sample.warnings ?? []))],
    exact: samples.every((sample) => sample.exact !== false) ? (samples[0]?.exact ?? null) : false,
    runs: samples.length,
  };
}

// Dovecot must report, through IMAP, the INTERNALDATE and UID order the seed list says.
async function verifySeed(server: BenchServer, seed: readonly SeededMailbox[]): Promise<void> {
  const client = await RawImapClient.login(server.server.plainPort, server.username, server.password);
  try {
    for (const mailbox of seed) {
      const examined = await client.command(`EXAMINE ${mailbox.path}`);
      const exists = examined.untagged.map((line) => /^\* (\d+) EXISTS/.exec(line)?.[1]).find(Boolean);
      if (Number(exists) !== mailbox.datesMs.length)
        throw new Error(`${mailbox.path}: ${exists} messages, seeded ${mailbox.datesMs.length}`);
      const step = Math.max(1, Math.floor(mailbox.datesMs.length / 200));
      const uids: number[] = [];
      for (let uid = 1; uid <= mailbox.datesMs.length; uid += step) uids.push(uid);
      const fetched = await client.command(`UID FETCH ${uids.join(',')} (INTERNALDATE)`);
      let checked = 0;
      for (const line of fetched.untagged) {
        const match = /UID (\d+) INTERNALDATE "([^"]+)"/.exec(line);
        if (!match) continue;
        const atMs = parseInternalDate(match[2] ?? '');
        const seeded = mailbox.datesMs[Number(match[1]) - 1];
        if (atMs !== seeded)
          throw new Error(`${mailbox.path} UID ${match[1]}: ${match[2]} on the server, ${seeded} seeded`);
        checked += 1;
      }
      if (checked !== uids.length) throw new Error(`${mailbox.path}: checked ${checked} of ${uids.length}`);
    }
  } finally {
    await client.logout();
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function parseInternalDate(text: string): number {
  const match = /^\s?(\d+)-(\w{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/.exec(text);
  if (!match) return Number.NaN;
  const [, day, month, year, hour, minute, second, sign, offsetHours, offsetMinutes] = match;
  const local = Date.UTC(
    Number(year),
    MONTHS.indexOf(month ?? ''),
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  const offset = (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  return sign === '-' ? local + offset : local - offset;
}

interface Pair {
  readonly name: string;
  readonly server: BenchServer;
  /** The SDK first; the others are compared with it. */
  readonly contenders: readonly CaseRequest[];
  readonly expected?: { sent: number[]; received: number[] };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  caseNodeOptions = options.nodeOptions;
  if (options.cases?.includes('daily-sync')) {
    // Its own bench, in one warm process with its own server: the contenders alternate call by call.
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('daily-sync.ts', import.meta.url)),
        ...['--size', String(options.size), '--samples', String(Math.max(5, options.runs))],
        ...['--rtt', String(options.rttMs)],
        ...[
          '--counted-at',
          options.countedAtMs === undefined ? 'real' : new Date(options.countedAtMs).toISOString(),
        ],
      ],
      { stdio: 'inherit' },
    );
    options.cases = options.cases.filter((name) => name !== 'daily-sync');
    if (options.cases.length === 0) return;
  }
  const startedAt = new Date().toISOString();
  let time = performance.now();
  const seed = generateSeed(options.size, SEED);
  const maildir = cachedMaildir(seed, `${options.size}-${SEED}`);
  process.stdout.write(
    `seed: ${options.size} messages ready in ${Math.round(performance.now() - time)} ms\n`,
  );
  const standard = await startBenchServer(
    {
      ...(options.compress ? compressingVariant : standardVariant),
      name: 'standard',
      timeZone: SERVER_TIME_ZONE,
    },
    maildir,
    { unsubscribed: options.unsubscribed },
  );
  const reduced = await startBenchServer(
    { ...reducedCapabilityVariant, name: 'reduced', timeZone: SERVER_TIME_ZONE },
    maildir,
    { unsubscribed: options.unsubscribed },
  );
  const stopOnSignal = () => {
    void Promise.all([standard.stop(), reduced.stop()]).finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    time = performance.now();
    await verifySeed(standard, seed);
    process.stdout.write(
      `verified INTERNALDATEs and UID order through IMAP in ${Math.round(performance.now() - time)} ms\n`,
    );
    for (const server of [standard, reduced]) {
      server.plainProxy.oneWayDelayMs = options.rttMs / 2;
      server.tlsProxy.oneWayDelayMs = options.rttMs / 2;
    }
    const pairs: Pair[] = [];
    for (const server of options.standardOnly ? [standard] : [standard, reduced]) {
      for (const countCase of countCases()) {
        if (options.cases !== undefined && !options.cases.some((part) => countCase.name.includes(part)))
          continue;
        const boundaries = countCase.spec.boundariesMs;
        const request = (implementation: CaseRequest['implementation']): CaseRequest => ({
          implementation,
          target: caseTargetOf(server),
          spec: countCase.spec,
          cold: options.cold,
          ...(options.countedAtMs === undefined ? {} : { countedAtMs: options.countedAtMs }),
        });
        pairs.push({
          name: `${countCase.name} [${server.variant}]`,
          server,
          contenders: [
            request('sdk-count'),
            ...(options.variants.includes('pipelined') ? [request('sdk-count-pipelined')] : []),
            ...(options.variants.includes('fewest-bytes') ? [request('sdk-count-fewest-bytes')] : []),
            ...(options.variants.includes('same-connection') ? [request('sdk-count-same-connection')] : []),
            ...(options.variants.includes('side-connection') ? [request('sdk-count-side-connection')] : []),
            ...(options.variants.includes('kept-connector') ? [request('sdk-count-kept-connector')] : []),
            ...(options.sdkOnly ? [] : [request('floor-count')]),
            ...(options.sdkOnly || options.withoutBaseline ? [] : [request('baseline-count')]),
          ],
          expected: expectedCounts(seed, boundaries),
        });
      }
    }
    if (options.cases === undefined)
      pairs.push({
        name: 'testConnection vs raw TLS+LOGIN+LOGOUT [standard]',
        server: standard,
        contenders: [
          { implementation: 'sdk-test', target: caseTargetOf(standard), cold: options.cold },
          ...(options.sdkOnly
            ? []
            : [
                {
                  implementation: 'raw-minimum',
                  target: caseTargetOf(standard),
                  cold: options.cold,
                } as const,
              ]),
        ],
      });
    const samples = new Map<string, Sample[][]>();
    // Run 0 warms Dovecot's indexes and caches and the page cache; it is not counted. Contenders
    // alternate in order from run to run, each in a fresh process.
    for (let run = 0; run <= options.runs; run += 1) {
      for (const pair of pairs) {
        const entry = samples.get(pair.name) ?? pair.contenders.map(() => []);
        samples.set(pair.name, entry);
        const order = pair.contenders.map((_, index) => index);
        if (run % 2 === 1) order.reverse();
        for (const index of order) {
          const contender = pair.contenders[index];
          if (!contender) continue;
          const sample = await measure(pair.server, contender, pair.expected);
          if (run > 0) entry[index]?.push(sample);
        }
      }
      process.stdout.write(`run ${run}${run === 0 ? ' (warm-up)' : ''} done\n`);
    }
    const results = pairs.map((pair) => {
      const entry = samples.get(pair.name) ?? [];
      const summaries = pair.contenders.map((contender, index) => ({
        implementation: contender.implementation,
        ...summarize(entry[index] ?? []),
      }));
      const sdk = summaries[0];
      return {
        case: pair.name,
        contenders: summaries.map((summary) => ({
          ...summary,
          timesSdk: sdk ? Math.round((summary.wallMs / sdk.wallMs) * 100) / 100 : null,
        })),
      };
    });
    const report = {
      startedAt,
      size: options.size,
      sdkOnly: options.sdkOnly,
      seed: SEED,
      runsPerCase: options.runs,
      rttMs: options.rttMs,
      unsubscribed: options.unsubscribed,
      countedAt:
        options.countedAtMs === undefined ? 'the machine clock' : new Date(options.countedAtMs).toISOString(),
      process: options.cold
        ? 'cold (first call of a fresh process)'
        : 'warm (second call of a fresh process)',
      ...(options.nodeOptions.length > 0 ? { nodeOptions: options.nodeOptions } : {}),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memoryGB: Math.round(os.totalmem() / 1e9),
        node: process.version,
        platform: `${os.type()} ${os.release()}`,
        dovecot: execFileSync('/usr/sbin/dovecot', ['--version']).toString().trim(),
        serverTimeZone: SERVER_TIME_ZONE,
        transport: `loopback through a counting TCP proxy${options.rttMs > 0 ? ` adding ${options.rttMs} ms a round trip (TCP_NODELAY)` : ''}; plaintext for counts, implicit TLS for tests; ${options.compress ? 'COMPRESS=DEFLATE offered by the standard server (the raw floor does not use it)' : 'no COMPRESS offered'}`,
        loadAverage: os.loadavg().map((value) => Math.round(value * 10) / 10),
      },
      mailboxes: Object.fromEntries(seed.map((mailbox) => [mailbox.path, mailbox.datesMs.length])),
      results,
    };
    writeFileSync(options.output, `${JSON.stringify(report, null, 2)}\n`);
    const markdown = markdownOf(report.size, options, report.machine.loadAverage, results);
    writeFileSync(options.output.replace(/\.json$/, '.md'), markdown);
    process.stdout.write(markdown);
  } finally {
    await standard.stop();
    await reduced.stop();
  }
}

type Result = {
  case: string;
  contenders: (ReturnType<typeof summarize> & { implementation: string; timesSdk: number | null })[];
};

const LABELS: Readonly<Record<string, string>> = {
  'sdk-count': 'SDK (auto)',
  'sdk-count-pipelined': "SDK, transfer 'fewest-round-trips'",
  'sdk-count-fewest-bytes': "SDK, transfer 'fewest-bytes'",
  'sdk-count-same-connection': 'SDK, listing on the counting connection',
  'sdk-count-side-connection': 'SDK, listing on a side connection',
  'sdk-count-kept-connector': 'SDK, the connector of the count before',
  'floor-count': 'raw floor',
  'baseline-count': 'hand-written imapflow',
  'sdk-test': 'SDK testConnection',
  'raw-minimum': 'raw TLS+LOGIN+LOGOUT',
};

function markdownOf(
  size: number,
  options: Options,
  load: readonly number[],
  results: readonly Result[],
): string {
  const lines = [
    `### ${size.toLocaleString('en')} messages, ${options.rttMs > 0 ? `${options.rttMs} ms RTT` : 'loopback'}, ${options.cold ? 'cold' : 'warm'} process${options.compress ? ', COMPRESS=DEFLATE' : ''} — median of ${options.runs}`,
    '',
    `Load average at the end: ${load.join(' / ')} (2 cores shared with other work: compare within a table). Counted at ${options.countedAtMs === undefined ? "the machine's clock" : new Date(options.countedAtMs).toISOString()}; ${options.unsubscribed.length === 0 ? 'every folder subscribed' : `unsubscribed: ${options.unsubscribed.join(', ')}`}.`,
    '',
    '| case | contender | ms (min–max) | ÷ SDK | bytes rx | commands | peak RSS MB | exact | strategies |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const result of results) {
    for (const contender of result.contenders) {
      lines.push(
        `| ${result.case} | ${LABELS[contender.implementation] ?? contender.implementation} | ${contender.wallMs} (${contender.wallMsMin}–${contender.wallMsMax}) | ${contender.timesSdk ?? '—'} | ${Math.round(contender.bytesReceived).toLocaleString('en')} | ${contender.commands} | ${contender.peakRssMB} | ${contender.exact ?? '—'} | ${contender.strategies?.join(', ') ?? ''} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

await main();
