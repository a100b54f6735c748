import tls from 'node:tls';
import { ImapFlow } from 'imapflow';
import { DateTime } from 'luxon';
import { ImapConnector } from '../src/index.js';
import { EDGE_ZONE, SEED_END_MS } from './seed-model.js';

const DAY_MS = 86_400_000;

/** Where and as whom a case connects. */
export interface CaseTarget {
  readonly host: '127.0.0.1';
  readonly plainPort: number;
  readonly tlsPort: number;
  readonly caPem: string;
  readonly username: string;
  readonly password: string;
}

/** A count: `[since, until)` split at the given boundaries (two boundaries: one bucket). */
export interface CountSpec {
  readonly boundariesMs: readonly number[];
  readonly granularity?: 'day';
  readonly timeZone: string;
  /** Mailboxes the baseline reads, with what they count as (the hand-written code knows its folders). */
  readonly mailboxes: readonly { path: string; counts: 'sent' | 'received' }[];
}

/** What a case run reports about itself. */
export interface CaseOutcome {
  readonly wallMs: number;
  readonly counts?: { sent: number[]; received: number[] };
  readonly strategies?: readonly string[];
  /** Warning codes of the SDK's result. */
  readonly warnings?: readonly string[];
  /** How many calls the proxy's byte counts cover (the sample's time is their median). */
  readonly repeats?: number;
  /** Commands the case knows it sent (TLS hides them from the proxy). */
  readonly commands?: number;
}

/** How the bench's SDK connects: in plain, over implicit TLS, or upgraded with STARTTLS. */
export type BenchSecurity = 'none' | 'tls' | 'starttls';

/** A connector to the bench account. */
export function sdkConnector(target: CaseTarget, security: BenchSecurity = 'none'): ImapConnector {
  return new ImapConnector({
    host: target.host,
    port: security === 'tls' ? target.tlsPort : target.plainPort,
    security,
    username: target.username,
    password: target.password,
    ...(security === 'none' ? {} : { tls: { ca: target.caPem } }),
  });
}

/**
 * The SDK: `countSignals`, on a new connector unless one is given (a host that keeps its connector
 * between counts: the one it counted with before remembers the mailboxes it counted).
 */
export async function countWithSdk(
  target: CaseTarget,
  spec: CountSpec,
  transfer: 'auto' | 'fewest-round-trips' | 'fewest-bytes' = 'auto',
  mailboxListing: 'same-connection' | 'side-connection' | undefined = undefined,
  security: BenchSecurity = 'none',
  connector: ImapConnector = sdkConnector(target, security),
): Promise<CaseOutcome> {
  const since = spec.boundariesMs[0] ?? 0;
  const until = spec.boundariesMs[spec.boundariesMs.length - 1] ?? 0;
  const started = performance.now();
  const result = await connector.countSignals(
    { since: new Date(since), until: new Date(until) },
    {
      ...(spec.granularity ? { granularity: spec.granularity } : {}),
      timeZone: spec.timeZone,
      transfer,
      ...(mailboxListing === undefined ? {} : { mailboxListing }),
    },
  );
  const wallMs = performance.now() - started;
  const counts = { sent: [] as number[], received: [] as number[] };
  for (const bucket of result.buckets) {
    counts.sent.push(bucket.sent);
    counts.received.push(bucket.received);
  }
  if (result.buckets.length !== spec.boundariesMs.length - 1) throw new Error('bucket count differs');
  result.buckets.forEach((bucket, index) => {
    if (Date.parse(bucket.start) !== spec.boundariesMs[index])
      throw new Error(`bucket ${index} start differs`);
  });
  return {
    wallMs,
    counts,
    strategies: result.strategies,
    warnings: result.warnings.map((warning) => warning.code),
  };
}

/**
 * What a developer would write by hand with imapflow: search a date window widened by a day on each
 * side, fetch the INTERNALDATE of every hit, filter and bucket in JS.
 */
