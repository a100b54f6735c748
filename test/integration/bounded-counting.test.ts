/**
 * The counting layer against servers that answer its commands with hostile or implausible data
 * (issue 8's first cases): each must end typed, within its deadline, without growing memory, and
 * nothing implausible may be counted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ConnectionTimeouts,
  ImapConnector,
  ImapConnectorError,
  type SignalCounts,
} from '../../src/index.js';
import { activeHandleCount, expectHandlesReleased } from '../harness/active-handles.js';
import type { FaultConnection, FaultServer } from '../harness/fault-server.js';
import { startFaultServer } from '../harness/fault-server.js';
import { imapDateTime } from '../harness/mail-seeder.js';
import {
  type FaultInjector,
  januaryCounts,
  januaryMailboxes,
  januaryRange,
  MAILBOX_SERVER_CAPABILITIES,
  mailboxScenario,
} from '../harness/mailbox-server.js';
import { expectBoundedMemory, type MemoryGrowth, watchMemory } from '../harness/memory-watch.js';

const SORT_CAPABILITIES = `${MAILBOX_SERVER_CAPABILITIES} ESEARCH SORT ESORT`;
const ESEARCH_CAPABILITIES = `${MAILBOX_SERVER_CAPABILITIES} ESEARCH`;
const timeouts: Partial<ConnectionTimeouts> = {
  connectMs: 2_000,
  greetingMs: 1_000,
  loginMs: 2_000,
  commandMs: 3_000,
  countSignalsMs: 5_000,
};

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Outcome {
  readonly result: SignalCounts | ImapConnectorError;
  readonly elapsedMs: number;
  readonly memory: MemoryGrowth;
}

async function count(
  inject: FaultInjector,
  options: {
    capabilities: string;
    granularity?: 'day';
    abortAfterMs?: number;
    transfer?: 'fewest-bytes' | 'fewest-round-trips';
  },
): Promise<Outcome> {
  server = await startFaultServer(mailboxScenario(januaryMailboxes, inject, options.capabilities));
  const connector = new ImapConnector(
    {
      host: server.host,
      port: server.port,
      username: 'alice@example.test',
      password: 'secret',
      security: 'none',
      timeouts,
    },
    { retry: { attempts: 1 } },
  );
  const baseline = activeHandleCount();
  const stopWatching = watchMemory();
  const controller = new AbortController();
  const abortTimer =
    options.abortAfterMs === undefined
      ? undefined
      : setTimeout(() => controller.abort(), options.abortAfterMs);
  const startedAt = Date.now();
  const result = await connector
    .countSignals(januaryRange, {
      ...(options.granularity ? { granularity: options.granularity } : {}),
      // Mailbox by mailbox unless a test says otherwise: the path must not depend on the machine's load.
      transfer: options.transfer ?? 'fewest-bytes',
      signal: controller.signal,
    })
    .catch((failure: unknown) => {
      if (failure instanceof ImapConnectorError) return failure;
      throw failure;
    });
  const elapsedMs = Date.now() - startedAt;
  clearTimeout(abortTimer);
  const memory = stopWatching();
  await server.close();
  server = undefined;
  await expectHandlesReleased(baseline);
  return { result, elapsedMs, memory };
}

function failure(outcome: Outcome): ImapConnectorError {
  if (!(outcome.result instanceof ImapConnectorError))
    throw new Error(`expected a failure, got ${JSON.stringify(outcome.result)}`);
  return outcome.result;
}

/** Answers the first command named `name` in INBOX with `answer(tag)`, then the completion. */
const answering =
  (name: string, answer: (tag: string, conn: FaultConnection) => string | undefined): FaultInjector =>
  (stage, command, session) => {
    if (stage.command !== name || stage.selected?.path !== 'INBOX') return false;
    const text = answer(command.tag, stage.connection);
    if (text === undefined) return true;
    stage.connection.writeRaw(`${text}\r\n`);
    session.tagged(command.tag, `OK ${name} completed.`);
    return true;
  };

async function flood(conn: FaultConnection, chunk: () => string): Promise<void> {
  while (!conn.closed) await conn.send(chunk());
}

