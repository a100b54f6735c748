import { afterEach, describe, expect, it } from 'vitest';
import { ImapConnector } from '../../src/index.js';
import { type FaultServer, startFaultServer } from '../harness/fault-server.js';
import {
  type FaultInjector,
  januaryMailboxes,
  januaryRange,
  mailboxScenario,
} from '../harness/mailbox-server.js';

// A folder deleted by another client between LIST and EXAMINE: a race Dovecot cannot be made to lose on
// cue, so the fault mailbox server plays it.
const sentVanishes: FaultInjector = (stage, command, session) => {
  if (stage.command !== 'EXAMINE' || stage.selected?.path !== 'Sent') return false;
  session.tagged(command.tag, 'NO [NONEXISTENT] Mailbox does not exist');
  return true;
};

describe('countSignals when a listed mailbox cannot be opened', () => {
  let server: FaultServer | undefined;

  afterEach(async () => {
    await server?.close();
  });

  it('counts the others, marks it unopened, and warns — without retrying', async () => {
    server = await startFaultServer(mailboxScenario(januaryMailboxes, sentVanishes));
    const result = await new ImapConnector(
      {
        host: server.host,
        port: server.port,
        security: 'none',
        username: 'alice@example.test',
        password: 'pw',
      },
      { retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 } },
    ).countSignals(januaryRange, { granularity: 'day' });
    expect({ sent: result.sent, received: result.received, attempts: result.attempts }).toEqual({
      sent: 0,
      received: 3,
      attempts: 1,
    });
    expect(result.mailboxes.find((mailbox) => mailbox.path === 'Sent')).toMatchObject({
      counts: 'sent',
      inRange: null,
      strategy: null,
      uidValidity: null,
    });
    expect(result.warnings).toContainEqual(
      expect.objectContaining({ code: 'mailbox_unavailable', mailbox: 'Sent' }),
    );
    expect(result.warnings.find((warning) => warning.code === 'mailbox_unavailable')?.message).toContain(
      'Mailbox does not exist',
    );
    // One try, one connection: a small INBOX lists on the counting connection (no retry's second).
    expect(server.connections()).toBe(1);
  });
});
