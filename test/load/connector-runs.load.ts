/**
 * Many accounts at once, as a host service runs them: 200 connector runs against a real Dovecot, 50 at a
 * time, each on an account of its own among the concurrent ones, each doing testConnection then
 * countSignals over implicit TLS. Checks that every run succeeds with the counts its seed implies, that
 * the 150 runs after each worker's first keep no memory (a host runs accounts for weeks), and reports
 * p50/p95 latency and peak RSS (docs/reliability.md records the numbers).
 */
import { writeFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { ImapConnector } from '../../src/index.js';
import { activeHandleCount, expectHandlesReleased } from '../harness/active-handles.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import { createMailUser, type DovecotEndpoint, type MailUser } from '../harness/dovecot/dovecot-server.js';
import { type SeedMessage, seedMailboxes } from '../harness/mail-seeder.js';
import { liveBytesAfterCollection } from '../harness/memory-watch.js';

const RUNS = 200;
const CONCURRENCY = 50;
/**
 * What the runs after each worker's first may leave live, after a collection. The first runs compile the
 * code and fill the process-wide caches (TLS context, zone formatter); the 150 after them must keep
 * nothing: a connector, session or listener kept per run (tens of KiB each at least) would pass it.
 */
const RETAINED_BOUND_BYTES = 4 * 1024 * 1024;
const range = { since: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00Z' };
const sinceMs = Date.UTC(2026, 0, 1);
const untilMs = Date.UTC(2026, 1, 1);
const HOUR = 3_600_000;

interface Account {
  readonly user: MailUser;
  readonly expected: { readonly sent: number; readonly received: number };
}

/** Account `index`'s messages: a different number per account, some just outside the range. */
function seedOf(index: number): SeedMessage[] {
  const received = Array.from({ length: 1 + (index % 7) }, (_, n) => ({
    mailbox: 'INBOX',
    atMs: sinceMs + (n * 97 + index) * HOUR,
  }));
  const sent = Array.from({ length: index % 4 }, (_, n) => ({
    mailbox: 'Sent',
    atMs: sinceMs + (n * 131 + 5) * HOUR,
  }));
  const outside = [
    { mailbox: 'INBOX', atMs: sinceMs - 1_000 },
    { mailbox: 'Sent', atMs: untilMs },
  ];
  return [...received, ...sent, ...outside];
}

/** What a correct count of a seed is, computed from the seed alone. */
function expectedOf(seed: readonly SeedMessage[]): Account['expected'] {
  const inRange = seed.filter((message) => message.atMs >= sinceMs && message.atMs < untilMs);
  return {
    sent: inRange.filter((message) => message.mailbox === 'Sent').length,
    received: inRange.filter((message) => message.mailbox !== 'Sent').length,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

describeWithDovecot('connector runs under load', () => {
  let server: DovecotEndpoint;
  const accounts: Account[] = [];

  beforeAll(async () => {
    server = sharedDovecot();
    for (let index = 0; index < CONCURRENCY; index += 1) {
      const user = createMailUser(server, `load${index}`);
      const seed = seedOf(index);
      accounts.push({ user, expected: expectedOf(seed) });
    }
    // Dovecot re-reads the users file; seed a few accounts at a time.
    for (let index = 0; index < accounts.length; index += 10) {
      await Promise.all(
        accounts
          .slice(index, index + 10)
          .map((account, offset) => seedMailboxes(server, account.user, seedOf(index + offset))),
      );
    }
  });

  it(`runs ${RUNS} testConnection + countSignals, ${CONCURRENCY} at a time, all correct`, async () => {
    const baseline = activeHandleCount();
    const rssAtStart = process.memoryUsage.rss();
    let rssPeak = rssAtStart;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    }, 25);
    const latencies: number[] = [];
    const failures: string[] = [];
    let next = 0;
    const startedAt = performance.now();
    const cpuAtStart = process.cpuUsage();

    // Worker w always uses account w: the runs in flight at any moment are on different accounts.
    // `until` runs in all, counting every worker's.
    const worker = async (account: Account, until: number): Promise<void> => {
      while (next < until) {
        next += 1;
        const runStartedAt = performance.now();
        const connector = new ImapConnector({
          host: server.host,
          port: server.tlsPort,
          security: 'tls',
          username: account.user.username,
          password: async () => account.user.password,
          tls: { ca: server.caPem },
        });
        const tested = await connector.testConnection();
        if (!tested.ok) {
          failures.push(`testConnection: ${tested.code} ${tested.message}`);
          continue;
        }
        try {
          const counts = await connector.countSignals(range);
          if (counts.sent !== account.expected.sent || counts.received !== account.expected.received) {
            failures.push(
              `${account.user.username}: counted ${counts.sent}/${counts.received}, expected ${account.expected.sent}/${account.expected.received}`,
            );
          }
          if (counts.attempts !== 1) failures.push(`${account.user.username}: ${counts.attempts} attempts`);
        } catch (error) {
          failures.push(`countSignals: ${String(error)}`);
        }
        latencies.push(performance.now() - runStartedAt);
      }
    };
    // Each worker's first run, then the rest: live memory is read between the two and after.
    await Promise.all(accounts.map((account) => worker(account, CONCURRENCY)));
    const liveAfterFirstRuns = liveBytesAfterCollection();
    await Promise.all(accounts.map((account) => worker(account, RUNS)));
    const retainedBytes = liveBytesAfterCollection() - liveAfterFirstRuns;
    const wallMs = performance.now() - startedAt;
    const cpu = process.cpuUsage(cpuAtStart);
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    await expectHandlesReleased(baseline, 5_000);

    const sorted = [...latencies].sort((a, b) => a - b);
    const report = {
      runs: RUNS,
      concurrency: CONCURRENCY,
      succeeded: latencies.length - failures.length,
      failures: failures.length,
      wallSeconds: Number((wallMs / 1_000).toFixed(1)),
      p50Ms: Math.round(percentile(sorted, 50)),
      p95Ms: Math.round(percentile(sorted, 95)),
      maxMs: Math.round(sorted.at(-1) ?? Number.NaN),
      peakRssMiB: Math.round(rssPeak / 2 ** 20),
      rssGrowthMiB: Math.round((rssPeak - rssAtStart) / 2 ** 20),
      retainedMiBAfterFirstRuns: Number((retainedBytes / 2 ** 20).toFixed(2)),
      clientCpuMsPerRun: Math.round((cpu.user + cpu.system) / 1_000 / RUNS),
      handlesLeft: Math.max(0, activeHandleCount() - baseline),
    };
    process.stdout.write(`\nLOAD REPORT ${JSON.stringify(report)}\n`);
    if (process.env['LOAD_REPORT_FILE'])
      writeFileSync(process.env['LOAD_REPORT_FILE'], JSON.stringify(report, null, 2));

    expect(failures).toEqual([]);
    expect(latencies).toHaveLength(RUNS);
    expect(wallMs).toBeLessThan(60_000);
    expect(retainedBytes).toBeLessThan(RETAINED_BOUND_BYTES);
  });
});
