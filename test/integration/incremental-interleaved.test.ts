import { afterEach, describe, expect, it } from 'vitest';
import { ImapConnector } from '../../src/index.js';
import { type FaultServer, startFaultServer } from '../harness/fault-server.js';
import { imapDateTime } from '../harness/mail-seeder.js';
import { type FakeMailbox, MAILBOX_SERVER_CAPABILITIES, mailboxScenario } from '../harness/mailbox-server.js';

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

// A server may run the LIST alongside the FETCH sent before it (RFC 3501 §5.5: commands that do not
// depend on each other; Dovecot does not make a LIST wait for a running FETCH), so the LIST's answer may
// come before the FETCH's last rows and completion. Dovecot cannot be made to do that on demand: the
// fault server holds the answer of the last FETCH until the LIST is answered (and any LSUB: imapflow's
// listing no longer sends one after it).
describe('the incremental count when the LIST answers before the FETCH sent with it', () => {
  it('gives the LIST to imapflow and every row to the count, exactly', async () => {
    const inbox = { path: 'INBOX', uidValidity: 100, messagesAtMs: [Date.UTC(2026, 0, 5, 10)] };
    const sent = {
      path: 'Sent',
      specialUse: '\\Sent',
      uidValidity: 200,
      messagesAtMs: [Date.UTC(2026, 0, 6, 8)],
    };
    const mailboxes: FakeMailbox[] = [inbox, sent];
    const events: string[] = [];
    server = await startFaultServer(
      mailboxScenario(
        mailboxes,
        (stage, command, session) => {
          if (stage.command === 'LIST' || stage.command === 'LSUB') events.push(stage.command);
          // The incremental count's FETCH names a span of UIDs from the floor, past UIDNEXT.
          const set = /^UID FETCH (\d+):(\d+) /i.exec(command.line.replace(/^\S+ /, ''));
          if (stage.command !== 'FETCH' || stage.selected?.path !== 'Sent' || !set) return false;
          if (Number(set[2]) - Number(set[1]) < 1_000) return false;
          const from = Number(set[1]);
          const rows = sent.messagesAtMs.flatMap((atMs, index) =>
            index + 1 >= from
              ? [`${index + 1} FETCH (UID ${index + 1} INTERNALDATE "${imapDateTime(atMs)}")`]
              : [],
          );
          setTimeout(() => {
            events.push('FETCH Sent');
            for (const row of rows) session.untagged(row);
            session.tagged(command.tag, 'OK Fetch completed.');
          }, 150);
          return true;
        },
        MAILBOX_SERVER_CAPABILITIES,
        { inOrder: false },
      ),
    );
    const connector = new ImapConnector(
      {
        host: server.host,
        port: server.port,
        username: 'alice@example.test',
        password: 'secret',
        security: 'none',
      },
      { retry: { attempts: 1 } },
    );
    const { cursor } = await connector.countSignals({ from: '2026-01', to: '2026-01' });
    // Delivered after the first count: two received, two sent in February, one received in March.
    inbox.messagesAtMs.push(Date.UTC(2026, 1, 3, 9), Date.UTC(2026, 1, 27, 23), Date.UTC(2026, 2, 2, 8));
    sent.messagesAtMs.push(Date.UTC(2026, 1, 4, 12), Date.UTC(2026, 1, 28, 7));
    events.length = 0;
    const counts = await connector.countSignals({ from: '2026-02', to: '2026-02' }, { cursor });
    expect(counts.mode).toBe('incremental');
    expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 2, received: 2 });
    expect(counts.mailboxes.map((mailbox) => [mailbox.path, mailbox.sync])).toEqual([
      ['INBOX', 'incremental'],
      ['Sent', 'incremental'],
    ]);
    // The interleaving did happen: imapflow's LIST was answered before Sent's rows.
    expect(events).toEqual(['LIST', 'FETCH Sent']);
  });
});
