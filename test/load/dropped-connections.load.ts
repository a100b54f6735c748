/**
 * Dropped connections are retried (issue 8): 100 counts against the harness Dovecot through a proxy that
 * resets 10 % of connections and closes another 10 % (FIN without BYE) after a random number of server
 * bytes, 10 at a time, with the default retry policy but short waits. At least 99 % of counts must be
 * exact (each has three tries, so about 0.8 % are expected to meet three faulty connections); every
 * other one must fail typed and retryable; none UNKNOWN; no handle left. Reports the numbers
 * (docs/reliability.md records them).
 */
import { writeFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { ImapConnector, ImapConnectorError } from '../../src/index.js';
import { activeHandleCount, expectHandlesReleased } from '../harness/active-handles.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import { createMailUser, type DovecotEndpoint, type MailUser } from '../harness/dovecot/dovecot-server.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import { type SeedMessage, seedMailboxes } from '../harness/mail-seeder.js';

const COUNTS = 100;
const CONCURRENCY = 10;
const RESET_RATE = 0.1;
const CLOSE_RATE = 0.1;
const range = { since: '2026-03-01T00:00:00Z', until: '2026-04-01T00:00:00Z' };
const at = (day: number, hour: number) => Date.UTC(2026, 2, day, hour, 11);

// Inside the range: 6 received (INBOX, Archive), 3 sent; outside it: one of each, a second away.
const seeds: SeedMessage[] = [
  ...[1, 4, 9, 17, 28].map((day) => ({ mailbox: 'INBOX', atMs: at(day, 8) })),
  { mailbox: 'Archive', atMs: at(12, 14) },
  ...[2, 15, 31].map((day) => ({ mailbox: 'Sent', atMs: at(day, 20) })),
  { mailbox: 'INBOX', atMs: Date.UTC(2026, 2, 1) - 1_000 },
  { mailbox: 'Sent', atMs: Date.UTC(2026, 3, 1) },
  { mailbox: 'Junk', atMs: at(3, 3) },
];
const expected = { sent: 3, received: 6 };

describeWithDovecot('dropped connections under load', () => {
  let server: DovecotEndpoint;
  let user: MailUser;

  beforeAll(async () => {
    server = sharedDovecot();
    user = createMailUser(server, 'dropped');
    await seedMailboxes(server, user, seeds);
  });

  it(`${COUNTS} counts through ${RESET_RATE * 100} % resets and ${CLOSE_RATE * 100} % closes: ≥ 99 % exact, the rest typed and retryable`, async () => {
    const proxy = await startFaultProxy(server.plainPort, {
      resetRate: RESET_RATE,
      closeRate: CLOSE_RATE,
      // A whole count session is about 3 KB of server bytes here: cuts land at every stage.
      cutWithinBytes: 3_500,
      seed: 8,
    });
    const baseline = activeHandleCount();
    const startedAt = performance.now();
    const outcomes: Array<
      { kind: 'exact' | 'wrong'; attempts: number } | { kind: 'error'; error: ImapConnectorError }
    > = [];
    const untyped: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < COUNTS) {
        next += 1;
        const connector = new ImapConnector(
          {
            host: '127.0.0.1',
            port: proxy.port,
            security: 'none',
            username: user.username,
            password: user.password,
            timeouts: { commandMs: 5_000 },
          },
          { retry: { attempts: 3, initialDelayMs: 20, maxDelayMs: 100 } },
        );
        try {
          const counts = await connector.countSignals(range);
          const exact = counts.sent === expected.sent && counts.received === expected.received;
          outcomes.push({ kind: exact ? 'exact' : 'wrong', attempts: counts.attempts });
        } catch (error) {
          if (error instanceof ImapConnectorError) outcomes.push({ kind: 'error', error });
          else untyped.push(String(error));
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const wallMs = performance.now() - startedAt;
    await proxy.close();
    await expectHandlesReleased(baseline, 5_000);

    const errors = outcomes.flatMap((outcome) => (outcome.kind === 'error' ? [outcome.error] : []));
    const exact = outcomes.filter((outcome) => outcome.kind === 'exact');
    const retried = exact.filter((outcome) => outcome.kind === 'exact' && outcome.attempts > 1).length;
    const report = {
      counts: COUNTS,
      concurrency: CONCURRENCY,
      connections: proxy.stats().connections,
      connectionsReset: proxy.stats().reset,
      connectionsClosed: proxy.stats().close,
      exact: exact.length,
      exactAfterRetry: retried,
      wrong: outcomes.filter((outcome) => outcome.kind === 'wrong').length,
      failedTyped: errors.length,
      failureCodes: errors.map((error) => error.code),
      unknown: errors.filter((error) => error.code === 'UNKNOWN').length + untyped.length,
      wallSeconds: Number((wallMs / 1_000).toFixed(1)),
      handlesLeft: Math.max(0, activeHandleCount() - baseline),
    };
    process.stdout.write(`\nDROPPED-CONNECTIONS REPORT ${JSON.stringify(report)}\n`);
    if (process.env['LOAD_REPORT_FILE'])
      writeFileSync(`${process.env['LOAD_REPORT_FILE']}.dropped.json`, JSON.stringify(report, null, 2));

    expect(untyped).toEqual([]);
    expect(report.wrong).toBe(0);
    expect(exact.length).toBeGreaterThanOrEqual(COUNTS * 0.99);
    for (const error of errors) {
      expect(error.code).not.toBe('UNKNOWN');
      expect(error.retryable, `${error.code}: ${error.message}`).toBe(true);
    }
    // The faults did happen, and were what made the retries.
    expect(report.connectionsReset + report.connectionsClosed).toBeGreaterThan(COUNTS * 0.1);
    expect(retried).toBeGreaterThan(0);
  });
});
