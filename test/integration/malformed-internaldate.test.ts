import { afterEach, describe, expect, it } from 'vitest';
import { ImapConnector } from '../../src/index.js';
import { type FaultServer, serveImap, startFaultServer } from '../harness/fault-server.js';

// A plain RFC 3501 server (no SORT, no ESEARCH): the count searches the window and fetches every date.
const CAPABILITIES = 'IMAP4rev1 ID NAMESPACE';
const timeouts = { connectMs: 2_000, greetingMs: 2_000, loginMs: 2_000, commandMs: 2_000 };

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** INBOX holds one message per date, UIDs 1..n; only the listed server words are used. */
async function inboxWithDates(dates: readonly string[]): Promise<FaultServer> {
  const uids = dates.map((_date, index) => index + 1);
  server = await startFaultServer({
    kind: 'script',
    run: (conn) =>
      serveImap(conn, {
        capabilities: CAPABILITIES,
        commands: {
          LIST: (command, session) => {
            if (command.args === '"" ""') return session.answer(command);
            session.untagged('LIST (\\HasNoChildren) "/" INBOX');
            session.tagged(command.tag, 'OK List completed.');
          },
          EXAMINE: (command, session) => {
            session.untagged(`${dates.length} EXISTS`);
            session.untagged('OK [UIDVALIDITY 7] UIDs valid');
            session.untagged(`OK [UIDNEXT ${dates.length + 1}] Predicted next UID`);
            session.tagged(command.tag, 'OK [READ-ONLY] Examine completed.');
          },
          UID: (command, session) => {
            const [verb = ''] = command.args.split(' ');
            if (verb.toUpperCase() === 'SEARCH') {
              session.untagged(`SEARCH ${uids.join(' ')}`);
            } else if (verb.toUpperCase() === 'FETCH') {
              const withHeader = /BODY\.PEEK/i.test(command.args);
              dates.forEach((date, index) => {
                const uid = index + 1;
                const header = `Message-ID: <m${uid}@example.test>\r\n\r\n`;
                const extra = withHeader
                  ? ` BODY[HEADER.FIELDS (MESSAGE-ID)] {${Buffer.byteLength(header)}}\r\n${header}`
                  : '';
                conn.writeRaw(`* ${uid} FETCH (UID ${uid} INTERNALDATE "${date}"${extra})\r\n`);
              });
            }
            session.tagged(command.tag, `OK ${verb} completed.`);
          },
        },
      }),
  });
  return server;
}

// Under 90 days, so the count searches the window once and reads every date (no interior search).
const range = { since: '2026-01-01T00:00:00Z', until: '2026-03-31T00:00:00Z' };

describe('a malformed INTERNALDATE', () => {
  it('is reported in warnings, not dropped or moved to another day', async () => {
    const started = await inboxWithDates([
      '15-Jan-2026 10:00:00 +0000',
      // V8's Date would read this as 3 March, inside the range.
      '31-Feb-2026 10:00:00 +0000',
      'not a date at all',
      '01-Feb-2026 25:61:00 +0000',
      '10-Mar-2026 08:30:00 +0100',
    ]);
    const counts = await new ImapConnector({
      host: started.host,
      port: started.port,
      username: 'alice@example.test',
      password: 'secret-password',
      security: 'none',
      timeouts,
    }).countSignals(range);
    // Counted by hand: 15 Jan and 10 Mar are readable and inside the range; the other three are not.
    expect(counts.received).toBe(2);
    const warning = counts.warnings.find((entry) => entry.code === 'internal_date_malformed');
    expect(warning).toMatchObject({ mailbox: 'INBOX' });
    expect(warning?.message).toMatch(/^3 message\(s\) .*UID 2: "31-Feb-2026 10:00:00 \+0000"/);
  });

  it('is reported on the deduplicating path too (dates read by imapflow)', async () => {
    const started = await inboxWithDates(['15-Jan-2026 10:00:00 +0000', 'not a date at all']);
    const counts = await new ImapConnector({
      host: started.host,
      port: started.port,
      username: 'alice@example.test',
      password: 'secret-password',
      security: 'none',
      timeouts,
      mailboxes: { deduplicate: 'always' },
    }).countSignals(range);
    expect(counts.received).toBe(1);
    expect(counts.warnings).toContainEqual(
      expect.objectContaining({ code: 'internal_date_malformed', mailbox: 'INBOX' }),
    );
  });

  it('gives no warning when every date reads', async () => {
    const started = await inboxWithDates(['15-Jan-2026 10:00:00 +0000', ' 1-Mar-2026 23:59:60 -1200']);
    const counts = await new ImapConnector({
      host: started.host,
      port: started.port,
      username: 'alice@example.test',
      password: 'secret-password',
      security: 'none',
      timeouts,
    }).countSignals(range);
    expect(counts.received).toBe(2);
    expect(counts.warnings.map((entry) => entry.code)).not.toContain('internal_date_malformed');
  });
});