describe('hostile answers to counting commands', () => {
  it.each([
    ['ESORT ALL 1:4294967295', (tag: string) => `* ESEARCH (TAG "${tag}") UID ALL 1:4294967295`],
    ['ESORT ALL 1:100000000', (tag: string) => `* ESEARCH (TAG "${tag}") UID ALL 1:100000000`],
    ['ESORT ALL with a reversed giant run', (tag: string) => `* ESEARCH (TAG "${tag}") UID ALL 4294967295:1`],
    ['ESORT ALL with UID 0', (tag: string) => `* ESEARCH (TAG "${tag}") UID ALL 0:2`],
    ['a plain SORT with a UID beyond UIDNEXT', () => '* SORT 1 2 4294967295'],
  ])('%s: PROTOCOL_ERROR at once, nothing expanded', async (_name, answer) => {
    const outcome = await count(answering('SORT', answer), {
      capabilities: SORT_CAPABILITIES,
      granularity: 'day',
    });
    expect(failure(outcome)).toMatchObject({ code: 'PROTOCOL_ERROR' });
    expect(outcome.elapsedMs).toBeLessThan(2_000);
    expectBoundedMemory(outcome.memory);
  });

  it.each([
    ['* SORT', SORT_CAPABILITIES, 'SORT'],
    ['* SEARCH', MAILBOX_SERVER_CAPABILITIES, 'SEARCH'],
  ])(
    'endless %s lines of valid UIDs: RESPONSE_TOO_LARGE once they outnumber the mailbox',
    async (prefix, capabilities, name) => {
      const outcome = await count(
        answering(name, (_tag, conn) => {
          void flood(conn, () => `${prefix} 1 2 3\r\n`.repeat(1_000));
          return undefined;
        }),
        { capabilities, granularity: 'day' },
      );
      expect(failure(outcome)).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
      expect(failure(outcome).detail.limit).toBe(
        `${name} returned more than 3 results for a mailbox of 3 messages`,
      );
      expect(outcome.elapsedMs).toBeLessThan(2_000);
      expectBoundedMemory(outcome.memory);
    },
  );

  it.each([
    ['COUNT 4294967295', 'COUNT 4294967295'],
    ['COUNT -5', 'COUNT -5'],
    ['COUNT abc', 'COUNT abc'],
    ['ALL 1:4294967295', 'ALL 1:4294967295'],
  ])('an ESEARCH count answered with %s: PROTOCOL_ERROR, never a silent 0', async (_name, items) => {
    // One bucket, ESEARCH without SORT: the count asks `RETURN (COUNT)` (ALL first, checked against EXISTS).
    const outcome = await count(
      answering('SEARCH', (tag) => `* ESEARCH (TAG "${tag}") UID ${items}`.trimEnd()),
      { capabilities: ESEARCH_CAPABILITIES },
    );
    expect(failure(outcome)).toMatchObject({ code: 'PROTOCOL_ERROR' });
    expect(outcome.elapsedMs).toBeLessThan(2_000);
  });

  it('an ESEARCH count without COUNT: counted by dates instead, exactly, with a warning', async () => {
    const outcome = await count(
      (stage, command, session) => {
        if (stage.command !== 'SEARCH' || !/RETURN \(COUNT\)/i.test(command.args)) return false;
        session.untagged(`ESEARCH (TAG "${command.tag}") UID`);
        session.tagged(command.tag, 'OK Search completed.');
        return true;
      },
      { capabilities: ESEARCH_CAPABILITIES },
    );
    expect(outcome.result).toMatchObject({
      ...januaryCounts,
      warnings: expect.arrayContaining([
        expect.objectContaining({ code: 'esearch_mismatch', mailbox: 'INBOX' }),
      ]),
    });
  });

  it('an ESEARCH answer correlated to a tag the client never sent: PROTOCOL_ERROR', async () => {
    const outcome = await count(
      answering('SORT', () => '* ESEARCH (TAG "ZZZ9") UID ALL 1:3'),
      { capabilities: SORT_CAPABILITIES, granularity: 'day' },
    );
    expect(failure(outcome)).toMatchObject({ code: 'PROTOCOL_ERROR' });
  });

  it('a completion for a foreign tag in the middle of a counting answer: PROTOCOL_ERROR', async () => {
    const outcome = await count(
      answering('SEARCH', (_tag, conn) => {
        void flood(conn, () => '* OK still here\r\nA1 OK fake completion\r\n'.repeat(500));
        return undefined;
      }),
      { capabilities: MAILBOX_SERVER_CAPABILITIES, granularity: 'day' },
    );
    expect(failure(outcome)).toMatchObject({ code: 'PROTOCOL_ERROR' });
    expect(outcome.elapsedMs).toBeLessThan(2_000);
  });

  it.each([
    ['untagged lines and forged completions during LIST', '* OK [ALERT] still here\r\nFFFF OK fake\r\n'],
    ['continuation requests during LIST', '+ more\r\n'],
  ])('%s: the cap is not reset, RESPONSE_TOO_LARGE', async (_name, chunk) => {
    const outcome = await count(
      (stage) => {
        if (stage.command !== 'LIST') return false;
        void flood(stage.connection, () => chunk.repeat(2_000));
        return true;
      },
      { capabilities: MAILBOX_SERVER_CAPABILITIES },
    );
    expect(failure(outcome)).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    expectBoundedMemory(outcome.memory);
  });

  it('continuation requests during a counting search: RESPONSE_TOO_LARGE', async () => {
    const outcome = await count(
      answering('SEARCH', (_tag, conn) => {
        void flood(conn, () => '+ more\r\n'.repeat(2_000));
        return undefined;
      }),
      { capabilities: MAILBOX_SERVER_CAPABILITIES, granularity: 'day' },
    );
    expect(failure(outcome)).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    expect(failure(outcome).detail.limit).toMatch(/more than 50000 untagged responses/);
  });
});

