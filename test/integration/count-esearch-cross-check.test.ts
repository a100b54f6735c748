import { afterEach, describe, expect, it } from 'vitest';
import { ImapConnector } from '../../src/index.js';
import {
  type FaultServer,
  type ImapCommandHandler,
  serveImap,
  startFaultServer,
} from '../harness/fault-server.js';

// Dovecot answers ESEARCH correctly, so a server that does not is played here: it advertises ESEARCH
// and answers every `RETURN (COUNT)` search with an empty result, as has been seen in the wild, while
// plain SEARCH and FETCH tell the truth.
const INBOX_DATES = [
  '30-Apr-2026 23:59:59 +0000', // before the range
  '01-May-2026 00:00:00 +0000',
  '15-May-2026 12:00:00 +0200',
  '31-May-2026 23:59:59 +0000',
  '01-Jun-2026 00:00:00 +0000', // the range's end, excluded
];

const mailboxes: Record<string, readonly string[]> = { INBOX: INBOX_DATES, Sent: [] };

function examine(): ImapCommandHandler {
  return (command, session) => {
    const name = command.args.replace(/^"|"$/g, '');
    const dates = mailboxes[name];
    if (!dates) {
      session.tagged(command.tag, 'NO Mailbox does not exist');
      return;
    }
    session.untagged(`${dates.length} EXISTS`);
    session.untagged('OK [UIDVALIDITY 42] UIDs valid');
    session.untagged(`OK [UIDNEXT ${dates.length + 1}] Predicted next UID`);
    session.tagged(command.tag, 'OK [READ-ONLY] Examine completed');
    current = dates;
  };
}
let current: readonly string[] = [];

const uidCommand: ImapCommandHandler = (command, session) => {
  const [verb = ''] = command.args.split(' ');
  if (verb.toUpperCase() === 'SEARCH') {
    if (/RETURN \(COUNT\)/i.test(command.args)) {
      session.untagged(`ESEARCH (TAG "${command.tag}") UID`);
    } else {
      session.untagged(`SEARCH ${current.map((_, index) => index + 1).join(' ')}`.trimEnd());
    }
    session.tagged(command.tag, 'OK Search completed');
    return;
  }
  if (verb.toUpperCase() === 'FETCH') {
    current.forEach((date, index) => {
      session.untagged(`${index + 1} FETCH (UID ${index + 1} INTERNALDATE "${date}")`);
    });
    session.tagged(command.tag, 'OK Fetch completed');
    return;
  }
  session.tagged(command.tag, 'BAD Unsupported');
};

describe('countSignals cross-checks ESEARCH against the mailbox size', () => {
  let server: FaultServer | undefined;

  afterEach(async () => {
    await server?.close();
  });

  it('counts by dates instead, exactly, and warns, when ESEARCH counts nothing in a full mailbox', async () => {
    server = await startFaultServer({
      kind: 'script',
      run: (conn) => {
        serveImap(conn, {
          capabilities: 'IMAP4rev1 ID NAMESPACE AUTH=PLAIN ESEARCH',
          commands: {
            LIST: (command, session) => {
              session.untagged('LIST (\\HasNoChildren) "/" INBOX');
              session.untagged('LIST (\\HasNoChildren \\Sent) "/" Sent');
              session.tagged(command.tag, 'OK List completed');
            },
            EXAMINE: examine(),
            UID: uidCommand,
          },
        });
      },
    });
    const connector = new ImapConnector({
      host: server.host,
      port: server.port,
      security: 'none',
      username: 'user@example.test',
      password: 'not-a-secret',
    });
    const result = await connector.countSignals(
      { since: '2026-05-01T00:00:00Z', until: '2026-06-01T00:00:00Z' },
      { transfer: 'fewest-bytes' },
    );
    expect({ sent: result.sent, received: result.received }).toEqual({ sent: 0, received: 3 });
    expect(result.mailboxes.find((mailbox) => mailbox.path === 'INBOX')).toMatchObject({
      strategy: 'fetch-dates',
      inRange: 3,
      messages: 5,
      uidValidity: '42',
      uidNext: 6,
    });
    expect(result.warnings).toContainEqual(
      expect.objectContaining({ code: 'esearch_mismatch', mailbox: 'INBOX' }),
    );
    expect(server.received().some((line) => /RETURN \(COUNT\)/i.test(line))).toBe(true);
  });
});
