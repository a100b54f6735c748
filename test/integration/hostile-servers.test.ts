import { afterEach, describe, expect, it } from 'vitest';
import { type ConnectionTimeouts, ImapConnector, ImapConnectorError } from '../../src/index.js';
import { activeHandleCount, expectHandlesReleased } from '../harness/active-handles.js';
import type { FaultScenario } from '../harness/fault-scenarios.js';
import { type FaultConnection, type FaultServer, startFaultServer } from '../harness/fault-server.js';
import {
  type FaultInjector,
  januaryMailboxes,
  januaryRange,
  mailboxScenario,
} from '../harness/mailbox-server.js';
import { expectBoundedMemory, type MemoryGrowth, watchMemory } from '../harness/memory-watch.js';

const timeouts: Partial<ConnectionTimeouts> = {
  connectMs: 2_000,
  greetingMs: 1_000,
  loginMs: 2_000,
  commandMs: 2_000,
};

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function countAgainst(
  scenario: FaultScenario,
  overrides: Partial<ConnectionTimeouts> = {},
  { withCursor = false }: { withCursor?: boolean } = {},
): Promise<{ error: ImapConnectorError; elapsedMs: number; memory: MemoryGrowth }> {
  server = await startFaultServer(scenario);
  const connector = new ImapConnector(
    {
      host: server.host,
      port: server.port,
      username: 'alice@example.test',
      password: 'secret',
      security: 'none',
      timeouts: { ...timeouts, ...overrides },
    },
    { retry: { attempts: 1 } },
  );
  // The incremental path: a full count the server answers well gives the cursor the measured count
  // starts from.
  const cursor = withCursor
    ? (await connector.countSignals(januaryRange, { granularity: 'day' })).cursor
    : undefined;
  const baseline = activeHandleCount();
  const stopWatching = watchMemory();
  const startedAt = Date.now();
  // Daily buckets fetch every date on a server without SORT, so floods can be played at FETCH too.
  const outcome = await connector
    .countSignals(januaryRange, { granularity: 'day', cursor })
    .catch((failure: unknown) => failure);
  const elapsedMs = Date.now() - startedAt;
  const memory = stopWatching();
  if (!(outcome instanceof ImapConnectorError))
    throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  await server.close();
  server = undefined;
  await expectHandlesReleased(baseline);
  return { error: outcome, elapsedMs, memory };
}

/** Writes chunks until the client goes away, respecting backpressure (so the flood is the client's problem). */
async function flood(conn: FaultConnection, chunk: () => string): Promise<void> {
  while (!conn.closed) await conn.send(chunk());
}

const at =
  (command: string, fault: (conn: FaultConnection) => void): FaultInjector =>
  (stage) => {
    if (stage.command !== command) return false;
    fault(stage.connection);
    return true;
  };

const UNTAGGED_BATCH = '* OK [ALERT] still here\r\n'.repeat(2_000);
const FETCH_BATCH = '* 1 FETCH (UID 1 INTERNALDATE "05-Jan-2026 10:00:00 +0000")\r\n'.repeat(1_000);