describe('implausible FETCH rows', () => {
  const dated = (uid: number, date = '05-Jan-2026 10:00:00 +0000') =>
    `* ${uid} FETCH (UID ${uid} INTERNALDATE "${date}")`;

  it('counts a repeated row once (exact counts)', async () => {
    const outcome = await count(
      (stage, command, session) => {
        if (stage.command !== 'FETCH' || stage.selected?.path !== 'INBOX') return false;
        // The INBOX's three messages, the first one sent 1,000 times.
        const rows = [
          ...Array.from({ length: 1_000 }, () => dated(1)),
          dated(2, '12-Jan-2026 09:00:00 +0000'),
          dated(3, '20-Jan-2026 17:00:00 +0000'),
        ];
        stage.connection.writeRaw(`${rows.join('\r\n')}\r\n`);
        session.tagged(command.tag, 'OK Fetch completed.');
        return true;
      },
      { capabilities: MAILBOX_SERVER_CAPABILITIES, granularity: 'day' },
    );
    expect(outcome.result).toMatchObject(januaryCounts);
  });

  it.each([
    ['a row for a UID not asked for', [dated(1), dated(2), dated(3), dated(7)]],
    ['a date without a UID', ['* 1 FETCH (INTERNALDATE "05-Jan-2026 10:00:00 +0000")']],
  ])('%s: PROTOCOL_ERROR, not counted', async (_name, rows) => {
    const outcome = await count(
      (stage, command, session) => {
        if (stage.command !== 'FETCH' || stage.selected?.path !== 'INBOX') return false;
        stage.connection.writeRaw(`${rows.join('\r\n')}\r\n`);
        session.tagged(command.tag, 'OK Fetch completed.');
        return true;
      },
      { capabilities: MAILBOX_SERVER_CAPABILITIES, granularity: 'day' },
    );
    expect(failure(outcome)).toMatchObject({ code: 'PROTOCOL_ERROR' });
  });

  it('an unsolicited flag update without a date is not counted and not an error', async () => {
    const outcome = await count(
      (stage, command, session) => {
        if (stage.command !== 'FETCH' || stage.selected?.path !== 'INBOX') return false;
        const rows = [
          '* 9 FETCH (FLAGS (\\Seen))',
          dated(1),
          dated(2, '12-Jan-2026 09:00:00 +0000'),
          dated(3, '20-Jan-2026 17:00:00 +0000'),
        ];
        stage.connection.writeRaw(`${rows.join('\r\n')}\r\n`);
        session.tagged(command.tag, 'OK Fetch completed.');
        return true;
      },
      { capabilities: MAILBOX_SERVER_CAPABILITIES, granularity: 'day' },
    );
    expect(outcome.result).toMatchObject(januaryCounts);
  });
});

