/**
 * The daily sync, measured: counting one Berlin day ("yesterday") of a 100k-message account, four
 * ways, alternated in one warm process, on loopback through a counting proxy (bytes, commands):
 *
 * - **SDK with cursor**: `countSignals(day, { cursor })`, the cursor of the previous day's count;
 * - **SDK without cursor**: the same count, full;
 * - **hand-written imapflow**: what a developer writes for "count yesterday": LIST, then per folder
 *   `getMailboxLock(path, { readOnly: true })` and `fetch({ since: day − 1 day }, { internalDate: true },
 *   { uid: true })`, bucketing in JS (Junk, Trash and Drafts skipped, `\Sent` counted as sent);
 * - **raw floor**: one plain socket, `LOGIN`, then per folder `EXAMINE` + `UID FETCH <floor>:* (UID
 *   INTERNALDATE)` all in one write, with the folder list and each folder's floor known from the
 *   previous sync (taken from the SDK's cursor: the UID from which the previous day's count left mail
 *   unread), rows below the floor dropped (`n:*` always returns the highest UID), no LIST, no TLS.
 *
 * Every sample of every contender is checked bucket by bucket against the seed list.
 *
 * `--rtt N` delays each direction of the proxy by N/2 ms (a distant server).
 *
 * The process's clock reads the morning after the seed (bench-clock.ts) unless `--counted-at real` or
 * `--counted-at <ISO instant>`.
 *
 *   npx tsx bench/daily-sync.ts [--size 100000] [--samples 9] [--rtt 0] [--counted-at real|<ISO>]
 */
import net from 'node:net';
import { ImapFlow } from 'imapflow';
import { ImapConnector } from '../src/index.js';
import { standardVariant } from '../test/harness/dovecot/dovecot-variants.js';
import { atClock, countedAtOf } from './bench-clock.js';
import { type BenchServer, startBenchServer } from './bench-server.js';
import { cachedMaildir } from './maildir-cache.js';
import { LineSocket } from './raw-floor.js';
import { expectedCounts, generateSeed } from './seed-model.js';

const SEED = 20261125;
const DAY_MS = 86_400_000;
const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? fallback : Number(process.argv[index + 1]);
};
const size = argument('size', 100_000);
const samples = argument('samples', 9);
const rttMs = argument('rtt', 0);
// The SDK's calls run at this clock (bench-clock.ts); hand-written imapflow's at the machine's.
const countedAtMs = countedAtOf(process.argv);
const options = { granularity: 'day' as const, timeZone: 'Europe/Berlin' };
// The seed ends at 2026-11-25T00:00Z: the 24th is the last whole Berlin day, the one a sync on the
// morning of the 25th counts; the 23rd is the previous sync's.
const previousDay = { from: '2026-11-23', to: '2026-11-23' };
const day = { from: '2026-11-24', to: '2026-11-24' };
// Berlin midnights (CET, +01:00) starting and ending 24 November 2026.
const boundaries = [Date.UTC(2026, 10, 23, 23), Date.UTC(2026, 10, 24, 23)] as const;

type Contender = 'SDK with cursor' | 'SDK without cursor' | 'hand-written imapflow' | 'raw floor';
const contenders: readonly Contender[] = [
  'SDK with cursor',
  'SDK without cursor',
  'hand-written imapflow',
  'raw floor',
];
type Counts = { sent: number[]; received: number[] };

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const quote = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const ROW =
  /^\* \d+ FETCH \(UID (\d+) INTERNALDATE "\s?(\d+)-(\w{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"/;

function bucketOf(at: number): number {
  return at >= boundaries[0] && at < boundaries[1] ? 0 : -1;
}

function tallyOf(counts: Counts, category: 'sent' | 'received', at: number): void {
  const index = bucketOf(at);
  if (index >= 0) counts[category][index] = (counts[category][index] ?? 0) + 1;
}

/** Each counted folder's floor as the previous sync left it: read from the SDK's cursor (`imc1.` + base64url JSON). */
function floorsOf(cursor: string): { path: string; counts: 'sent' | 'received'; floorUid: number }[] {
  const state = JSON.parse(Buffer.from(cursor.slice(cursor.indexOf('.') + 1), 'base64url').toString()) as {
    m: [string, 's' | 'r' | '-', string, number][];
  };
  return state.m
    .filter(([, counts]) => counts !== '-')
    .map(([path, counts, , floorUid]) => ({
      path,
      counts: counts === 's' ? ('sent' as const) : ('received' as const),
      floorUid,
    }));
}

async function sdk(connector: ImapConnector, cursor: string | undefined): Promise<Counts> {
  const result = await atClock(countedAtMs, () =>
    connector.countSignals(day, cursor === undefined ? options : { ...options, cursor }),
  );
  if (result.mode !== (cursor === undefined ? 'full' : 'incremental'))
    throw new Error(`unexpected mode ${result.mode} (${result.fallbackReason})`);
  return {
    sent: result.buckets.map((bucket) => bucket.sent),
    received: result.buckets.map((bucket) => bucket.received),
  };
}

async function handWritten(server: BenchServer): Promise<Counts> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: server.plainProxy.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: server.username, pass: server.password },
    logger: false,
  });
  await client.connect();
  const counts: Counts = { sent: [0], received: [0] };
  for (const folder of await client.list()) {
    if (folder.flags.has('\\Noselect') || ['\\Junk', '\\Trash', '\\Drafts'].includes(folder.specialUse ?? ''))
      continue;
    const category = folder.specialUse === '\\Sent' ? 'sent' : 'received';
    const lock = await client.getMailboxLock(folder.path, { readOnly: true });
    try {
      // A day of margin: SINCE compares dates in the server's zone.
      const since = new Date(boundaries[0] - DAY_MS);
      for await (const message of client.fetch({ since }, { internalDate: true }, { uid: true })) {
        const at = message.internalDate instanceof Date ? message.internalDate.getTime() : Number.NaN;
        tallyOf(counts, category, at);
      }
    } finally {
      lock.release();
    }
  }
  await client.logout();
  return counts;
}

