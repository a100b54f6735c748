import { afterEach, describe, expect, it } from 'vitest';
import { ImapConnector, ImapConnectorError, type RetryOptions, type SignalCounts } from '../../src/index.js';
import { activeHandleCount, expectHandlesReleased } from '../harness/active-handles.js';
import type { FaultScenario } from '../harness/fault-scenarios.js';
import { type FaultServer, startFaultServer } from '../harness/fault-server.js';
import { imapDateTime } from '../harness/mail-seeder.js';
import {
  type FaultInjector,
  januaryCounts,
  januaryMailboxes,
  januaryRange,
  MAILBOX_SERVER_CAPABILITIES,
  mailboxScenario,
} from '../harness/mailbox-server.js';

const timeouts = { connectMs: 2_000, greetingMs: 600, loginMs: 800, commandMs: 500 };
const noRetry: RetryOptions = { attempts: 1 };
const quickRetry: RetryOptions = { attempts: 3, initialDelayMs: 20, maxDelayMs: 50 };

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function count(
  scenario: FaultScenario,
  retry: RetryOptions = noRetry,
  signal?: AbortSignal,
  buckets: 'daily' | 'totals' = 'daily',
): Promise<{ outcome: SignalCounts | ImapConnectorError; elapsedMs: number; connections: number }> {
  server = await startFaultServer(scenario);
  const connector = new ImapConnector(
    {
      host: server.host,
      port: server.port,
      username: 'alice@example.test',
      password: 'secret',
      security: 'none',
      timeouts,
    },
    { retry },
  );
  const baseline = activeHandleCount();
  const startedAt = Date.now();
  // Daily buckets by default: on a server without SORT they fetch every date in the window, so a fault
  // can be injected at LIST, EXAMINE, SEARCH and FETCH alike; totals are what use ESEARCH.
  const outcome = await connector
    // Mailbox by mailbox, whatever the machine's load does to the measured round trip: faults are
    // injected at the n-th command of a kind.
    .countSignals(januaryRange, {
      signal,
      transfer: 'fewest-bytes',
      // One connection per try: the faults and the connection counts are the counting connection's
      // (the side connection's own faults: count-side-listing.test.ts).
      mailboxListing: 'same-connection',
      ...(buckets === 'daily' ? { granularity: 'day' } : {}),
    })
    .catch((error: unknown) => {
      if (error instanceof ImapConnectorError) return error;
      throw error;
    });
  const elapsedMs = Date.now() - startedAt;
  const connections = server.connections();
  await server.close();
  server = undefined;
  // No socket, timer or listener outlives the count, whatever the fault.
  await expectHandlesReleased(baseline);
  return { outcome, elapsedMs, connections };
}

function failure(outcome: SignalCounts | ImapConnectorError): ImapConnectorError {
  if (!(outcome instanceof ImapConnectorError))
    throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome;
}

/** A fault at the `occurrence`-th `command` of the first connection only. */
function onFirstConnection(command: string, fault: FaultInjector, occurrence = 1): FaultInjector {
  return (stage, imapCommand, session) =>
    stage.connection.id === 1 &&
    stage.command === command &&
    stage.occurrence === occurrence &&
    fault(stage, imapCommand, session);
}

const reset: FaultInjector = (stage) => {
  stage.connection.reset();
  return true;
};
const stall: FaultInjector = () => true;
const bye: FaultInjector = (stage, _command, session) => {
  session.untagged('BYE [UNAVAILABLE] Server shutting down');
  stage.connection.end();
  return true;
};
const refuse =
  (response: string): FaultInjector =>
  (_stage, command, session) => {
    session.tagged(command.tag, response);
    return true;
  };
const oneRowThenStall: FaultInjector = (stage, _command, session) => {
  const first = stage.selected?.messagesAtMs[0];
  if (first !== undefined) session.untagged('1 FETCH (UID 1 INTERNALDATE "05-Jan-2026 10:00:00 +0000")');
  return true;
};

