/**
 * `npm run example:queue-worker`: the hosting pattern end to end on this machine. Starts its own
 * redis-server (free loopback port, temporary directory) and an embedded Dovecot with many seeded
 * accounts, then runs two mornings' jobs: one per account for the day before yesterday (counted in
 * full), then for yesterday (counted from each account's stored cursor). Workers count and upsert
 * labelled buckets into SQLite; it prints how fast and big each run was, and what was stored.
 *
 *   npm run example:queue-worker -- --accounts 200 --workers 2 --concurrency 16 --per-server 8 --messages 40
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Queue, type Worker } from 'bullmq';
import { ConnectionLimiter } from '../../src/index.js';
import { createMailUser, findDovecot, startDovecot } from '../../test/harness/dovecot/dovecot-server.js';
import { standardVariant } from '../../test/harness/dovecot/dovecot-variants.js';
import { type SeedMessage, seedMailboxes } from '../../test/harness/mail-seeder.js';
import { BucketStore } from './bucket-store.js';
import {
  type DailyCountJob,
  type DailyCountOutcome,
  dailyCountJobId,
  dailyCountQueue,
  enqueueDailyCounts,
  type HostedAccount,
  startCountWorker,
  yesterdayIn,
} from './daily-counts.js';
import { findRedisServer, startLocalRedis } from './redis-server.js';

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '50' },
    workers: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '16' },
    'per-server': { type: 'string', default: '8' },
    messages: { type: 'string', default: '40' },
  },
});
const accountCount = Number(values.accounts);
const workerCount = Number(values.workers);
const concurrency = Number(values.concurrency);
const perServer = Number(values['per-server']);
const messagesPerAccount = Number(values.messages);
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Sydney'];
const DAY_MS = 86_400_000;

if (!findRedisServer() || !findDovecot()) {
  console.error(
    '❌ This example needs redis-server and Dovecot: apt-get install -y redis-server dovecot-imapd',
  );
  process.exit(1);
}

const redis = await startLocalRedis();
const dovecot = await startDovecot(standardVariant);
const directory = mkdtempSync(path.join(os.tmpdir(), 'imap-connector-queue-worker-'));
const store = new BucketStore(path.join(directory, 'signals.sqlite'));
const connection = { host: redis.host, port: redis.port };
const queue = new Queue<DailyCountJob, DailyCountOutcome>(dailyCountQueue, { connection });
const workersToClose: Array<Worker<DailyCountJob, DailyCountOutcome>> = [];

try {
  console.log(`redis-server on ${redis.host}:${redis.port}, Dovecot on ${dovecot.host}:${dovecot.plainPort}`);
  console.log(`Seeding ${accountCount} accounts with ${messagesPerAccount} messages each (the last 3 days)…`);
  const accounts = new Map<string, HostedAccount>();
  const nowMs = Date.now();
  for (let index = 0; index < accountCount; index += 1) {
    const user = createMailUser(dovecot, `host-${index}`);
    const seed: SeedMessage[] = Array.from({ length: messagesPerAccount }, (_, message) => ({
      mailbox: message % 4 === 0 ? 'Sent' : 'INBOX',
      atMs: nowMs - 3 * DAY_MS + ((message * 7_919_000 + index * 25_200_000) % (3 * DAY_MS)),
    }));
    await seedMailboxes(dovecot, user, seed);
    accounts.set(`account-${index}`, {
      timeZone: ZONES[index % ZONES.length] ?? 'UTC',
      config: {
        host: dovecot.host,
        port: dovecot.plainPort,
        security: 'none',
        username: user.username,
        password: user.password,
      },
    });
  }

  // Two daily runs, as on two mornings: the day before yesterday in full (no cursor yet), then
  // yesterday from each account's stored cursor.
  const limiters = Array.from(
    { length: workerCount },
    () => new ConnectionLimiter({ perServer, perAccount: 2 }),
  );
  const settled = new Map<string, 'completed' | 'failed'>();
  let onSettled = () => {};
  for (const limiter of limiters) {
    const worker = startCountWorker({
      connection,
      accounts: async (id) => accounts.get(id),
      store,
      limiter,
      concurrency,
    });
    worker.on('completed', (job) => {
      settled.set(job.id ?? '', 'completed');
      onSettled();
    });
    worker.on('failed', (job, error) => {
      if (error.name === 'UnrecoverableError' || (job?.attemptsMade ?? 0) >= (job?.opts.attempts ?? 1)) {
        settled.set(job?.id ?? '', 'failed');
        console.error(`   ❌ ${job?.id}: ${error.message}`);
        onSettled();
      }
    });
    workersToClose.push(worker);
  }

  let failedJobs = 0;
  for (const [round, daysBack] of [2, 1].entries()) {
    const jobs = [...accounts].map(([accountId, account]) => ({
      accountId,
      day: yesterdayIn(account.timeZone, new Date(Date.now() - (daysBack - 1) * DAY_MS)),
    }));
    const ids = jobs.map(dailyCountJobId);
    const baselineRss = process.memoryUsage().rss;
    let peakRss = baselineRss;
    let peakConnections = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      peakConnections = Math.max(
        peakConnections,
        limiters.reduce((sum, limiter) => sum + limiter.stats().active, 0),
      );
    }, 20);
    const startedAt = performance.now();
    const done = new Promise<void>((resolve) => {
      onSettled = () => {
        if (ids.every((id) => settled.has(id))) resolve();
      };
    });
    await enqueueDailyCounts(queue, jobs);
    await done;
    const elapsedMs = performance.now() - startedAt;
    clearInterval(sampler);

    const finished = await Promise.all(ids.map((id) => queue.getJob(id)));
    const completed = ids.filter((id) => settled.get(id) === 'completed').length;
    failedJobs += ids.length - completed;
    const modes = new Set(finished.map((job) => job?.returnvalue?.mode).filter(Boolean));
    console.log(
      `\nRun ${round + 1}: ${jobs[0]?.day ?? ''} (per account zone), counted ${[...modes].join(' and ')}`,
    );
    console.log(
      `   jobs: ${completed} completed, ${ids.length - completed} failed in ${(elapsedMs / 1000).toFixed(1)} s`,
    );
    console.log(`   counts per minute: ${Math.round((completed / elapsedMs) * 60_000)}`);
    console.log(
      `   connections open at once, at most: ${peakConnections} (${workerCount} workers × perServer ${perServer})`,
    );
    console.log(
      `   RSS: ${(baselineRss / 2 ** 20).toFixed(0)} MiB before, ${(peakRss / 2 ** 20).toFixed(0)} MiB at most` +
        (peakConnections > 0
          ? `: about ${((peakRss - baselineRss) / peakConnections / 2 ** 20).toFixed(1)} MiB per open count`
          : ''),
    );
  }

  const rows = store.all();
  console.log(`\nStored ${rows.length} rows in ${path.join(directory, 'signals.sqlite')}; the first four:`);
  for (const row of rows.slice(0, 4)) {
    console.log(
      `   ${row.accountId} ${row.label} (${row.timeZone}): sent ${row.sent}, received ${row.received}`,
    );
  }
  if (failedJobs > 0) process.exitCode = 1;
} finally {
  await Promise.all(workersToClose.map((worker) => worker.close()));
  await queue.close();
  store.close();
  await redis.stop();
  await dovecot.stop();
  rmSync(directory, { recursive: true, force: true });
}