describe('the pipelined path (every mailbox in one or two round trips)', () => {
  const SEARCHRES_CAPABILITIES = `${MAILBOX_SERVER_CAPABILITIES} ESEARCH SEARCHRES`;
  const dated = (uid: number, date = '05-Jan-2026 10:00:00 +0000') =>
    `* ${uid} FETCH (UID ${uid} INTERNALDATE "${date}")`;
  // Plays RFC 5182 for the mailbox server: `RETURN (SAVE)` answers nothing, `FETCH $` gets `rows`
  // (in INBOX; the other mailboxes get their real rows).
  const savedResult =
    (inboxRows: readonly string[]): FaultInjector =>
    (stage, command, session) => {
      if (stage.command === 'SEARCH' && /RETURN \(SAVE\)/i.test(command.args)) {
        session.tagged(command.tag, 'OK Search completed.');
        return true;
      }
      // The cursor's floor: nothing of these mailboxes is dated after January.
      if (stage.command === 'SEARCH' && /RETURN \(MIN\)/i.test(command.args)) {
        session.untagged(`ESEARCH (TAG "${command.tag}") UID`);
        session.tagged(command.tag, 'OK Search completed.');
        return true;
      }
      if (stage.command !== 'FETCH' || !/ \$ /.test(command.args)) return false;
      const rows =
        stage.selected?.path === 'INBOX'
          ? inboxRows
          : (stage.selected?.messagesAtMs ?? []).map((atMs, index) => dated(index + 1, imapDateTime(atMs)));
      if (rows.length > 0) stage.connection.writeRaw(`${rows.join('\r\n')}\r\n`);
      session.tagged(command.tag, 'OK Fetch completed.');
      return true;
    };

  it('counts exactly with SEARCH RETURN (SAVE) and FETCH $, a repeated row once', async () => {
    const outcome = await count(
      savedResult([
        dated(1),
        dated(1),
        dated(2, '12-Jan-2026 09:00:00 +0000'),
        dated(3, '20-Jan-2026 17:00:00 +0000'),
      ]),
      { capabilities: SEARCHRES_CAPABILITIES, granularity: 'day', transfer: 'fewest-round-trips' },
    );
    expect(outcome.result).toMatchObject({ ...januaryCounts, strategies: ['pipelined-dates'] });
  });

  it.each([['a UID beyond UIDNEXT', [dated(1), dated(4_000_000)]]])(
    'FETCH $ with %s: PROTOCOL_ERROR',
    async (_name, rows) => {
      const outcome = await count(savedResult(rows), {
        capabilities: SEARCHRES_CAPABILITIES,
        granularity: 'day',
        transfer: 'fewest-round-trips',
      });
      expect(failure(outcome)).toMatchObject({ code: 'PROTOCOL_ERROR' });
    },
  );

  it('FETCH $ with a malformed INTERNALDATE: that message is left out and reported, the rest counted', async () => {
    const outcome = await count(
      savedResult([dated(1), dated(2, '32-Jan-2026 09:00:00 +0000'), dated(3, '20-Jan-2026 17:00:00 +0000')]),
      { capabilities: SEARCHRES_CAPABILITIES, granularity: 'day', transfer: 'fewest-round-trips' },
    );
    expect(outcome.result).toMatchObject({
      sent: 2,
      received: 2,
      warnings: [expect.objectContaining({ code: 'internal_date_malformed', mailbox: 'INBOX' })],
    });
  });

  it('without SEARCHRES, an ESEARCH giant range answering the plain SEARCH: PROTOCOL_ERROR', async () => {
    const outcome = await count(
      answering('SEARCH', (tag) => `* ESEARCH (TAG "${tag}") UID ALL 1:4294967295`),
      { capabilities: MAILBOX_SERVER_CAPABILITIES, granularity: 'day', transfer: 'fewest-round-trips' },
    );
    expect(failure(outcome)).toMatchObject({ code: 'PROTOCOL_ERROR' });
    expectBoundedMemory(outcome.memory);
  });
});

describe('abort in the middle of a long answer', () => {
  it('is honoured within 400 ms while a 15 MB SORT answer is being read', async () => {
    const exists = 4_000_000;
    const outcome = await count(
      (stage, command, session) => {
        if (stage.command === 'EXAMINE' && stage.selected?.path === 'INBOX') {
          session.untagged(`${exists} EXISTS`);
          session.untagged('OK [UIDVALIDITY 100] UIDs valid');
          session.untagged(`OK [UIDNEXT ${exists + 1}] Predicted next UID`);
          session.tagged(command.tag, 'OK [READ-ONLY] Examine completed.');
          return true;
        }
        if (stage.command !== 'SORT' || stage.selected?.path !== 'INBOX') return false;
        void (async () => {
          // Every other UID: one run per UID, the parser's worst case.
          for (let uid = 1; uid < 2 * 1_800_000 && !stage.connection.closed; uid += 2 * 10_000) {
            const batch: string[] = [];
            for (let next = uid; next < uid + 2 * 10_000; next += 2) batch.push(String(next));
            await stage.connection.send(`${uid === 1 ? '* SORT' : ''} ${batch.join(' ')}`);
          }
          if (!stage.connection.closed) await stage.connection.send('\r\n');
        })();
        return true;
      },
      { capabilities: SORT_CAPABILITIES, granularity: 'day', abortAfterMs: 600 },
    );
    expect(failure(outcome)).toMatchObject({ code: 'ABORTED' });
    expect(outcome.elapsedMs).toBeLessThan(600 + 400);
    expectBoundedMemory(outcome.memory);
  });
});
