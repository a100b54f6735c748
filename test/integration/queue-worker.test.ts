import { Queue, type Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BucketStore } from '../../examples/queue-worker/bucket-store.js';
import {
  type DailyCountJob,
  type DailyCountOutcome,
  dailyCountJobId,
  dailyCountQueue,
  enqueueDailyCounts,
  type HostedAccount,
  startCountWorker,
} from '../../examples/queue-worker/daily-counts.js';
import {
  findRedisServer,
  type LocalRedis,
  startLocalRedis,
} from '../../examples/queue-worker/redis-server.js';
import { ConnectionLimiter } from '../../src/index.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import { createMailUser, type DovecotEndpoint, type MailUser } from '../harness/dovecot/dovecot-server.js';
import { calendarKey } from '../harness/expected-counts.js';
import { type SeedMessage, seedMailboxes } from '../harness/mail-seeder.js';
import { startTcpProxy, type TcpProxy } from '../harness/tcp-proxy.js';

const ACCOUNTS = 52;
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Pacific/Auckland'];
// 29 March 2026 is Europe's spring-forward day (23 hours in Berlin); the counted days are the 28th and 29th.
const DAYS = ['2026-03-28', '2026-03-29'];
const MAILBOXES = ['INBOX', 'INBOX', 'INBOX', 'Archive', 'Sent', 'Sent', 'Junk', 'Drafts'];
const HOUR_MS = 3_600_000;
// Seeds spread from 26 March 12:00 UTC to 31 March 12:00 UTC: every zone's 28th and 29th, and their edges.
const SEED_FROM_MS = Date.UTC(2026, 2, 26, 12);
const SEED_SPAN_MS = 5 * 24 * HOUR_MS;

const redisMissing = findRedisServer() === undefined;
if (redisMissing && process.env['CI']) {
  throw new Error('redis-server is not installed (apt-get install -y redis-server) — not allowed in CI');
}
if (redisMissing) {
  process.stderr.write(
    '\n⚠️  SKIPPING the queue-worker test: redis-server is not installed (apt-get install -y redis-server)\n\n',
  );
}
const describeWithRedis = redisMissing ? describe.skip : describe;

// A small deterministic generator (mulberry32): the same seed list on every run.
function randomSequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface TestAccount {
  readonly id: string;
  readonly user: MailUser;
  readonly hosted: HostedAccount;
  readonly seed: readonly SeedMessage[];
  /** Appended after the first day was counted: new mail, and old mail imported. */
  readonly arrivals: readonly SeedMessage[];
}

/**
 * The rows the store must hold, by the test's own (Intl) calendar arithmetic: the first day as the
 * seed had it when it was counted; the second day with what arrived in between, since it is counted
 * after. Mail appended later but dated on the first day is history (docs/counting.md) and counts nowhere.
 */
function expectedRows(accounts: readonly TestAccount[]) {
  const rows: Array<{ accountId: string; label: string; sent: number; received: number }> = [];
  for (const account of accounts) {
    for (const [round, day] of DAYS.entries()) {
      const present = round === 0 ? account.seed : [...account.seed, ...account.arrivals];
      const onDay = present.filter(
        (message) => calendarKey(message.atMs, account.hosted.timeZone, 'day') === day,
      );
      rows.push({
        accountId: account.id,
        label: day,
        sent: onDay.filter((message) => message.mailbox === 'Sent').length,
        received: onDay.filter((message) => ['INBOX', 'Archive'].includes(message.mailbox)).length,
      });
    }
  }
  return rows.sort((a, b) => `${a.accountId} ${a.label}`.localeCompare(`${b.accountId} ${b.label}`));
}

