import { afterEach, describe, expect, it } from 'vitest';
import { ImapConnector } from '../../src/index.js';
import {
  type FaultServer,
  type ImapCommandHandler,
  serveImap,
  startFaultServer,
} from '../harness/fault-server.js';

// Dovecot 2.3 has no OBJECTID (RFC 8474), so an OBJECTID server is played here. Each message: UID,
// INTERNALDATE, EMAILID and Message-ID. INBOX 1 was copied into Archive (same EMAILID); INBOX 2 is a
// second delivery of the same Message-ID (another EMAILID).
interface StoredMessage {
  readonly date: string;
  readonly emailId: string;
  readonly messageId: string;
}
const MAILBOXES: Record<string, readonly StoredMessage[]> = {
  INBOX: [
    { date: '05-Jan-2026 10:00:00 +0000', emailId: 'M1', messageId: '<a@example.test>' },
    { date: '06-Jan-2026 10:00:00 +0000', emailId: 'M2', messageId: '<a@example.test>' },
    { date: '07-Jan-2026 10:00:00 +0000', emailId: 'M3', messageId: '<b@example.test>' },
  ],
  Archive: [{ date: '05-Jan-2026 10:00:00 +0000', emailId: 'M1', messageId: '<a@example.test>' }],
  Sent: [],
};

function objectIdServer(requests: string[]): (conn: Parameters<typeof serveImap>[0]) => void {
  return (conn) => {
    let current: readonly StoredMessage[] = [];
    const examine: ImapCommandHandler = (command, session) => {
      const messages = MAILBOXES[command.args.replace(/^"|"$/g, '')];
      if (!messages) {
        session.tagged(command.tag, 'NO [NONEXISTENT] No such mailbox');
        return;
      }
      current = messages;
      session.untagged(`${messages.length} EXISTS`);
      session.untagged('OK [UIDVALIDITY 7] UIDs valid');
      session.untagged(`OK [UIDNEXT ${messages.length + 1}] Next`);
      session.tagged(command.tag, 'OK [READ-ONLY] Examine completed');
    };
    const uid: ImapCommandHandler = (command, session) => {
      requests.push(command.args);
      const verb = command.args.split(' ')[0]?.toUpperCase();
      if (verb === 'SEARCH') {
        session.untagged(`SEARCH${current.map((_, index) => ` ${index + 1}`).join('')}`);
      } else if (verb === 'FETCH') {
        current.forEach((message, index) => {
          const header = `Message-ID: ${message.messageId}\r\n\r\n`;
          conn.writeRaw(
            `* ${index + 1} FETCH (UID ${index + 1} INTERNALDATE "${message.date}" EMAILID (${message.emailId}) BODY[HEADER.FIELDS (MESSAGE-ID)] {${header.length}}\r\n${header})\r\n`,
          );
        });
      }
      session.tagged(command.tag, 'OK Completed');
    };
    serveImap(conn, {
      capabilities: 'IMAP4rev1 ID NAMESPACE AUTH=PLAIN SPECIAL-USE OBJECTID',
      commands: {
        LIST: (command, session) => {
          session.untagged('LIST (\\HasNoChildren) "/" INBOX');
          session.untagged('LIST (\\HasNoChildren \\Archive) "/" Archive');
          session.untagged('LIST (\\HasNoChildren \\Sent) "/" Sent');
          session.tagged(command.tag, 'OK List completed');
        },
        EXAMINE: examine,
        UID: uid,
      },
    });
  };
}

describe('deduplication by the server email id (RFC 8474 OBJECTID)', () => {
  let server: FaultServer | undefined;

  afterEach(async () => {
    await server?.close();
  });

  it('counts a copied message once and two deliveries of one Message-ID twice', async () => {
    const requests: string[] = [];
    server = await startFaultServer({ kind: 'script', run: objectIdServer(requests) });
    const result = await new ImapConnector({
      host: server.host,
      port: server.port,
      security: 'none',
      username: 'alice@example.test',
      password: 'pw',
      mailboxes: { deduplicate: 'always' },
    }).countSignals({ since: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00Z' });
    expect(result.deduplication).toBe('email-id');
    expect({ sent: result.sent, received: result.received }).toEqual({ sent: 0, received: 3 });
    expect(result.mailboxes.find((mailbox) => mailbox.path === 'Archive')).toMatchObject({ inRange: 1 });
    const fetches = requests.filter((request) => /^FETCH /i.test(request));
    expect(fetches.length).toBeGreaterThan(0);
    // Every fetch that reads an identity asks for the email id; the only others are the date-only
    // reads that place the cursor's floor (they count nothing).
    expect(fetches.filter((fetch) => /EMAILID/.test(fetch)).length).toBeGreaterThan(0);
    for (const fetch of fetches) expect(fetch).toMatch(/EMAILID|^FETCH [\d:,]+ \(UID INTERNALDATE\)$/);
  });
});