describe('countSignals against the fault server', () => {
  it('counts the seeded mailboxes when nothing goes wrong, in one attempt', async () => {
    const { outcome } = await count(mailboxScenario());
    expect(outcome).toMatchObject({ ...januaryCounts, attempts: 1 });
  });

  it.each([
    ['a reset after EXAMINE', onFirstConnection('SEARCH', reset), 'CONNECTION_RESET'],
    ['a reset at the second EXAMINE', onFirstConnection('EXAMINE', reset, 2), 'CONNECTION_RESET'],
    ['a stall during SEARCH', onFirstConnection('SEARCH', stall), 'COMMAND_TIMEOUT'],
    ['a stall during FETCH, after one row', onFirstConnection('FETCH', oneRowThenStall), 'COMMAND_TIMEOUT'],
    ['a stall during LIST', onFirstConnection('LIST', stall), 'COMMAND_TIMEOUT'],
    ['a BYE during SEARCH', onFirstConnection('SEARCH', bye), 'SERVER_CLOSED_CONNECTION'],
    [
      'NO [UNAVAILABLE] to SEARCH',
      onFirstConnection('SEARCH', refuse('NO [UNAVAILABLE] Backend down')),
      'ACCOUNT_UNAVAILABLE',
    ],
    [
      'NO [INUSE] to EXAMINE',
      onFirstConnection('EXAMINE', refuse('NO [INUSE] Mailbox locked')),
      'TOO_MANY_CONNECTIONS',
    ],
    [
      'NO [LIMIT] to FETCH',
      onFirstConnection('FETCH', refuse('NO [LIMIT] Too many commands')),
      'TOO_MANY_CONNECTIONS',
    ],
    [
      'a UIDVALIDITY change while counting the second mailbox',
      onFirstConnection(
        'FETCH',
        (_stage, command, session) => {
          session.untagged('OK [UIDVALIDITY 999] Mailbox recreated');
          session.tagged(command.tag, 'OK Fetch completed.');
          return true;
        },
        2,
      ),
      'MAILBOX_CHANGED',
    ],
  ] as const)(
    'fails with a typed error on %s, within its timeout, then succeeds on retry',
    async (_name, inject, code) => {
      const once = await count(mailboxScenario(januaryMailboxes, inject));
      const error = failure(once.outcome);
      expect(error).toMatchObject({ code, retryable: true, detail: { attempts: 1 } });
      expect(once.elapsedMs).toBeLessThan(timeouts.commandMs + 1_000);

      const retried = await count(mailboxScenario(januaryMailboxes, inject), quickRetry);
      expect(retried.outcome).toMatchObject({ ...januaryCounts, attempts: 2 });
      expect(retried.connections).toBe(2);
    },
  );

  it('tolerates unsolicited flag updates among the FETCH rows (RFC 3501 §7.4.2)', async () => {
    const withFlagUpdates: FaultInjector = (stage, command, session) => {
      if (stage.command !== 'FETCH') return false;
      const messages = stage.selected?.messagesAtMs ?? [];
      messages.forEach((atMs, index) => {
        const uid = index + 1;
        session.untagged(`${uid} FETCH (FLAGS (\\Seen))`);
        session.untagged(`${uid} FETCH (UID ${uid} INTERNALDATE "${imapDateTime(atMs)}")`);
      });
      session.tagged(command.tag, 'OK Fetch completed.');
      return true;
    };
    const { outcome } = await count(mailboxScenario(januaryMailboxes, withFlagUpdates));
    expect(outcome).toMatchObject({ ...januaryCounts, attempts: 1 });
  });

  it.each([
    [
      'falls back to a plain SEARCH when ESEARCH is refused',
      'BAD Unknown search return option',
      januaryCounts,
    ],
    ['fails when ESEARCH is refused as unavailable', 'NO [UNAVAILABLE] Try later', 'ACCOUNT_UNAVAILABLE'],
  ] as const)('%s', async (_name, response, expected) => {
    const refuseEsearch: FaultInjector = (stage, command, session) => {
      if (stage.command !== 'SEARCH' || !/RETURN/i.test(command.args)) return false;
      session.tagged(command.tag, response);
      return true;
    };
    const { outcome } = await count(
      mailboxScenario(januaryMailboxes, refuseEsearch, `${MAILBOX_SERVER_CAPABILITIES} ESEARCH`),
      noRetry,
      undefined,
      'totals',
    );
    if (typeof expected === 'string') expect(failure(outcome).code).toBe(expected);
    else expect(outcome).toMatchObject({ ...expected, strategies: ['fetch-dates'] });
  });

  it('fails when a SEARCH is refused instead of counting the mailbox as empty', async () => {
    const { outcome } = await count(
      mailboxScenario(januaryMailboxes, onFirstConnection('SEARCH', refuse('NO Search backend failed'))),
    );
    expect(failure(outcome).detail.serverResponse).toBe('Search backend failed');
  });

  it('gives up after the configured tries, with the number of tries in the error', async () => {
    const always: FaultInjector = (stage) =>
      stage.command === 'SEARCH' && reset(stage, undefined as never, undefined as never);
    const { outcome, connections } = await count(mailboxScenario(januaryMailboxes, always), quickRetry);
    expect(failure(outcome)).toMatchObject({ code: 'CONNECTION_RESET', detail: { attempts: 3 } });
    expect(connections).toBe(3);
  });

  it.each([
    [
      'a wrong password',
      { kind: 'login-response', response: 'NO [AUTHENTICATIONFAILED] Nope' },
      'AUTHENTICATION_FAILED',
    ],
    [
      'an account locked by the admin',
      { kind: 'login-response', response: 'NO [CONTACTADMIN] Locked' },
      'CONTACT_ADMIN',
    ],
  ] as const)('never retries %s', async (_name, scenario, code) => {
    const { outcome, connections } = await count(scenario, quickRetry);
    expect(failure(outcome)).toMatchObject({ code, detail: { attempts: 1 } });
    expect(connections).toBeLessThanOrEqual(1);
  });
});