describe('countSignals against hostile servers', () => {
  it('stops an endless stream of untagged responses (RESPONSE_TOO_LARGE)', async () => {
    const { error, memory } = await countAgainst(
      mailboxScenario(
        januaryMailboxes,
        at('LIST', (conn) => void flood(conn, () => UNTAGGED_BATCH)),
      ),
    );
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE', retryable: false });
    expect(error.detail.limit).toMatch(/untagged responses/);
    expectBoundedMemory(memory);
  });

  it('stops an endless stream of FETCH rows (RESPONSE_TOO_LARGE)', async () => {
    const { error, memory } = await countAgainst(
      mailboxScenario(
        januaryMailboxes,
        at('FETCH', (conn) => void flood(conn, () => FETCH_BATCH)),
      ),
    );
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    expect(error.detail.limit).toMatch(/FETCH sent over 50000 responses more than the 3 rows asked for/);
    expectBoundedMemory(memory);
  });

  it('refuses a literal announcing gigabytes without reading it (RESPONSE_TOO_LARGE)', async () => {
    const { error, memory } = await countAgainst(
      mailboxScenario(
        januaryMailboxes,
        at('LIST', (conn) => {
          conn.writeRaw('* LIST (\\HasNoChildren) "/" {4294967296}\r\n');
          void flood(conn, () => 'x'.repeat(64 * 1024));
        }),
      ),
    );
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE', detail: { limit: 'literal size' } });
    expectBoundedMemory(memory);
  });

  it('stops a SEARCH answer without end, read as it arrives, at 11 bytes a message (RESPONSE_TOO_LARGE)', async () => {
    const { error, memory } = await countAgainst(
      mailboxScenario(
        januaryMailboxes,
        at('SEARCH', (conn) => {
          conn.writeRaw('* SEARCH');
          void flood(conn, () => ' 1'.repeat(32 * 1024));
        }),
      ),
    );
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    expect(error.detail.limit).toMatch(/^a SEARCH answer longer than \d+ bytes$/);
    expectBoundedMemory(memory);
  });

  it('stops any other response line without end at its length cap (RESPONSE_TOO_LARGE)', async () => {
    const { error, memory } = await countAgainst(
      mailboxScenario(
        januaryMailboxes,
        at('SEARCH', (conn) => {
          conn.writeRaw('* OK ');
          void flood(conn, () => 'x'.repeat(64 * 1024));
        }),
      ),
    );
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE', detail: { limit: 'response line length' } });
    expectBoundedMemory(memory);
  });

  it('stops a SEARCH answering millions of UIDs (RESPONSE_TOO_LARGE)', async () => {
    const { error, memory } = await countAgainst(
      mailboxScenario(
        januaryMailboxes,
        at('SEARCH', (conn) => {
          void (async () => {
            await conn.send('* SEARCH');
            let uid = 1;
            const last = 3_000_000;
            while (!conn.closed && uid <= last) {
              const batch: number[] = [];
              for (let i = 0; i < 10_000 && uid <= last; i += 1, uid += 1) batch.push(uid);
              await conn.send(` ${batch.join(' ')}`);
            }
            if (!conn.closed) await conn.send('\r\n');
          })();
        }),
      ),
    );
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    expectBoundedMemory(memory);
  });

  it('refuses a SEARCH with more results than the mailbox has messages (RESPONSE_TOO_LARGE)', async () => {
    const { error } = await countAgainst(
      mailboxScenario(januaryMailboxes, (stage, command, session) => {
        if (stage.command !== 'SEARCH') return false;
        // UIDs of the mailbox (1-3), repeated: more results than it has messages.
        session.untagged(`SEARCH ${Array.from({ length: 50 }, (_, index) => (index % 3) + 1).join(' ')}`);
        session.tagged(command.tag, 'OK Search completed.');
        return true;
      }),
    );
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    expect(error.detail.limit).toBe('SEARCH returned more than 3 results for a mailbox of 3 messages');
  });

  // The incremental count asks for a fixed span of UIDs from the cursor's floor (`UID FETCH 4:50003`)
  // before it knows UIDNEXT; the full count never asks for more UIDs than the mailbox has.
  // The flood answers the first such FETCH; the server then answers nothing else.
  const fromTheFloor = (flood: (conn: FaultConnection, from: number) => Promise<void>): FaultInjector => {
    const flooding = new WeakSet<FaultConnection>();
    return (stage, command) => {
      if (flooding.has(stage.connection)) return true;
      const set = /^FETCH (\d+):(\d+) /i.exec(command.args.replace(/^UID /i, ''));
      if (stage.command !== 'FETCH' || !set || Number(set[2]) - Number(set[1]) < 1_000) return false;
      flooding.add(stage.connection);
      void flood(stage.connection, Number(set[1]));
      return true;
    };
  };
  // Three million rows, for UIDs `first`, `first + 1`... (or the same `cycle` UIDs over and over).
  const rowsFrom = async (conn: FaultConnection, first: number, cycle = 3_000_000) => {
    for (let n = 0; !conn.closed && n < 3_000_000; ) {
      const batch: string[] = [];
      for (let i = 0; i < 1_000; i += 1, n += 1) {
        const uid = first + (n % cycle);
        batch.push(`* ${uid} FETCH (UID ${uid} INTERNALDATE "20-Jan-2026 10:00:00 +0000")\r\n`);
      }
      await conn.send(batch.join(''));
    }
  };

  it('stops a FETCH from the cursor floor answering millions of new UIDs (RESPONSE_TOO_LARGE)', async () => {
    // Rows for UIDs inside the set asked for but at or above UIDNEXT, again and again: dropped, and
    // counted against the bound on untagged responses.
    const { error, memory } = await countAgainst(
      mailboxScenario(
        januaryMailboxes,
        fromTheFloor((conn, from) => rowsFrom(conn, from, 1_000)),
      ),
      {},
      { withCursor: true },
    );
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    expect(error.detail.limit).toMatch(/^FETCH sent over 50000 responses more than the \d+ rows asked for$/);
    expectBoundedMemory(memory);
  });

  it('refuses a FETCH from the cursor floor answered as `1:*` (PROTOCOL_ERROR)', async () => {
    // Every message from UID 1 on, millions of them: the first row below the floor ends the count.
    const { error, memory } = await countAgainst(
      mailboxScenario(
        januaryMailboxes,
        fromTheFloor((conn) => rowsFrom(conn, 1)),
      ),
      {},
      { withCursor: true },
    );
    expect(error).toMatchObject({ code: 'PROTOCOL_ERROR' });
    expect(error.detail.violation).toBe('a FETCH row for UID 1, which was not asked for');
    expectBoundedMemory(memory);
  });

  it('ends a greeting that never finishes at greetingMs (GREETING_TIMEOUT)', async () => {
    const { error, elapsedMs } = await countAgainst({
      kind: 'script',
      run: (conn) => {
        conn.writeRaw('* OK [CAPABILITY IMAP4rev1');
        const timer = setInterval(() => conn.writeRaw(' X'), 50);
        conn.onClose(() => clearInterval(timer));
      },
    });
    expect(error).toMatchObject({ code: 'GREETING_TIMEOUT' });
    expect(elapsedMs).toBeLessThan(1_000 + 500);
  });

  it('ends a response that trickles forever at countSignalsMs, though no single silence is long', async () => {
    const { error, elapsedMs } = await countAgainst(
      mailboxScenario(
        januaryMailboxes,
        at('SEARCH', (conn) => {
          conn.writeRaw('* SEARCH');
          const timer = setInterval(() => conn.writeRaw(' 1'), 100);
          conn.onClose(() => clearInterval(timer));
        }),
      ),
      { countSignalsMs: 1_500 },
    );
    expect(error).toMatchObject({ code: 'COMMAND_TIMEOUT', detail: { timeoutMs: 1_500 } });
    expect(elapsedMs).toBeLessThan(1_500 + 500);
  });
});
