import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ImapConnector, ImapConnectorError, type RetryOptions } from '../../src/index.js';
import { activeHandleCount, expectHandlesReleased } from '../harness/active-handles.js';
import type { FaultScenario } from '../harness/fault-scenarios.js';
import { type FaultServer, startFaultServer } from '../harness/fault-server.js';
import {
  type FaultInjector,
  januaryMailboxes,
  januaryRange,
  mailboxScenario,
} from '../harness/mailbox-server.js';

// Long limits: only the abort can end these operations quickly.
const timeouts = { connectMs: 10_000, greetingMs: 10_000, loginMs: 10_000, commandMs: 10_000 };
const ABORT_AFTER_MS = 150;
// "Promptly": the abort, plus closing the socket, well under a second.
const PROMPT_MS = 400;

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const stallAt =
  (command: string): FaultInjector =>
  (stage) =>
    stage.command === command;

const stages: Array<[string, FaultScenario, 'none' | 'tls']> = [
  ['waiting for the greeting', { kind: 'accept-and-stall' }, 'none'],
  ['in the TLS handshake', { kind: 'accept-and-stall' }, 'tls'],
  ['during login', { kind: 'greeting-then-stall-after-login' }, 'none'],
  ['during LIST', mailboxScenario(januaryMailboxes, stallAt('LIST')), 'none'],
  ['during EXAMINE', mailboxScenario(januaryMailboxes, stallAt('EXAMINE')), 'none'],
  ['during SEARCH', mailboxScenario(januaryMailboxes, stallAt('SEARCH')), 'none'],
  ['during FETCH', mailboxScenario(januaryMailboxes, stallAt('FETCH')), 'none'],
];

async function abortedRun(
  scenario: FaultScenario,
  security: 'none' | 'tls',
  operation: 'countSignals' | 'testConnection',
  retry?: RetryOptions,
): Promise<{ code: string; elapsedMs: number; error?: ImapConnectorError }> {
  server = await startFaultServer(scenario);
  const connector = new ImapConnector(
    {
      host: server.host,
      port: server.port,
      username: 'alice@example.test',
      password: 'secret',
      security,
      timeouts,
    },
    retry ? { retry } : {},
  );
  const baseline = activeHandleCount();
  const controller = new AbortController();
  const startedAt = Date.now();
  setTimeout(() => controller.abort(), ABORT_AFTER_MS);
  let code: string;
  let error: ImapConnectorError | undefined;
  if (operation === 'testConnection') {
    const result = await connector.testConnection({ signal: controller.signal });
    code = result.ok ? 'ok' : result.code;
  } else {
    const outcome = await connector
      .countSignals(januaryRange, { signal: controller.signal })
      .catch((failure: unknown) => failure);
    if (!(outcome instanceof ImapConnectorError))
      throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
    error = outcome;
    code = outcome.code;
  }
  const elapsedMs = Date.now() - startedAt;
  await server.close();
  server = undefined;
  await expectHandlesReleased(baseline);
  return { code, elapsedMs, ...(error ? { error } : {}) };
}

// A connection test logs in and lists: it never opens a mailbox, so it meets no stall after LIST (it
// used to end ABORTED there only because it took longer than ABORT_AFTER_MS: it lists in fewer round
// trips now).
const stagesOf = (operation: 'countSignals' | 'testConnection') =>
  operation === 'countSignals' ? stages : stages.filter(([stage]) => !/EXAMINE|SEARCH|FETCH/.test(stage));

describe.each(['countSignals', 'testConnection'] as const)('%s cancelled by an AbortSignal', (operation) => {
  it.each(stagesOf(operation))(
    'ends ABORTED promptly %s, with the connection closed',
    async (_stage, scenario, security) => {
      const { code, elapsedMs } = await abortedRun(scenario, security, operation);
      expect(code).toBe('ABORTED');
      expect(elapsedMs).toBeLessThan(ABORT_AFTER_MS + PROMPT_MS);
    },
  );
});

describe('countSignals retries and cancellation', () => {
  it('ends ABORTED during the wait between two tries, without another connection', async () => {
    const resetAtSearch: FaultInjector = (stage) => {
      if (stage.command !== 'SEARCH') return false;
      stage.connection.reset();
      return true;
    };
    const { code, elapsedMs, error } = await abortedRun(
      mailboxScenario(januaryMailboxes, resetAtSearch),
      'none',
      'countSignals',
      { attempts: 3, initialDelayMs: 5_000, maxDelayMs: 5_000 },
    );
    expect(code).toBe('ABORTED');
    expect(error?.detail.attempts).toBe(1);
    expect(elapsedMs).toBeLessThan(ABORT_AFTER_MS + PROMPT_MS);
  });
});

describe('the caller’s AbortSignal after the operation', () => {
  it('has no listener left from a count that succeeded, one that failed after retries, or a test', async () => {
    const controller = new AbortController();
    server = await startFaultServer(
      mailboxScenario(januaryMailboxes, (stage) => {
        if (stage.connection.id === 1 || stage.command !== 'SEARCH') return false;
        stage.connection.reset();
        return true;
      }),
    );
    const connector = new ImapConnector(
      { host: server.host, port: server.port, username: 'a', password: 'secret', security: 'none', timeouts },
      { retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 10 } },
    );
    const signal = controller.signal;
    await expect(connector.countSignals(januaryRange, { signal })).resolves.toMatchObject({ attempts: 1 });
    await expect(connector.countSignals(januaryRange, { signal })).rejects.toMatchObject({
      code: 'CONNECTION_RESET',
      detail: { attempts: 2 },
    });
    await expect(connector.testConnection({ signal })).resolves.toMatchObject({ ok: true });
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});
