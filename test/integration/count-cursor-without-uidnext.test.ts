import { afterEach, describe, expect, it } from 'vitest';
import { ImapConnector } from '../../src/index.js';
import {
  type FaultServer,
  type ImapCommandHandler,
  serveImap,
  startFaultServer,
} from '../harness/fault-server.js';

// Every server Dovecot's tests could start sends UIDNEXT (RFC 3501 §6.3.1 requires it), so one that
// does not is played here: an incremental count cannot bound a UID range without it and must say so.
const DATES = ['01-May-2026 10:00:00 +0000', '02-May-2026 10:00:00 +0000', '03-May-2026 10:00:00 +0000'];

const examine: ImapCommandHandler = (command, session) => {
  const name = command.args.replace(/^"|"$/g, '');
  const count = name === 'INBOX' ? DATES.length : 0;
  session.untagged(`${count} EXISTS`);
  session.untagged('OK [UIDVALIDITY 9] UIDs valid');
  session.tagged(command.tag, 'OK [READ-ONLY] Examine completed');
  current = name === 'INBOX' ? DATES : [];
};
let current: readonly string[] = [];

const uid: ImapCommandHandler = (command, session) => {
  const [verb = ''] = command.args.split(' ');
  if (verb.toUpperCase() === 'SEARCH') {
    session.untagged(`SEARCH ${current.map((_, index) => index + 1).join(' ')}`.trimEnd());
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

describe('a cursor on a server that sends no UIDNEXT', () => {
  let server: FaultServer | undefined;

  afterEach(async () => {
    await server?.close();
  });

  it('falls back to a full count with uidnext_missing, counting exactly', async () => {
    server = await startFaultServer({
      kind: 'script',
      run: (conn) => {
        serveImap(conn, {
          capabilities: 'IMAP4rev1 ID NAMESPACE AUTH=PLAIN',
          commands: {
            LIST: (command, session) => {
              session.untagged('LIST (\\HasNoChildren) "/" INBOX');
              session.untagged('LIST (\\HasNoChildren \\Sent) "/" Sent');
              session.tagged(command.tag, 'OK List completed');
            },
            EXAMINE: examine,
            UID: uid,
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
    const range = { from: '2026-05-01', to: '2026-05-02' };
    const first = await connector.countSignals(range, { granularity: 'day' });
    expect({ mode: first.mode, received: first.received }).toEqual({ mode: 'full', received: 2 });
    const second = await connector.countSignals(range, { granularity: 'day', cursor: first.cursor });
    expect({ mode: second.mode, fallbackReason: second.fallbackReason, received: second.received }).toEqual({
      mode: 'full',
      fallbackReason: 'uidnext_missing',
      received: 2,
    });
  });
});
