/**
 * Where the worker keeps its results: one SQLite row per (account, calendar label), written with
 * `INSERT … ON CONFLICT` (a full count replaces the row, an incremental one adds to it), and per
 * account the SDK's cursor with the day it has counted up to, in the same transaction.
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

/** One bucket of a count, ready to store. */
export type BucketRow = Omit<StoredBucket, 'accountId' | 'countedAt'>;

/** What one count of one account leaves in the store. */
export interface CountToStore {
  readonly rows: readonly BucketRow[];
  /**
   * `replace`: the rows are the whole of their buckets (a full count), so they overwrite what is stored;
   * `add`: they are what arrived since the last count (an incremental count), added to what is stored.
   */
  readonly merge: 'replace' | 'add';
  /** The SDK's cursor for the next count of this account and the day it counted, kept in the same transaction. */
  readonly cursor: StoredCursor | null;
}

/** An account's cursor and the last day counted with it. */
export interface StoredCursor {
  readonly cursor: string;
  /** `YYYY-MM-DD`: the count that returned the cursor covered this day. */
  readonly day: string;
}

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
CREATE TABLE IF NOT EXISTS account_cursors (
  account_id TEXT NOT NULL PRIMARY KEY,
  cursor     TEXT NOT NULL,
  day        TEXT NOT NULL,
  counted_at TEXT NOT NULL
) WITHOUT ROWID;
`;

/** The SQLite file the workers write to. */
export class BucketStore {
  readonly #db: Database.Database;
  readonly #replace: Database.Statement;
  readonly #add: Database.Statement;
  readonly #saveCursor: Database.Statement;
  readonly #readCursor: Database.Statement<[string], StoredCursor>;

  /** @param file - A path, or `:memory:`. */
  constructor(file: string) {
    this.#db = new Database(file);
    // Several worker processes may share the file: WAL lets readers go on while one writes.
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(schema);
    const insert = `
      INSERT INTO signal_buckets (account_id, label, time_zone, start_utc, end_utc, sent, received, counted_at)
      VALUES (@accountId, @label, @timeZone, @startUtc, @endUtc, @sent, @received, @countedAt)
      ON CONFLICT (account_id, label) DO UPDATE SET
        time_zone = excluded.time_zone,
        start_utc = excluded.start_utc,
        end_utc = excluded.end_utc,
        counted_at = excluded.counted_at,`;
    this.#replace = this.#db.prepare(`${insert} sent = excluded.sent, received = excluded.received`);
    this.#add = this.#db.prepare(
      `${insert} sent = signal_buckets.sent + excluded.sent, received = signal_buckets.received + excluded.received`,
    );
    // A retried job for an older day finishing last must not move the cursor back.
    this.#saveCursor = this.#db.prepare(`
      INSERT INTO account_cursors (account_id, cursor, day, counted_at) VALUES (@accountId, @cursor, @day, @countedAt)
      ON CONFLICT (account_id) DO UPDATE SET cursor = excluded.cursor, day = excluded.day, counted_at = excluded.counted_at
        WHERE excluded.day >= account_cursors.day
    `);
    this.#readCursor = this.#db.prepare('SELECT cursor, day FROM account_cursors WHERE account_id = ?');
  }

  /**
   * Stores one count of one account, buckets and cursor, all or none: a job that fails after this
   * leaves a cursor that matches the stored numbers, so its retry neither loses nor repeats a message.
   *
   * @param accountId - The host's id of the account (never its password).
   * @param count - The labelled buckets, how to merge them, and the next cursor.
   * @param countedAt - When the count ran.
   */
  write(accountId: string, count: CountToStore, countedAt: Date): void {
    const at = countedAt.toISOString();
    const statement = count.merge === 'add' ? this.#add : this.#replace;
    this.#db.transaction(() => {
      for (const row of count.rows) statement.run({ ...row, accountId, countedAt: at });
      if (count.cursor !== null) this.#saveCursor.run({ accountId, ...count.cursor, countedAt: at });
    })();
  }

  /**
   * The cursor the last count of an account left.
   *
   * @param accountId - The host's id of the account.
   * @returns The cursor and its day, or undefined before the first count.
   */
  cursorOf(accountId: string): StoredCursor | undefined {
    return this.#readCursor.get(accountId);
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