export async function countWithBaseline(target: CaseTarget, spec: CountSpec): Promise<CaseOutcome> {
  const boundaries = spec.boundariesMs;
  const since = boundaries[0] ?? 0;
  const until = boundaries[boundaries.length - 1] ?? 0;
  const started = performance.now();
  const client = new ImapFlow({
    host: target.host,
    port: target.plainPort,
    secure: false,
    doSTARTTLS: false,
    auth: { user: target.username, pass: target.password },
    logger: false,
  });
  await client.connect();
  const counts = {
    sent: new Array<number>(boundaries.length - 1).fill(0),
    received: new Array<number>(boundaries.length - 1).fill(0),
  };
  for (const mailbox of spec.mailboxes) {
    const lock = await client.getMailboxLock(mailbox.path, { readOnly: true });
    try {
      // A search object, not a UID array: imapflow packs its result into ranges (an array is sent
      // comma-joined and overflows the server's line limit on a year of mail).
      const window = { since: new Date(since - 86_400_000), before: new Date(until + 86_400_000) };
      const tally = counts[mailbox.counts];
      for await (const message of client.fetch(window, { internalDate: true }, { uid: true })) {
        const at = message.internalDate instanceof Date ? message.internalDate.getTime() : Number.NaN;
        const index = bucketOf(boundaries, at);
        if (index >= 0) tally[index] = (tally[index] ?? 0) + 1;
      }
    } finally {
      lock.release();
    }
  }
  await client.logout();
  return { wallMs: performance.now() - started, counts };
}

function bucketOf(boundaries: readonly number[], at: number): number {
  let low = 0;
  let high = boundaries.length - 1;
  if (!(at >= (boundaries[0] ?? 0) && at < (boundaries[high] ?? 0))) return -1;
  while (high - low > 1) {
    const middle = (low + high) >>> 1;
    if (at >= (boundaries[middle] ?? 0)) low = middle;
    else high = middle;
  }
  return low;
}

/** The SDK: `testConnection` over implicit TLS. */
export async function testWithSdk(target: CaseTarget): Promise<CaseOutcome> {
  const connector = new ImapConnector({
    host: target.host,
    port: target.tlsPort,
    security: 'tls',
    username: target.username,
    password: target.password,
    tls: { ca: target.caPem },
  });
  const started = performance.now();
  const result = await connector.testConnection();
  const wallMs = performance.now() - started;
  if (!result.ok) throw new Error(`testConnection failed: ${result.code} ${result.message}`);
  return { wallMs, commands: result.commands.length };
}

/** The minimum a connection test can do: TCP, TLS handshake, greeting, LOGIN, LOGOUT on a raw socket. */
export async function testWithRawMinimum(target: CaseTarget): Promise<CaseOutcome> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const socket = tls.connect({ host: target.host, port: target.tlsPort, ca: target.caPem });
    socket.setNoDelay(true);
    let buffer = '';
    let step = 0;
    const quote = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (step === 0 && line.startsWith('* OK')) {
          step = 1;
          socket.write(`a LOGIN ${quote(target.username)} ${quote(target.password)}\r\n`);
        } else if (step === 1 && line.startsWith('a ')) {
          if (!line.startsWith('a OK')) reject(new Error(line));
          step = 2;
          socket.write('b LOGOUT\r\n');
        } else if (step === 2 && line.startsWith('b ')) {
          socket.destroy();
          resolve();
        }
      }
    });
    socket.on('error', reject);
  });
  return { wallMs: performance.now() - started, commands: 2 };
}

/** One counting case of the bench: a name for the table and what to count. */
export interface CountCase {
  readonly name: string;
  readonly spec: CountSpec;
}

/**
 * The counting cases of the bench: the last 30 days, the last year per Berlin day, all time, and
 * yesterday (the last whole Berlin day, as a daily sync without a cursor counts it).
 *
 * @returns The cases, in table order.
 */
export function countCases(): CountCase[] {
  const mailboxes = [
    { path: 'INBOX', counts: 'received' },
    { path: 'Sent', counts: 'sent' },
    { path: 'Archive', counts: 'received' },
    { path: 'Projects', counts: 'received' },
    { path: 'Clients', counts: 'received' },
  ] as const;
  const lastMidnight = DateTime.fromMillis(SEED_END_MS, { zone: EDGE_ZONE }).startOf('day');
  const days: number[] = [];
  for (let day = lastMidnight.minus({ days: 365 }); day <= lastMidnight; day = day.plus({ days: 1 }))
    days.push(day.toMillis());
  return [
    {
      name: 'last 30 days (total)',
      spec: { boundariesMs: [SEED_END_MS - 30 * DAY_MS, SEED_END_MS], timeZone: 'UTC', mailboxes },
    },
    {
      name: '1 year, daily Europe/Berlin',
      spec: { boundariesMs: days, granularity: 'day', timeZone: EDGE_ZONE, mailboxes },
    },
    {
      name: 'all time (total)',
      spec: { boundariesMs: [Date.UTC(2000, 0, 1), SEED_END_MS + DAY_MS], timeZone: 'UTC', mailboxes },
    },
    {
      name: 'yesterday (one Berlin day)',
      spec: {
        boundariesMs: [lastMidnight.minus({ days: 1 }).toMillis(), lastMidnight.toMillis()],
        granularity: 'day',
        timeZone: EDGE_ZONE,
        mailboxes,
      },
    },
  ];
}
