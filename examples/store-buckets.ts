/**
 * A host's daily sync into SQLite, keyed by (account, label), with no date code of its own beyond
 * naming today: a first count of the last 7 complete days, then a count of today with the cursor of
 * the first, stored with `INSERT … ON CONFLICT`, full results replacing rows and incremental ones added
 * to them. It ends by checking the stored rows against a full recount, and exits non-zero on a mismatch.
 *
 *   npx tsx examples/store-buckets.ts                      # the embedded demo mailbox
 *   SIGNALS_DB=/tmp/signals.sqlite npx tsx examples/store-buckets.ts
 *
 * Needs better-sqlite3 (a dev dependency here; `npm install better-sqlite3` in a host).
 */
import Database from 'better-sqlite3';
import { ImapConnector, type SignalCounts } from '../src/index.js';
import { startDemoServer } from './demo-server.js';

const TIME_ZONE = 'Europe/Berlin';
const ACCOUNT = 'demo-account-1';

const db = new Database(process.env['SIGNALS_DB'] ?? ':memory:');
db.exec(`
  CREATE TABLE IF NOT EXISTS signal_buckets (
    account     TEXT NOT NULL,
    label       TEXT NOT NULL,          -- '2026-03-29' (day), '2026-W13' (week), '2026-03' (month)
    granularity TEXT NOT NULL,
    local_start TEXT NOT NULL,          -- '2026-03-29T00:00:00+01:00'
    local_end   TEXT NOT NULL,
    seconds     INTEGER NOT NULL,       -- 82800 on the day DST starts
    partial     INTEGER NOT NULL,       -- 1 when the range cut the day
    sent        INTEGER NOT NULL,
    received    INTEGER NOT NULL,
    PRIMARY KEY (account, label)
  );
  CREATE TABLE IF NOT EXISTS signal_cursors (account TEXT PRIMARY KEY, cursor TEXT NOT NULL);
`);

// mode 'full': the buckets are the whole truth for their labels: replace. mode 'incremental': they
// hold what arrived since the stored cursor: add. The cursor is stored in the same transaction.
const replace = db.prepare(`
  INSERT INTO signal_buckets VALUES (@account, @label, @granularity, @localStart, @localEnd, @seconds, @partial, @sent, @received)
  ON CONFLICT (account, label) DO UPDATE SET
    sent = excluded.sent, received = excluded.received, local_start = excluded.local_start,
    local_end = excluded.local_end, seconds = excluded.seconds, partial = excluded.partial`);
const add = db.prepare(`
  INSERT INTO signal_buckets VALUES (@account, @label, @granularity, @localStart, @localEnd, @seconds, @partial, @sent, @received)
  ON CONFLICT (account, label) DO UPDATE SET
    sent = sent + excluded.sent, received = received + excluded.received,
    local_end = excluded.local_end, seconds = excluded.seconds, partial = excluded.partial`);
const saveCursor = db.prepare(
  'INSERT INTO signal_cursors VALUES (?, ?) ON CONFLICT (account) DO UPDATE SET cursor = excluded.cursor',
);
const store = db.transaction((account: string, result: SignalCounts) => {
  const upsert = result.mode === 'full' ? replace : add;
  for (const bucket of result.buckets) {
    upsert.run({
      account,
      ...bucket,
      granularity: bucket.granularity ?? 'all',
      label: bucket.label ?? 'all',
      partial: bucket.partial ? 1 : 0,
    });
  }
  saveCursor.run(account, result.cursor);
});
const storedCursor = (account: string) =>
  (
    db.prepare('SELECT cursor FROM signal_cursors WHERE account = ?').get(account) as
      | { cursor: string }
      | undefined
  )?.cursor;

// Naming a day is the only date code a host needs: the zone's calendar date, as `YYYY-MM-DD`.
const dayIn = (timeZone: string, instant: Date) =>
  new Intl.DateTimeFormat('en-CA', { timeZone }).format(instant);
const today = dayIn(TIME_ZONE, new Date());
const weekAgo = dayIn(TIME_ZONE, new Date(Date.now() - 7 * 86_400_000));
const yesterday = dayIn(TIME_ZONE, new Date(Date.now() - 86_400_000));

const demo = await startDemoServer();
try {
  const connector = new ImapConnector(demo.config);
  const options = { granularity: 'day' as const, timeZone: TIME_ZONE };

  // Day 1: the last 7 complete days, no cursor yet: a full count.
  const first = await connector.countSignals(
    { from: weekAgo, to: yesterday },
    { ...options, cursor: storedCursor(ACCOUNT) },
  );
  store(ACCOUNT, first);
  console.log(
    `first sync (${first.mode}): ${first.buckets.length} days, sent ${first.sent}, received ${first.received}`,
  );

  // Mail keeps arriving...
  await demo.deliver([
    { mailbox: 'INBOX', atMs: Date.now() - 1_000 },
    { mailbox: 'INBOX', atMs: Date.now() - 2_000 },
    { mailbox: 'Sent', atMs: Date.now() - 3_000 },
  ]);

  // Later: today so far, with the stored cursor: only what changed is read and added.
  const second = await connector.countSignals(
    { from: today, to: today },
    { ...options, cursor: storedCursor(ACCOUNT) },
  );
  store(ACCOUNT, second);
  console.log(`second sync (${second.mode}): sent ${second.sent}, received ${second.received} today so far`);

  console.table(
    db
      .prepare(
        'SELECT label, local_start, seconds, partial, sent, received FROM signal_buckets WHERE account = ? ORDER BY label',
      )
      .all(ACCOUNT),
  );

  // Check: what is stored equals one full recount of the same days.
  const recount = await connector.countSignals({ from: weekAgo, to: today }, options);
  const rows = db
    .prepare('SELECT label, sent, received FROM signal_buckets WHERE account = ? ORDER BY label')
    .all(ACCOUNT) as Array<{ label: string; sent: number; received: number }>;
  const expected = recount.buckets.map((bucket) => ({
    label: bucket.label,
    sent: bucket.sent,
    received: bucket.received,
  }));
  if (JSON.stringify(rows) === JSON.stringify(expected)) {
    console.log('✅ stored rows equal a full recount, day by day');
  } else {
    console.error('❌ stored rows differ from a full recount', { rows, expected });
    process.exitCode = 1;
  }
} finally {
  await demo.stop();
  db.close();
}
