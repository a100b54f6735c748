/**
 * Daily counts on a BullMQ queue: a scheduler puts one job per account and day on the queue, and
 * workers count that day with the SDK, incrementally from the account's stored cursor, and store its
 * labelled buckets in SQLite. The job carries only the account's id and the day: the password stays in
 * the host's own store, never in Redis.
 */
import { type JobsOptions, type Queue, UnrecoverableError, Worker } from 'bullmq';
import { DateTime } from 'luxon';
import {
  type ConnectionLimiter,
  ImapConnector,
  type ImapConnectorConfigInput,
  isImapConnectorError,
  type RetryOptions,
  type SignalBucket,
} from '../../src/index.js';
import type { BucketRow, BucketStore } from './bucket-store.js';

/** The queue's name. */
export const dailyCountQueue = 'imap-daily-counts';

/** One job: count one calendar day of one account. */
export interface DailyCountJob {
  /** The host's id of the account. */
  readonly accountId: string;
  /** `YYYY-MM-DD`, a calendar day in the account's time zone. */
  readonly day: string;
}

/** What a finished job leaves in Redis: numbers, never settings. */
export interface DailyCountOutcome {
  readonly sent: number;
  readonly received: number;
  /** Connections the SDK used (its own retries included). */
  readonly sdkAttempts: number;
  readonly elapsedMs: number;
  /** `incremental` when the stored cursor was used; `full` otherwise. */
  readonly mode: 'incremental' | 'full';
  /** Why a cursor given could not be used, if it could not. */
  readonly fallbackReason: string | null;
}

/** An account as the host keeps it: connection settings (with the secret) and its time zone. */
export interface HostedAccount {
  readonly config: ImapConnectorConfigInput;
  /** IANA zone the account's days are counted in, e.g. `Europe/Berlin`. */
  readonly timeZone: string;
}

/** Reads an account from the host's own store; `undefined` when it was deleted since the job was queued. */
export type AccountLookup = (accountId: string) => Promise<HostedAccount | undefined>;

/**
 * Job options for daily counts: a few tries spread over about half an hour for outages the SDK's own
 * quick retries (seconds) do not outlast; finished jobs are kept a week, failed ones a month.
 */
export const dailyCountJobOptions: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 120_000 },
  removeOnComplete: { age: 7 * 86_400 },
  removeOnFail: { age: 30 * 86_400 },
};

/**
 * The job id of an account's day: queueing the same day twice (a scheduler that ran twice) adds
 * nothing while the first job is kept.
 *
 * @param job - Account and day.
 * @returns A BullMQ custom id (no `:`, which BullMQ reserves).
 */
export function dailyCountJobId(job: DailyCountJob): string {
  return `count-${job.accountId}-${job.day}`;
}

/**
 * The scheduler's step: one job per account and day.
 *
 * @param queue - The daily-count queue.
 * @param jobs - Which accounts, which days.
 * @param options - Overrides of {@link dailyCountJobOptions} (tests shorten the backoff).
 */
export async function enqueueDailyCounts(
  queue: Queue<DailyCountJob, DailyCountOutcome>,
  jobs: readonly DailyCountJob[],
  options: JobsOptions = {},
): Promise<void> {
  await queue.addBulk(
    jobs.map((job) => ({
      name: 'count-day',
      data: job,
      opts: { ...dailyCountJobOptions, ...options, jobId: dailyCountJobId(job) },
    })),
  );
}

/**
 * Yesterday's date in a zone: the last complete day, what a daily run counts.
 *
 * @param timeZone - IANA zone.
 * @param now - The current instant.
 * @returns `YYYY-MM-DD`.
 */
export function yesterdayIn(timeZone: string, now: Date = new Date()): string {
  return DateTime.fromJSDate(now, { zone: timeZone }).minus({ days: 1 }).toISODate() ?? '';
}

/** What a worker needs. */
export interface CountWorkerOptions {
  /** Redis, as BullMQ's `connection`. */
  readonly connection: { readonly host: string; readonly port: number };
  readonly accounts: AccountLookup;
  readonly store: BucketStore;
  /** One per process, shared by every job: the provider's connection limits hold across accounts. */
  readonly limiter: ConnectionLimiter;
  /** Jobs run at once by this worker. Default 16; the limiter decides how many connect at once. */
  readonly concurrency?: number;
  /** The SDK's own quick retries within a job (default: 3 tries, about 1.5 s of waiting). */
  readonly retry?: RetryOptions;
}

/**
 * Starts a worker that counts each job's day and stores its buckets. A failure the SDK marks
 * `retryable` (reset, timeout, BYE, server busy, no free connection slot) is thrown as is, so BullMQ
 * tries the job again after its backoff; any other (wrong password, bad settings, certificate) becomes
 * an `UnrecoverableError`, which fails the job at once: trying again would only repeat it, and for a
 * wrong password risk locking the account.
 *
 * @param options - Redis, accounts, store, limiter.
 * @returns The running worker; `close()` it to stop.
 */
export function startCountWorker(options: CountWorkerOptions): Worker<DailyCountJob, DailyCountOutcome> {
  return new Worker<DailyCountJob, DailyCountOutcome>(
    dailyCountQueue,
    async (job, _token, signal) => {
      const { accountId, day } = job.data;
      const account = await options.accounts(accountId);
      if (account === undefined) throw new UnrecoverableError(`account ${accountId} no longer exists`);
      const countedAt = new Date();
      try {
        const connector = new ImapConnector(account.config, {
          limiter: options.limiter,
          ...(options.retry === undefined ? {} : { retry: options.retry }),
        });
        // The cursor counts only what arrived since; it serves only a day after the one it counted: a
        // re-run or a late retry of a day already counted recounts that day in full and replaces it.
        const stored = options.store.cursorOf(accountId);
        const cursor = stored !== undefined && stored.day < day ? stored.cursor : undefined;
        const counts = await connector.countSignals(
          { from: day, to: day },
          {
            granularity: 'day',
            timeZone: account.timeZone,
            signal,
            ...(cursor === undefined ? {} : { cursor }),
          },
        );
        options.store.write(
          accountId,
          {
            rows: counts.buckets.map((bucket) => rowOf(bucket, account.timeZone)),
            // Incremental buckets hold what arrived since the cursor's count: added to the stored rows.
            merge: counts.mode === 'incremental' ? 'add' : 'replace',
            cursor: { cursor: counts.cursor, day },
          },
          countedAt,
        );
        return {
          sent: counts.sent,
          received: counts.received,
          sdkAttempts: counts.attempts,
          elapsedMs: counts.elapsedMs,
          mode: counts.mode,
          fallbackReason: counts.fallbackReason,
        };
      } catch (error) {
        if (isImapConnectorError(error) && !error.retryable) {
          throw new UnrecoverableError(`${error.code}: ${error.message}`);
        }
        throw error;
      }
    },
    { connection: options.connection, concurrency: options.concurrency ?? 16 },
  );
}

/** A bucket as a row: the SDK labels it with its calendar day in the account's zone. */
function rowOf(bucket: SignalBucket, timeZone: string): BucketRow {
  return {
    label: bucket.label ?? bucket.start,
    timeZone,
    startUtc: bucket.start,
    endUtc: bucket.end,
    sent: bucket.sent,
    received: bucket.received,
  };
}