describeWithDovecot(
  'examples/queue-worker: daily counts of many accounts on BullMQ, Redis and SQLite',
  () => {
    describeWithRedis('with a real redis-server', () => {
      let dovecot: DovecotEndpoint;
      let redis: LocalRedis | undefined;
      let flakyProxy: TcpProxy | undefined;
      let queue: Queue<DailyCountJob, DailyCountOutcome> | undefined;
      const workers: Array<Worker<DailyCountJob, DailyCountOutcome>> = [];
      const store = new BucketStore(':memory:');
      const accounts: TestAccount[] = [];
      let wrongPasswordId = '';
      let flakyId = '';

      beforeAll(async () => {
        dovecot = sharedDovecot();
        redis = await startLocalRedis();
        const random = randomSequence(4242);
        for (let index = 0; index < ACCOUNTS; index += 1) {
          const user = createMailUser(dovecot, `queue-${index}`);
          const message = (): SeedMessage => ({
            mailbox: MAILBOXES[Math.floor(random() * MAILBOXES.length)] ?? 'INBOX',
            atMs: SEED_FROM_MS + Math.floor((random() * SEED_SPAN_MS) / 1000) * 1000,
          });
          const seed = Array.from({ length: 4 + Math.floor(random() * 8) }, message);
          accounts.push({
            id: `acct${String(index).padStart(3, '0')}`,
            user,
            seed,
            arrivals: Array.from({ length: Math.floor(random() * 4) }, message),
            hosted: {
              timeZone: ZONES[index % ZONES.length] ?? 'UTC',
              config: {
                host: dovecot.host,
                port: dovecot.plainPort,
                security: 'none',
                username: user.username,
                password: user.password,
              },
            },
          });
          await seedMailboxes(dovecot, user, seed);
        }
        // One account whose first connection is reset at its first EXAMINE: a transient failure.
        const flaky = accounts[1] as TestAccount;
        flakyProxy = await startTcpProxy(dovecot.plainPort, { command: / EXAMINE /i, fault: 'reset' });
        accounts[1] = {
          ...flaky,
          hosted: { ...flaky.hosted, config: { ...flaky.hosted.config, port: flakyProxy.port } },
        };
        flakyId = flaky.id;
        // One account whose password was changed at the provider: a permanent failure.
        const wrong = accounts[2] as TestAccount;
        accounts[2] = {
          ...wrong,
          hosted: {
            ...wrong.hosted,
            config: { ...wrong.hosted.config, password: 'changed-at-the-provider' },
          },
        };
        wrongPasswordId = wrong.id;
      });

      afterAll(async () => {
        await Promise.all(workers.map((worker) => worker.close()));
        await queue?.obliterate({ force: true }).catch(() => {});
        await queue?.close();
        await redis?.stop();
        await flakyProxy?.close();
        store.close();
      });

      it(`counts ${ACCOUNTS} accounts day by day, the second day from the cursor, and stores exactly the seeded numbers`, async () => {
        const connection = { host: redis?.host ?? '127.0.0.1', port: redis?.port ?? 0 };
        const jobQueue = new Queue<DailyCountJob, DailyCountOutcome>(dailyCountQueue, { connection });
        queue = jobQueue;
        const byId = new Map(accounts.map((account) => [account.id, account.hosted]));

        // Two workers, as two processes would run them: each with its own limiter.
        const settled = new Set<string>();
        const waiters: Array<{ ids: ReadonlySet<string>; resolve: () => void }> = [];
        const settle = (id: string | undefined) => {
          if (id !== undefined) settled.add(id);
          for (const waiter of waiters)
            if ([...waiter.ids].every((each) => settled.has(each))) waiter.resolve();
        };
        for (let index = 0; index < 2; index += 1) {
          const worker = startCountWorker({
            connection,
            accounts: async (id) => byId.get(id),
            store,
            limiter: new ConnectionLimiter({ perServer: 4, perAccount: 1 }),
            concurrency: 8,
            // No SDK retry here, so the reset shows BullMQ's own retry.
            retry: { attempts: 1 },
          });
          worker.on('completed', (job) => settle(job.id));
          worker.on('failed', (job, error) => {
            const final =
              error.name === 'UnrecoverableError' || (job?.attemptsMade ?? 0) >= (job?.opts.attempts ?? 1);
            if (final) settle(job?.id);
          });
          workers.push(worker);
        }
        const runDay = async (day: string) => {
          const jobs = accounts.map((account) => ({ accountId: account.id, day }));
          const ids = new Set(jobs.map(dailyCountJobId));
          const done = new Promise<void>((resolve) => waiters.push({ ids, resolve }));
          await enqueueDailyCounts(jobQueue, jobs, { backoff: { type: 'fixed', delay: 50 } });
          await done;
          return Promise.all(jobs.map(async (job) => jobQueue.getJob(dailyCountJobId(job))));
        };

        const [firstDay, secondDay] = DAYS as [string, string];
        const first = await runDay(firstDay);
        await Promise.all(accounts.map((account) => seedMailboxes(dovecot, account.user, account.arrivals)));
        const second = await runDay(secondDay);

        const counts = await jobQueue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
        expect(counts).toEqual({
          completed: 2 * (ACCOUNTS - 1),
          failed: 2,
          waiting: 0,
          active: 0,
          delayed: 0,
        });
        // The wrong password: failed on the first try, not retried, its password in no message.
        for (const job of [...first, ...second].filter((each) => each?.data.accountId === wrongPasswordId)) {
          expect(job?.failedReason).toMatch(/^AUTHENTICATION_FAILED: /);
          expect(job?.attemptsMade).toBe(1);
          expect(job?.failedReason).not.toContain('changed-at-the-provider');
        }
        // The reset: the first day's first try failed, BullMQ tried again; the second day went through.
        const flakyJobs = [...first, ...second].filter((job) => job?.data.accountId === flakyId);
        expect(flakyJobs.map((job) => job?.attemptsMade)).toEqual([2, 1]);
        expect(flakyProxy?.connections()).toBe(3);
        // The first day is counted in full (no cursor yet), the second from the stored cursor.
        const succeeded = (jobs: typeof first) =>
          jobs.filter((job) => job?.data.accountId !== wrongPasswordId);
        expect(new Set(succeeded(first).map((job) => job?.returnvalue.mode))).toEqual(new Set(['full']));
        expect(new Set(succeeded(second).map((job) => job?.returnvalue.mode))).toEqual(
          new Set(['incremental']),
        );

        const stored = store
          .all()
          .map(({ accountId, label, sent, received }) => ({ accountId, label, sent, received }));
        const expected = expectedRows(accounts.filter((account) => account.id !== wrongPasswordId));
        expect(stored).toEqual(expected);
        // Not a vacuous comparison: most accounts have mail on both days, and some got more in between.
        expect(expected.filter((row) => row.sent + row.received > 0).length).toBeGreaterThan(ACCOUNTS);
        expect(accounts.filter((account) => account.arrivals.length > 0).length).toBeGreaterThan(
          ACCOUNTS / 2,
        );
        expect(store.all().every((row) => row.timeZone === byId.get(row.accountId)?.timeZone)).toBe(true);

        // The scheduler running again for the same day adds no job: the job ids are taken.
        await enqueueDailyCounts(
          jobQueue,
          accounts.map((account) => ({ accountId: account.id, day: secondDay })),
        );
        expect(await jobQueue.getJobCounts('completed', 'failed', 'waiting', 'delayed')).toEqual({
          completed: 2 * (ACCOUNTS - 1),
          failed: 2,
          waiting: 0,
          delayed: 0,
        });
      }, 120_000);
    });
  },
);
