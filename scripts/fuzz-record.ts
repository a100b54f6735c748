/**
 * Records the count sessions the server fuzz test replays (`npm run fuzz:record`): starts the harness
 * Dovecot (a stock one and one without SORT/ESEARCH), seeds an account, runs `countSignals` through a
 * recording proxy for several ranges, checks each count against the seed and writes
 * test/fuzz/fixtures/dovecot-count-sessions.json. Re-run it whenever the commands a count sends change.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { ImapConnector } from '../src/index.js';
import { createMailUser, startDovecot } from '../test/harness/dovecot/dovecot-server.js';
import {
  type DovecotVariant,
  reducedCapabilityVariant,
  standardVariant,
  withoutWithinVariant,
} from '../test/harness/dovecot/dovecot-variants.js';
import {
  type RecordedSession,
  startTranscriptRecorder,
  type TranscriptFixture,
} from '../test/harness/fault-transcript.js';
import { type SeedMessage, seedMailboxes } from '../test/harness/mail-seeder.js';

const FIXTURE = new URL('../test/fuzz/fixtures/dovecot-count-sessions.json', import.meta.url);
const at = (year: number, month: number, day: number, hour: number) =>
  Date.UTC(year, month - 1, day, hour, 17);

/** The account: received mail in INBOX and Archive, sent mail, and folders a count skips. */
const seeds: SeedMessage[] = [
  ...[3, 5, 5, 9, 14, 20, 27, 31].map((day, n) => ({ mailbox: 'INBOX', atMs: at(2026, 1, day, 7 + n) })),
  { mailbox: 'INBOX', atMs: at(2025, 12, 31, 23) },
  { mailbox: 'INBOX', atMs: at(2026, 2, 1, 0) },
  { mailbox: 'INBOX', atMs: at(2024, 6, 1, 12) },
  { mailbox: 'Archive', atMs: at(2026, 1, 11, 10) },
  { mailbox: 'Archive', atMs: at(2025, 3, 2, 10) },
  ...[2, 12, 28].map((day) => ({ mailbox: 'Sent', atMs: at(2026, 1, day, 16) })),
  { mailbox: 'Sent', atMs: at(2025, 11, 30, 16) },
  { mailbox: 'Drafts', atMs: at(2026, 1, 4, 9) },
  { mailbox: 'Junk', atMs: at(2026, 1, 6, 9) },
  { mailbox: 'Trash', atMs: at(2026, 1, 8, 9) },
];
const classOf = (mailbox: string) =>
  mailbox === 'Sent' ? 'sent' : mailbox === 'INBOX' || mailbox === 'Archive' ? 'received' : null;

