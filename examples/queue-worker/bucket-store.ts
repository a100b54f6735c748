/**
 * Where the worker keeps its results: one SQLite row per (account, calendar label), written with
 * `INSERT … ON CONFLICT`, so a job that runs twice (a retry, a re-run of the day) overwrites its own
 * rows instead of adding to them.
 */
import Database from 'better-sqlite3';

/** One stored bucket: a calendar day of one account, in that account's time zone. */
export interface StoredBucket {
  readonly accountId: string;
  /** `YYYY-MM-DD` in `timeZone`. */
  readonly label: string;
  readonly timeZone: string;
  /** The bucket's instants (UTC), as the SDK returned them. */
  readonly startUtc: string;
  readonly endUtc: string;
  readonly sent: number;
  readonly received: number;
  /** When the count ran (UTC). */
  readonly countedAt: string;
}

/** The buckets of one count, ready to store. */
export type BucketRow = Omit<StoredBucket, 'accountId' | 'countedAt'>;

const schema = `
CREATE TABLE IF NOT EXISTS signal_buckets (
  account_id TEXT NOT NULL,
  label      TEXT NOT NULL,
  time_zone  TEXT NOT NULL,
  start_utc  TEXT NOT NULL,
  end_utc    TEXT NOT NULL,
  sent       INTEGER NOT NULL,
  received   INTEGER NOT NULL,
  counted_at TEXT NOT NULL,
  PRIMARY KEY (account_id, label)
) WITHOUT ROWID;
`;

/** The SQLite file the workers write to. */
export class BucketStore {
  readonly #db: Database.Database;
  readonly #upsert: Database.Statement;

  /** @param file - A path, or `:memory:`. */
  constructor(file: string) {
    this.#db = new Database(file);
    // Several worker processes may share the file: WAL lets readers go on while one writes.
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(schema);
    this.#upsert = this.#db.prepare(`
      INSERT INTO signal_buckets (account_id, label, time_zone, start_utc, end_utc, sent, received, counted_at)
      VALUES (@accountId, @label, @timeZone, @startUtc, @endUtc, @sent, @received, @countedAt)
      ON CONFLICT (account_id, label) DO UPDATE SET
        time_zone = excluded.time_zone,
        start_utc = excluded.start_utc,
        end_utc = excluded.end_utc,
        sent = excluded.sent,
        received = excluded.received,
        counted_at = excluded.counted_at
    `);
  }

  /**
   * Stores the buckets of one count of one account, all or none.
   *
   * @param accountId - The host's id of the account (never its password).
   * @param rows - The labelled buckets.
   * @param countedAt - When the count ran.
   */
  write(accountId: string, rows: readonly BucketRow[], countedAt: Date): void {
    const writeAll = this.#db.transaction((batch: readonly BucketRow[]) => {
      for (const row of batch) this.#upsert.run({ ...row, accountId, countedAt: countedAt.toISOString() });
    });
    writeAll(rows);
  }

  /**
   * Every stored row, ordered by account and label.
   *
   * @returns The rows.
   */
  all(): StoredBucket[] {
    return this.#db
      .prepare(
        `SELECT account_id AS accountId, label, time_zone AS timeZone, start_utc AS startUtc, end_utc AS endUtc,
                sent, received, counted_at AS countedAt
           FROM signal_buckets ORDER BY account_id, label`,
      )
      .all() as StoredBucket[];
  }

  close(): void {
    this.#db.close();
  }
}
