import { afterEach, describe, expect, it } from 'vitest';
import { ImapConnector, ImapConnectorError, type SignalCounts } from '../../src/index.js';
import { activeHandleCount, expectHandlesReleased } from '../harness/active-handles.js';
import { type FaultServer, startFaultServer } from '../harness/fault-server.js';
import { imapDateTime } from '../harness/mail-seeder.js';
import {
  type FaultInjector,
  januaryMailboxes,
  januaryRange,
  mailboxScenario,
} from '../harness/mailbox-server.js';

// The counting channel reads its answers before imapflow frames them (`tapResponseLines`). These
// servers cut those answers at awkward places; the count must stay exact, whoever frames each line.

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function count(inject: FaultInjector): Promise<SignalCounts | ImapConnectorError> {
  server = await startFaultServer(mailboxScenario(januaryMailboxes, inject));
  const connector = new ImapConnector(
    {
      host: server.host,
      port: server.port,
      username: 'alice@example.test',
      password: 'secret',
      security: 'none',
      timeouts: { connectMs: 2_000, greetingMs: 1_000, loginMs: 2_000, commandMs: 2_000 },
    },
    { retry: { attempts: 1 } },
  );
  const baseline = activeHandleCount();
  const outcome = await connector
    .countSignals(januaryRange, { granularity: 'day', transfer: 'fewest-bytes' })
    .catch((error: unknown) => {
      if (error instanceof ImapConnectorError) return error;
      throw error;
    });
  await server.close();
  server = undefined;
  await expectHandlesReleased(baseline);
  return outcome;
}

/** The FETCH answer the mailbox server would send, as one string, with `extra` before the rows. */
function fetchAnswer(tag: string, uidSet: string, messagesAtMs: readonly number[], extra = ''): string {
  const [from = '1', to = from] = uidSet.split(':');
  const last = to === '*' ? messagesAtMs.length : Math.min(Number(to), messagesAtMs.length);
  let text = extra;
  for (let uid = Number(from); uid <= last; uid += 1) {
    const atMs = messagesAtMs[uid - 1];
    if (atMs !== undefined) text += `* ${uid} FETCH (UID ${uid} INTERNALDATE "${imapDateTime(atMs)}")\r\n`;
  }
  return `${text}${tag} OK Fetch completed.\r\n`;
}

/** Answers every UID FETCH with `shape(answer)`, written in the pieces it returns, 2 ms apart. */
function fetchWrittenAs(pieces: (answer: string) => string[], extra = ''): FaultInjector {
  return (stage, command) => {
    if (stage.command !== 'FETCH' || stage.selected === undefined) return false;
    const uidSet = command.args.split(' ')[1] ?? '';
    const parts = pieces(fetchAnswer(command.tag, uidSet, stage.selected.messagesAtMs, extra));
    let index = 0;
    const next = () => {
      const part = parts[index];
      index += 1;
      if (part === undefined) return;
      stage.connection.writeRaw(part);
      setTimeout(next, 2);
    };
    next();
    return true;
  };
}

/** Each January day's count, from the fixture's dates. */
function expectedDays(): { received: Map<string, number>; sent: Map<string, number> } {
  const byDay = (path: string) => {
    const days = new Map<string, number>();
    for (const atMs of januaryMailboxes.find((mailbox) => mailbox.path === path)?.messagesAtMs ?? []) {
      const day = new Date(atMs).toISOString().slice(0, 10);
      days.set(day, (days.get(day) ?? 0) + 1);
    }
    return days;
  };
  return { received: byDay('INBOX'), sent: byDay('Sent') };
}

function expectExactDays(outcome: SignalCounts | ImapConnectorError): void {
  if (outcome instanceof ImapConnectorError) throw outcome;
  const { received, sent } = expectedDays();
  expect(outcome.buckets).toHaveLength(31);
  for (const bucket of outcome.buckets) {
    const day = bucket.start.slice(0, 10);
    expect({ day, received: bucket.received, sent: bucket.sent }).toEqual({
      day,
      received: received.get(day) ?? 0,
      sent: sent.get(day) ?? 0,
    });
  }
  expect(outcome.warnings).toEqual([]);
}

describe('counting answers framed before imapflow', () => {
  it('is exact when every answer arrives a few bytes at a time', async () => {
    const inSevens = (answer: string) => answer.match(/[\s\S]{1,7}/g) ?? [];
    expectExactDays(await count(fetchWrittenAs(inSevens)));
  });

  it('is exact when a row carries a literal (imapflow frames it) and rows follow in the same write', async () => {
    const literalRow = '* 1 FETCH (FLAGS (\\Seen) X-NOTE {5}\r\nhello)\r\n';
    expectExactDays(await count(fetchWrittenAs((answer) => [answer], literalRow)));
  });

  it('is exact when a 70 KB status line comes among the rows, split over writes', async () => {
    const longLine = `* OK ${'x'.repeat(70_000)}\r\n`;
    const split = (answer: string) => [
      answer.slice(0, 30_000),
      answer.slice(30_000, 69_000),
      answer.slice(69_000),
    ];
    expectExactDays(await count(fetchWrittenAs(split, longLine)));
  });

  it('refuses a search answer written right after the last completion of a batch (imapflow gets it)', async () => {
    const trailing = (answer: string) => [`${answer}* SEARCH 1 2\r\n`];
    const outcome = await count((stage, command, session) => {
      if (stage.command !== 'FETCH' || stage.selected?.path !== 'Sent') return false;
      return fetchWrittenAs(trailing)(stage, command, session);
    });
    expect(outcome).toBeInstanceOf(ImapConnectorError);
    expect(outcome).toMatchObject({ code: 'PROTOCOL_ERROR' });
  });
});