async function rawFloor(
  server: BenchServer,
  floors: readonly { path: string; counts: 'sent' | 'received'; floorUid: number }[],
): Promise<Counts> {
  const socket = new LineSocket(net.connect(server.plainProxy.port, '127.0.0.1'));
  await socket.greeting;
  const [login] = socket.send([`LOGIN ${quote(server.username)} ${quote(server.password)}`], 1);
  await login;
  const counts: Counts = { sent: [0], received: [0] };
  const commands = floors.flatMap((folder) => [
    `EXAMINE ${quote(folder.path)}`,
    `UID FETCH ${folder.floorUid}:* (UID INTERNALDATE)`,
  ]);
  // Answers come in command order: each EXAMINE's EXISTS line starts the next folder's rows.
  let index = -1;
  socket.onUntagged = (line) => {
    if (/^\* \d+ EXISTS$/.test(line)) {
      index += 1;
      return;
    }
    const match = ROW.exec(line);
    const folder = floors[index];
    if (!match || !folder || Number(match[1]) < folder.floorUid) return;
    const [, , date, month, year, hour, minute, second, sign, zoneHours, zoneMinutes] = match;
    const local = Date.UTC(
      Number(year),
      MONTHS.indexOf(month ?? ''),
      Number(date),
      Number(hour),
      Number(minute),
      Number(second),
    );
    const offset = (Number(zoneHours) * 60 + Number(zoneMinutes)) * 60_000;
    tallyOf(counts, folder.counts, sign === '-' ? local + offset : local - offset);
  };
  await Promise.all(socket.send(commands, 2));
  const [logout] = socket.send(['LOGOUT'], 2 + commands.length);
  await logout;
  socket.close();
  return counts;
}

const seed = generateSeed(size, SEED);
const expected = expectedCounts(seed, boundaries);
const maildir = cachedMaildir(seed, `${size}-${SEED}`);
const server = await startBenchServer({ ...standardVariant, name: 'standard', timeZone: 'UTC' }, maildir);
try {
  server.plainProxy.oneWayDelayMs = rttMs / 2;
  const connector = new ImapConnector({
    host: '127.0.0.1',
    port: server.plainProxy.port,
    security: 'none',
    username: server.username,
    password: server.password,
  });
  await atClock(countedAtMs, () => connector.countSignals(previousDay, options)); // warm-up: Dovecot's indexes, the JIT
  const { cursor } = await atClock(countedAtMs, () => connector.countSignals(previousDay, options));
  const floors = floorsOf(cursor);
  const run: Record<Contender, () => Promise<Counts>> = {
    'SDK with cursor': () => sdk(connector, cursor),
    'SDK without cursor': () => sdk(connector, undefined),
    'hand-written imapflow': () => handWritten(server),
    'raw floor': () => rawFloor(server, floors),
  };
  const rows = Object.fromEntries(
    contenders.map((name) => [
      name,
      { ms: [] as number[], received: [] as number[], sent: [] as number[], commands: [] as number[] },
    ]),
  ) as Record<Contender, { ms: number[]; received: number[]; sent: number[]; commands: number[] }>;
  // One untimed call each (JIT, imapflow's and the raw client's code paths), then the samples, the
  // contenders' order rotating from sample to sample.
  for (const name of contenders) await run[name]();
  for (let sample = 0; sample < samples; sample += 1) {
    const order = contenders.map((_, index) => contenders[(index + sample) % contenders.length] as Contender);
    for (const name of order) {
      server.plainProxy.reset();
      const started = performance.now();
      const counts = await run[name]();
      const ms = performance.now() - started;
      if (JSON.stringify(counts) !== JSON.stringify(expected))
        throw new Error(`${name}: ${JSON.stringify(counts)}, the seed list says ${JSON.stringify(expected)}`);
      rows[name].ms.push(ms);
      rows[name].received.push(server.plainProxy.counters.bytesReceived);
      rows[name].sent.push(server.plainProxy.counters.bytesSent);
      rows[name].commands.push(server.plainProxy.counters.commands);
    }
  }
  const floorMs = median(rows['raw floor'].ms);
  console.log(
    `daily sync of ${day.from} (Europe/Berlin), ${size} messages, ${rttMs} ms RTT, median (min–max) of ${samples} samples, every sample exact against the seed list: sent ${expected.sent[0]}, received ${expected.received[0]}\n`,
  );
  console.log('| contender | ms | ÷ raw floor | bytes received / sent | commands |');
  console.log('|---|---|---|---|---|');
  for (const name of contenders) {
    const row = rows[name];
    const ms = median(row.ms);
    console.log(
      `| ${name} | ${ms.toFixed(1)} (${Math.min(...row.ms).toFixed(1)}–${Math.max(...row.ms).toFixed(1)}) | ${(ms / floorMs).toFixed(2)}× | ${median(row.received).toLocaleString('en')} / ${median(row.sent).toLocaleString('en')} | ${median(row.commands)} |`,
    );
  }
} finally {
  await server.stop();
}