describe('a password function across retries', () => {
  it('is asked again for each new connection', async () => {
    server = await startFaultServer(mailboxScenario(januaryMailboxes, onFirstConnection('SEARCH', reset)));
    let calls = 0;
    const connector = new ImapConnector(
      {
        host: server.host,
        port: server.port,
        username: 'a',
        password: async () => {
          calls += 1;
          return 'secret';
        },
        security: 'none',
        timeouts,
      },
      { retry: quickRetry },
    );
    await expect(connector.countSignals(januaryRange)).resolves.toMatchObject({ attempts: 2 });
    expect(calls).toBe(2);
  });
});

describe('the retry policy of one call', () => {
  it('overrides the connector’s, field by field, and is checked like it', async () => {
    server = await startFaultServer(mailboxScenario(januaryMailboxes, onFirstConnection('SEARCH', reset)));
    const connector = new ImapConnector(
      { host: server.host, port: server.port, username: 'a', password: 'secret', security: 'none', timeouts },
      { retry: quickRetry },
    );
    await expect(connector.countSignals(januaryRange, { retry: { attempts: 1 } })).rejects.toMatchObject({
      code: 'CONNECTION_RESET',
      detail: { attempts: 1 },
    });
    await expect(connector.countSignals(januaryRange, { retry: { attempts: 0 } })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      detail: { issues: [{ field: 'retry.attempts' }] },
    });
    await expect(connector.countSignals(januaryRange)).resolves.toMatchObject({ attempts: 1 });
  });
});

describe('a host logger that throws', () => {
  it('changes nothing: the count and its retries go on', async () => {
    server = await startFaultServer(mailboxScenario(januaryMailboxes, onFirstConnection('SEARCH', reset)));
    const explode = () => {
      throw new Error('logger down');
    };
    const connector = new ImapConnector(
      { host: server.host, port: server.port, username: 'a', password: 'secret', security: 'none', timeouts },
      { retry: quickRetry, logger: { debug: explode, info: explode, warn: explode, error: explode } },
    );
    await expect(connector.countSignals(januaryRange)).resolves.toMatchObject({
      ...januaryCounts,
      attempts: 2,
    });
    await expect(connector.testConnection()).resolves.toMatchObject({ ok: true });
  });
});
