import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SecurityMode } from '../../src/index.js';
import { describeWithDovecot } from '../harness/dovecot/dovecot-availability.js';
import {
  createMailUser,
  type DovecotServer,
  type MailUser,
  startDovecot,
} from '../harness/dovecot/dovecot-server.js';
import { standardVariant } from '../harness/dovecot/dovecot-variants.js';
import { writeInboxFiles } from '../harness/maildir-writer.js';
import { spreadOverDays } from '../harness/spread-seeds.js';
import type { ReadBufferReport, ReadBufferRequest } from './socket-read-buffer.child.js';

// A count reads its socket into one buffer of the connection's, reused from read to read
// (`readIntoOneBuffer`, imapflow-internals.ts). Read into a new ArrayBuffer each, as Node does by
// default, the ~2 MB of FETCH rows below would all still be allocated when the count ends: such buffers
// are freed only at V8's next collection, which a count allocating this little JavaScript does not
// reach. The counts must stay exact however the reads are cut, over TLS, after STARTTLS and in plain.
// Measured in a child process whose young generation is fixed at 64 MB, so that V8 never collects during
// the count whatever the machine's load (socket-read-buffer.child.ts).
const ZONE = 'Europe/Berlin';
// Spread over 30 days (across the start of summer time on 2026-03-29), plus one at every midnight and
// one a second before it; each day's count worked out from the seed list alone.
const { since, until, seeds, expectedDaily } = spreadOverDays({
  zone: ZONE,
  firstDay: '2026-03-10',
  days: 30,
  messages: 30_000,
});
// Well under the bytes the count receives (30,000 rows of ~70 B).
const MAX_ARRAY_BUFFER_GROWTH = 512 * 1024;
const CHILD = fileURLToPath(new URL('./socket-read-buffer.child.ts', import.meta.url));
const CHILD_EXEC_ARGV = [
  '--import',
  'tsx',
  '--expose-gc',
  '--min-semi-space-size=64',
  '--max-semi-space-size=64',
];

function measureInChild(request: ReadBufferRequest): Promise<ReadBufferReport> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [], {
      execArgv: CHILD_EXEC_ARGV,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (message: ReadBufferReport | { error: string }) => {
      if ('error' in message) reject(new Error(message.error));
      else resolve(message);
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the child exited (${code}) without a report`)));
    child.send(request);
  });
}

describeWithDovecot('socket reads into one reused buffer', () => {
  let server: DovecotServer;
  let user: MailUser;

  beforeAll(async () => {
    server = await startDovecot(standardVariant);
    user = createMailUser(server, 'read-buffer');
    writeInboxFiles(server, user, seeds);
  });

  afterAll(async () => {
    await server?.stop();
  });

  // Node ignores `onread` for a TLS socket made over an existing one (STARTTLS): that connection reads
  // into a new buffer each time, as before, and is only checked for exact counts.
  const cases: ReadonlyArray<{ security: SecurityMode; port: () => number; reads: string }> = [
    { security: 'tls', port: () => server.tlsPort, reads: 'into one buffer' },
    { security: 'none', port: () => server.plainPort, reads: 'into one buffer' },
    { security: 'starttls', port: () => server.plainPort, reads: 'into a new buffer each' },
  ];

  it.each(cases)(
    '$security: every Berlin day exact, the socket read $reads',
    async ({ security, port, reads }) => {
      const report = await measureInChild({
        config: {
          host: server.host,
          port: port(),
          security,
          username: user.username,
          password: user.password,
          tls: { ca: server.caPem },
        },
        range: { since: new Date(since).toISOString(), until: new Date(until).toISOString() },
        options: { granularity: 'day', timeZone: ZONE, transfer: 'fewest-round-trips' },
      });
      expect(report.strategies).toContain('pipelined-dates');
      expect(report.dailyReceived).toEqual(expectedDaily);
      expect(report.received).toBe(seeds.length);
      if (reads === 'into one buffer') expect(report.arrayBufferGrowth).toBeLessThan(MAX_ARRAY_BUFFER_GROWTH);
    },
  );
});
