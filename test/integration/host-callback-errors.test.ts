import { afterEach, describe, expect, it } from 'vitest';
import { ImapConnector, isImapConnectorError } from '../../src/index.js';
import { activeHandleCount, expectHandlesReleased } from '../harness/active-handles.js';
import { type FaultServer, startFaultServer } from '../harness/fault-server.js';
import { januaryRange, mailboxScenario } from '../harness/mailbox-server.js';

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function connectorFor(): Promise<ImapConnector> {
  server = await startFaultServer(mailboxScenario());
  return new ImapConnector(
    {
      host: server.host,
      port: server.port,
      username: 'alice@example.test',
      password: 'canary-Pa55word',
      security: 'none',
    },
    { retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 } },
  );
}

describe("a host's own callback error", () => {
  it('comes back as itself from countSignals: not UNKNOWN, not retried, no socket left open', async () => {
    const connector = await connectorFor();
    const hostBug = new TypeError("Cannot read properties of undefined (reading 'mailbox')");
    const baseline = activeHandleCount();
    const outcome = await connector
      .countSignals(januaryRange, {
        onProgress: () => {
          throw hostBug;
        },
      })
      .catch((error: unknown) => error);
    expect(outcome).toBe(hostBug);
    expect(isImapConnectorError(outcome)).toBe(false);
    // One try, one connection (a small INBOX lists on the counting connection): a host bug is not a
    // transient server failure.
    expect(server?.connections()).toBe(1);
    await server?.close();
    server = undefined;
    await expectHandlesReleased(baseline);
  });
});
