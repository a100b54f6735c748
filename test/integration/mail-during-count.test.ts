/**
 * Mail delivered while a count runs (an unattended host counts busy mailboxes): the count must not
 * take the new message for a hostile answer, nor count anything twice. A proxy holds the count's first
 * search until the server has answered INBOX's EXAMINE and a message has been appended to INBOX on
 * another connection, then lets the rest of the flight through.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CountSignalsOptions, ImapConnector } from '../../src/index.js';
import {
  type ConnectionRecordingProxy,
  startConnectionRecordingProxy,
} from '../harness/connection-recording-proxy.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import {
  createMailUser,
  type DovecotEndpoint,
  type DovecotServer,
  startDovecot,
} from '../harness/dovecot/dovecot-server.js';
import { type DovecotVariant, reducedCapabilityVariant } from '../harness/dovecot/dovecot-variants.js';
import { type SeedMessage, seedMailboxes } from '../harness/mail-seeder.js';

const HOUR = 3_600_000;
const startedAt = Date.now();
// A range that has not ended ("this week so far"): the message delivered during the count is dated now.
const thisWeek = {
  since: new Date(startedAt - 7 * 24 * HOUR).toISOString(),
  until: new Date(startedAt + HOUR).toISOString(),
};
// A total over a quarter that ends in a month: now is inside the days a server-side count covers
// (ESORT `RETURN (MIN MAX COUNT)` of the window).
const thisQuarter = {
  since: new Date(startedAt - 60 * 24 * HOUR).toISOString(),
  until: new Date(startedAt + 30 * 24 * HOUR).toISOString(),
};
const seeds: SeedMessage[] = [
  { mailbox: 'INBOX', atMs: startedAt - 72 * HOUR },
  { mailbox: 'INBOX', atMs: startedAt - 48 * HOUR },
  { mailbox: 'INBOX', atMs: startedAt - 24 * HOUR },
  { mailbox: 'Sent', atMs: startedAt - 30 * HOUR },
];

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// ESEARCH without SORT: a long total is counted by the server (`RETURN (COUNT)` of the whole days inside).
const esearchWithoutSort: DovecotVariant = {
  ...reducedCapabilityVariant,
  name: 'esearch-without-sort',
  capability: `${reducedCapabilityVariant.capability ?? ''} ESEARCH`,
};

describeWithDovecot('a count while mail is delivered to the mailbox it counts', () => {
  let reduced: DovecotServer;
  let esearchOnly: DovecotServer;
  const proxies: ConnectionRecordingProxy[] = [];

  beforeAll(async () => {
    reduced = await startDovecot(reducedCapabilityVariant);
    esearchOnly = await startDovecot(esearchWithoutSort);
  });

  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
    await esearchOnly?.stop();
    await reduced?.stop();
  });

  it.each([
    ['stock Dovecot, auto (pipelined, SEARCHRES), this week', 'standard', undefined, thisWeek],
    ['stock Dovecot, fewest-bytes (arrival order), this week', 'standard', 'fewest-bytes', thisWeek],
    ["stock Dovecot, a quarter's total, ending in a month", 'standard', undefined, thisQuarter],
    [
      "a server with ESEARCH and no SORT, a quarter's total (the server counts the interior)",
      'esearch',
      undefined,
      thisQuarter,
    ],
    [
      'a server without SORT, ESEARCH or SEARCHRES, auto (SEARCH, then FETCH), this week',
      'reduced',
      undefined,
      thisWeek,
    ],
    [
      'a server without SORT, ESEARCH or SEARCHRES, fewest-bytes, this week',
      'reduced',
      'fewest-bytes',
      thisWeek,
    ],
  ] as const)('%s: counts on the first try, each message once', async (_name, variant, transfer, range) => {
    const server: DovecotEndpoint =
      variant === 'standard' ? sharedDovecot() : variant === 'esearch' ? esearchOnly : reduced;
    const user = createMailUser(server, `during-${variant}-${transfer ?? 'auto'}`);
    await seedMailboxes(server, user, seeds);
    let delivered = false;
    let proxy: ConnectionRecordingProxy | undefined;
    proxy = await startConnectionRecordingProxy(server.plainPort, {
      hold: (index, name) => {
        if (delivered || (name !== 'UID SEARCH' && name !== 'UID SORT')) return undefined;
        delivered = true;
        return (async () => {
          await until(
            () =>
              proxy?.events().some((event) => event.connection === index && event.answered === 'EXAMINE') ??
              false,
          );
          // Dated now, after INBOX's EXAMINE announced its EXISTS and UIDNEXT.
          await seedMailboxes(server, user, [{ mailbox: 'INBOX', atMs: Date.now() }]);
        })();
      },
    });
    proxies.push(proxy);
    const connector = new ImapConnector(
      {
        host: '127.0.0.1',
        port: proxy.port,
        security: 'none',
        username: user.username,
        password: user.password,
      },
      { retry: { attempts: 1 } },
    );
    const options: CountSignalsOptions = transfer ? { transfer } : {};
    const during = await connector.countSignals(range, options);
    // No warning either: new mail is no broken server (the reduced server's roles are guessed by name).
    expect(during.warnings.filter((warning) => warning.code !== 'role_guessed_by_name')).toEqual([]);
    expect(delivered).toBe(true);
    expect(during.attempts).toBe(1);
    expect(during.sent).toBe(1);
    // A snapshot: without the new message (the server had not shown it yet) or with it, never twice.
    expect([3, 4]).toContain(during.received);
    const inbox = during.mailboxes.find((mailbox) => mailbox.path === 'INBOX');
    expect(inbox?.inRange).toBe(during.received);

    // Afterwards: a fresh count sees it once, and a count with the cursor adds it only if it was not
    // counted yet.
    const after = await connector.countSignals(range, options);
    expect({ sent: after.sent, received: after.received }).toEqual({ sent: 1, received: 4 });
    // The path this case is for: with nothing delivered meanwhile, the server counts the interior.
    if (variant === 'esearch') expect(after.strategies).toContain('interior-count');
    const resumed = await connector.countSignals(range, { ...options, cursor: during.cursor });
    expect(resumed.mode).toBe('incremental');
    expect(resumed.received).toBe(4 - during.received);
  });
});
