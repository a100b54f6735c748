/**
 * The daily sync, measured: counting one Berlin day of a 100k-message account with the cursor of the
 * previous day's count (incremental) against the same count without it (full), alternated in one warm
 * process, on loopback through a counting proxy (bytes, commands). Both must give the same numbers.
 *
 *   npx tsx bench/daily-sync.ts [--size 100000] [--samples 9]
 */
import { ImapConnector, type SignalCounts } from '../src/index.js';
import { standardVariant } from '../test/harness/dovecot/dovecot-variants.js';
import { startBenchServer } from './bench-server.js';
import { cachedMaildir } from './maildir-cache.js';
import { generateSeed } from './seed-model.js';

const SEED = 20261125;
const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? fallback : Number(process.argv[index + 1]);
};
const size = argument('size', 100_000);
const samples = argument('samples', 9);
const options = { granularity: 'day' as const, timeZone: 'Europe/Berlin' };
// The seed ends at 2026-11-25T00:00Z: the 24th is the last whole Berlin day, the one a sync on the
// morning of the 25th counts; the 23rd is the previous sync's.
const previousDay = { from: '2026-11-23', to: '2026-11-23' };
const day = { from: '2026-11-24', to: '2026-11-24' };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const seed = generateSeed(size, SEED);
const maildir = cachedMaildir(seed, `${size}-${SEED}`);
const server = await startBenchServer({ ...standardVariant, name: 'standard', timeZone: 'UTC' }, maildir);
try {
  const connector = new ImapConnector({
    host: '127.0.0.1',
    port: server.plainProxy.port,
    security: 'none',
    username: server.username,
    password: server.password,
  });
  await connector.countSignals(previousDay, options); // warm-up: Dovecot's indexes, the JIT
  const { cursor } = await connector.countSignals(previousDay, options);
  const rows: Record<'incremental' | 'full', { ms: number[]; bytes: number[]; commands: number[] }> = {
    incremental: { ms: [], bytes: [], commands: [] },
    full: { ms: [], bytes: [], commands: [] },
  };
  let last: Partial<Record<'incremental' | 'full', SignalCounts>> = {};
  for (let sample = 0; sample < samples; sample += 1) {
    for (const mode of sample % 2 === 0
      ? (['incremental', 'full'] as const)
      : (['full', 'incremental'] as const)) {
      server.plainProxy.reset();
      const started = performance.now();
      const result = await connector.countSignals(
        day,
        mode === 'incremental' ? { ...options, cursor } : options,
      );
      rows[mode].ms.push(performance.now() - started);
      rows[mode].bytes.push(server.plainProxy.counters.bytesReceived + server.plainProxy.counters.bytesSent);
      rows[mode].commands.push(server.plainProxy.counters.commands);
      if (result.mode !== mode) throw new Error(`expected mode ${mode}, got ${result.mode}`);
      last = { ...last, [mode]: result };
    }
  }
  const same = JSON.stringify(last.incremental?.buckets) === JSON.stringify(last.full?.buckets);
  console.log(`daily sync, ${size} messages, ${samples} samples each (median), counts identical: ${same}`);
  console.log(`counted: sent ${last.full?.sent}, received ${last.full?.received}`);
  for (const mode of ['incremental', 'full'] as const) {
    const row = rows[mode];
    console.log(
      `${mode.padEnd(11)} ${median(row.ms).toFixed(1).padStart(7)} ms  ${(median(row.bytes) / 1024).toFixed(1).padStart(6)} KB  ${median(row.commands)} commands`,
    );
  }
  if (!same) process.exitCode = 1;
} finally {
  await server.stop();
}
