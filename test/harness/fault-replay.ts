/**
 * A fault-server scenario that plays a recorded server (`fault-transcript.ts`): each command the client
 * sends is answered with what the real server answered to the same command, under the live tag, and a
 * hook may mutate each answer on its way out (the server fuzz test's mutator) or cut the connection.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FaultScenario } from './fault-scenarios.js';
import type { FaultConnection } from './fault-server.js';
import type { RecordedExchange, RecordedSession } from './fault-transcript.js';

/** What to write for one answer, and what to do with the connection afterwards. */
export interface ReplayWrite {
  readonly data: Buffer;
  /** `fin`: close gracefully after writing; `reset`: send a RST; `destroy`: close without TLS close_notify. */
  readonly after?: 'fin' | 'reset' | 'destroy' | undefined;
}

/** How a replay deviates from the recording. */
export interface ReplayHooks {
  /**
   * Turns the lines of answer number `index` (0 is the greeting, then one per command, in the order
   * answered) into bytes. Default: the lines joined with CRLF.
   */
  readonly transform?: (index: number, lines: readonly string[]) => ReplayWrite;
  /** The size of the next write, to split answers at arbitrary bytes; default: one write per answer. */
  readonly chunkSize?: () => number;
  /** Called with every command line the client sends. */
  readonly onCommand?: (line: string) => void;
}

const COMMAND_LINE = /^(\S+) ([\s\S]*)$/;
const CREDENTIAL_COMMANDS = /^(LOGIN|AUTHENTICATE)\b.*$/i;

/** The lines joined as the wire has them. */
export function linesToBytes(lines: readonly string[]): Buffer {
  return Buffer.from(lines.map((line) => `${line}\r\n`).join(''), 'latin1');
}

/** The name a command is looked up by when its exact text was not recorded: `UID FETCH`, `EXAMINE`... */
function verbOf(command: string): string {
  const words = command.toUpperCase().split(' ');
  return words[0] === 'UID' ? `UID ${words[1] ?? ''}` : (words[0] ?? '');
}

/** Finds the recorded answer for a command: the same text (in order of use), else the same verb. */
class ExchangeBook {
  readonly #byCommand = new Map<string, RecordedExchange[]>();
  readonly #byVerb = new Map<string, RecordedExchange>();
  readonly #used = new Map<string, number>();

  constructor(exchanges: readonly RecordedExchange[]) {
    for (const exchange of exchanges) {
      const list = this.#byCommand.get(exchange.command) ?? [];
      list.push(exchange);
      this.#byCommand.set(exchange.command, list);
      if (!this.#byVerb.has(verbOf(exchange.command))) this.#byVerb.set(verbOf(exchange.command), exchange);
    }
  }

  find(command: string): RecordedExchange | undefined {
    const exact = this.#byCommand.get(command);
    if (exact !== undefined) {
      const used = this.#used.get(command) ?? 0;
      this.#used.set(command, used + 1);
      return exact[Math.min(used, exact.length - 1)];
    }
    return this.#byVerb.get(verbOf(command));
  }
}

/** The recorded answer under the live tag: the completion and any `(TAG "…")` of RFC 4731. */
function retagged(exchange: RecordedExchange, tag: string): string[] {
  const recordedTag = `(TAG "${exchange.tag}")`;
  return exchange.response.map((line) => {
    if (line.startsWith(`${exchange.tag} `)) return `${tag} ${line.slice(exchange.tag.length + 1)}`;
    return line.includes(recordedTag) ? line.replace(recordedTag, `(TAG "${tag}")`) : line;
  });
}

/**
 * A scenario replaying `session` on every connection.
 *
 * @param session - The recording.
 * @param hooks - Mutations, write splitting; a function of the connection to vary them per connection.
 * @returns A fault-server scenario.
 */
export function replayScenario(
  session: RecordedSession,
  hooks: ReplayHooks | ((conn: FaultConnection) => ReplayHooks) = {},
): FaultScenario {
  return {
    kind: 'script',
    run: (conn) => replay(conn, session, typeof hooks === 'function' ? hooks(conn) : hooks),
  };
}

function replay(conn: FaultConnection, session: RecordedSession, hooks: ReplayHooks): void {
  conn.framing = 'imap';
  const book = new ExchangeBook(session.exchanges);
  let answered = 0;
  let writing: Promise<void> = Promise.resolve();
  let awaitingContinuation: ((line: string) => void) | undefined;

  const write = async (data: Buffer): Promise<void> => {
    if (hooks.chunkSize === undefined) {
      await conn.send(data);
      return;
    }
    for (let offset = 0; offset < data.length && !conn.closed; ) {
      const size = Math.max(1, hooks.chunkSize());
      await conn.send(data.subarray(offset, offset + size));
      offset += size;
      await nextTurn();
    }
  };

  const answer = async (lines: readonly string[]): Promise<void> => {
    if (conn.closed) return;
    const index = answered;
    answered += 1;
    const out = hooks.transform?.(index, lines) ?? { data: linesToBytes(lines) };
    await write(out.data);
    if (out.after === 'fin') conn.end();
    else if (out.after === 'reset') conn.reset();
    else if (out.after === 'destroy') conn.destroy();
  };

  const enqueue = (work: () => Promise<void>): void => {
    writing = writing.then(work).catch(() => conn.destroy());
  };

  const respond = (tag: string, command: string): void => {
    const key = command.replace(CREDENTIAL_COMMANDS, '$1 <credentials>');
    const exchange = book.find(key);
    if (exchange === undefined) {
      enqueue(() => answer([`${tag} BAD Error in IMAP command: Unknown command.`]));
      return;
    }
    if (exchange.command !== key && /^(EXAMINE|SELECT)$/i.test(verbOf(command))) {
      // A mailbox the recording never opened (its name came from a mutated LIST): as a real server would.
      enqueue(() => answer([`${tag} NO [NONEXISTENT] Mailbox doesn't exist: ${command.slice(8, 60)}`]));
      return;
    }
    const lines = retagged(exchange, tag);
    const continuation = lines.findIndex((line) => line.startsWith('+'));
    if (continuation >= 0) {
      // AUTHENTICATE: the rest of the answer comes once the client has sent its response.
      enqueue(() => write(linesToBytes(lines.slice(0, continuation + 1))));
      awaitingContinuation = () => enqueue(() => answer(lines.slice(continuation + 1)));
    } else {
      enqueue(() => answer(lines));
    }
    if (/^LOGOUT\b/i.test(command)) enqueue(async () => conn.end());
  };

  conn.onLine((line) => {
    hooks.onCommand?.(line);
    if (awaitingContinuation) {
      const resume = awaitingContinuation;
      awaitingContinuation = undefined;
      resume(line);
      return;
    }
    const parsed = COMMAND_LINE.exec(line);
    if (parsed === null) {
      enqueue(() => answer(['* BAD Error in IMAP command received by server.']));
      return;
    }
    respond(parsed[1] ?? '', parsed[2] ?? '');
  });
  enqueue(() => answer(session.greeting));
}
