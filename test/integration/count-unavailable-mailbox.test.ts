import { afterEach, describe, expect, it } from 'vitest';
import { type FaultServer, startFaultServer } from '../harness/fault-server.js';
import { loopbackConnector } from '../harness/loopback-connector.js';
import {
  type FaultInjector,
  januaryMailboxes,
  januaryRange,
  mailboxScenario,
} from '../harness/mailbox-server.js';

// The fault mailbox server's account.
const alice = { username: 'alice@example.test', password: 'pw' };

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
    const result = await loopbackConnector(server.port, alice, {
      retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 },
    }).countSignals(januaryRange, { granularity: 'day' });
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

// Without SEARCHRES a count searches every folder, then fetches the UIDs found: a folder reopened for
// its fetch (every one but the last searched, still open) may have been deleted, or deleted and
// created again, by another client in between.
describe('countSignals when a folder changes between its search and its fetch', () => {
  let server: FaultServer | undefined;

  afterEach(async () => {
    await server?.close();
  });

  const withArchive = [
    ...januaryMailboxes,
    { path: 'Archive', uidValidity: 300, messagesAtMs: [Date.UTC(2026, 0, 7, 8)] },
  ];
  // Sent's second EXAMINE (its fetch's) answered as `reopened` says.
  const sentReopened = (
    reopened: (command: { tag: string }, session: Parameters<FaultInjector>[2]) => void,
  ): FaultInjector => {
    let examines = 0;
    return (stage, command, session) => {
      if (stage.command !== 'EXAMINE' || stage.selected?.path !== 'Sent') return false;
      examines += 1;
      if (examines !== 2) return false;
      reopened(command, session);
      return true;
    };
  };
  const connector = (port: number) => loopbackConnector(port, alice, { retry: { attempts: 1 } });

  it('leaves a folder deleted in between uncounted, with a warning, and counts the others', async () => {
    server = await startFaultServer(
      mailboxScenario(
        withArchive,
        sentReopened((command, session) =>
          session.tagged(command.tag, 'NO [NONEXISTENT] Mailbox does not exist'),
        ),
      ),
    );
    const result = await connector(server.port).countSignals(januaryRange, {
      transfer: 'fewest-round-trips',
    });
    // INBOX 3 and Archive 1 received; Sent's two messages were searched, never fetched: not counted.
    expect({ sent: result.sent, received: result.received }).toEqual({ sent: 0, received: 4 });
    expect(result.mailboxes.find((mailbox) => mailbox.path === 'Sent')).toMatchObject({ inRange: null });
    expect(result.warnings).toContainEqual(
      expect.objectContaining({ code: 'mailbox_unavailable', mailbox: 'Sent' }),
    );
  });

  it('fails MAILBOX_CHANGED for a folder created again in between (another UIDVALIDITY): no count of other mail', async () => {
    server = await startFaultServer(
      mailboxScenario(
        withArchive,
        sentReopened((command, session) => {
          session.untagged('2 EXISTS');
          session.untagged('OK [UIDVALIDITY 999] UIDs valid');
          session.untagged('OK [UIDNEXT 3] Predicted next UID');
          session.tagged(command.tag, 'OK [READ-ONLY] Examine completed.');
        }),
      ),
    );
    await expect(
      connector(server.port).countSignals(januaryRange, { transfer: 'fewest-round-trips' }),
    ).rejects.toMatchObject({ code: 'MAILBOX_CHANGED' });
  });
});