interface Request {
  readonly name: string;
  readonly range: { since: string; until: string };
  readonly granularity?: 'day' | 'week' | 'month';
}
const requests: readonly Request[] = [
  { name: 'month', range: { since: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00Z' } },
  {
    name: 'daily',
    range: { since: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00Z' },
    granularity: 'day',
  },
  { name: 'all-time', range: { since: '2000-01-01T00:00:00Z', until: '2027-01-01T00:00:00Z' } },
  { name: 'hours', range: { since: '2026-01-05T08:00:00Z', until: '2026-01-14T12:00:00Z' } },
];

function expectedOf(request: Request): RecordedSession['expected'] {
  const sinceMs = Date.parse(request.range.since);
  const untilMs = Date.parse(request.range.until);
  const inRange = seeds.filter((seed) => seed.atMs >= sinceMs && seed.atMs < untilMs);
  return {
    sent: inRange.filter((seed) => classOf(seed.mailbox) === 'sent').length,
    received: inRange.filter((seed) => classOf(seed.mailbox) === 'received').length,
  };
}

// Both counting paths: mailbox by mailbox (each command awaited) and pipelined (the default since
// `auto` pipelines on fast links; answers to many commands in one flight), listing on the counting
// connection in INBOX's flight; and the pipelined path listing as `auto` does on these IMAP4rev1
// servers: LSUB in INBOX's flight, the subscribed mailboxes opened before the LIST (one connection).
const modes = [
  { transfer: 'fewest-bytes', mailboxListing: 'same-connection', suffix: '' },
  { transfer: 'fewest-round-trips', mailboxListing: 'same-connection', suffix: '-pipelined' },
  { transfer: 'fewest-round-trips', mailboxListing: 'auto', suffix: '-subscribed-first' },
] as const;

async function record(variant: DovecotVariant): Promise<RecordedSession[]> {
  const server = await startDovecot(variant);
  try {
    const user = createMailUser(server, 'fuzz');
    await seedMailboxes(server, user, seeds);
    const sessions: RecordedSession[] = [];
    for (const request of requests.flatMap((plain) => modes.map((mode) => ({ ...plain, ...mode })))) {
      const recorder = await startTranscriptRecorder(server.plainPort);
      try {
        const connector = new ImapConnector(
          {
            host: '127.0.0.1',
            port: recorder.port,
            security: 'none',
            username: user.username,
            password: user.password,
          },
          { retry: { attempts: 1 } },
        );
        // The path is fixed (not left to the round trip measured under load): the replay must see the
        // same commands.
        const counts = await connector.countSignals(request.range, {
          transfer: request.transfer,
          // One conversation per connection, which the replay serves: the mailboxes are listed on it.
          mailboxListing: request.mailboxListing,
          ...(request.granularity === undefined ? {} : { granularity: request.granularity }),
        });
        const expected = expectedOf(request);
        if (counts.sent !== expected.sent || counts.received !== expected.received) {
          throw new Error(
            `${variant.name}/${request.name}: counted ${counts.sent}/${counts.received}, seeded ${expected.sent}/${expected.received}`,
          );
        }
        const [connection, ...others] = recorder.connections();
        if (connection === undefined || others.length > 0) throw new Error('expected exactly one connection');
        const mailboxSizes: Record<string, number> = {};
        for (const seed of seeds) mailboxSizes[seed.mailbox] = (mailboxSizes[seed.mailbox] ?? 0) + 1;
        sessions.push({
          name: `${variant.name}-${request.name}${request.suffix}`,
          variant: variant.name,
          request: {
            range: request.range,
            transfer: request.transfer,
            mailboxListing: request.mailboxListing,
            ...(request.granularity === undefined ? {} : { granularity: request.granularity }),
          },
          expected,
          mailboxSizes,
          greeting: connection.greeting,
          exchanges: connection.exchanges,
        });
        process.stdout.write(
          `${variant.name}-${request.name}${request.suffix}: ${connection.exchanges.map((exchange) => exchange.command.split(' ').slice(0, 2).join(' ')).join(', ')}\n`,
        );
      } finally {
        await recorder.close();
      }
    }
    return sessions;
  } finally {
    await server.stop();
  }
}

/** ESEARCH without SORT: counts by RFC 4731 COUNT and interior searches. */
const esearchVariant: DovecotVariant = {
  name: 'esearch',
  capability: 'IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS CHILDREN SPECIAL-USE ESEARCH',
  mailboxes: standardVariant.mailboxes,
};

const dovecotVersion = execFileSync('/usr/sbin/dovecot', ['--version']).toString().trim();
const sessions: RecordedSession[] = [];
// Stock Dovecot as the replay serves it: without WITHIN (test/fuzz/server-fuzz-case.ts strips it; a
// WITHIN count names seconds relative to the moment it runs, which no recording can answer), so
// `fewest-bytes` records the arrival-order path the replay takes.
const stockVariant: DovecotVariant = { ...withoutWithinVariant, name: standardVariant.name };
for (const variant of [stockVariant, esearchVariant, reducedCapabilityVariant])
  sessions.push(...(await record(variant)));
const fixture: TranscriptFixture = {
  recordedWith: `npm run fuzz:record against Dovecot ${dovecotVersion}`,
  sessions,
};
writeFileSync(FIXTURE, `${JSON.stringify(fixture, null, 1)}\n`);
process.stdout.write(`wrote ${sessions.length} sessions to ${FIXTURE.pathname}\n`);
