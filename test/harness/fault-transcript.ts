/**
 * Recorded IMAP sessions: a proxy that records what a real server (the harness Dovecot) answers to each
 * command the SDK sends, and the fixture format the replaying fault server (`fault-replay.ts`) reads.
 */
import net from 'node:net';

/** One command of a recorded session and everything the server sent for it, its completion last. */
export interface RecordedExchange {
  /** The tag the client used (replaced by the live tag on replay, in the completion and in `(TAG "…")`). */
  readonly tag: string;
  /** The command after its tag, e.g. `UID SEARCH SINCE 1-Jan-2026`; credentials replaced by `<credentials>`. */
  readonly command: string;
  /** Server lines (CRLF removed; a literal is kept inline with its CRLF), untagged ones then the tagged one. */
  readonly response: readonly string[];
}

/** One recorded connection of a count, with what a correct count of it is. */
export interface RecordedSession {
  /** e.g. `standard-daily`. */
  readonly name: string;
  /** The Dovecot variant the session was recorded against. */
  readonly variant: string;
  /** The `countSignals` call that produced it. */
  readonly request: {
    readonly range: { readonly since: string; readonly until: string };
    readonly granularity?: 'day' | 'week' | 'month';
    /** The counting path it was recorded on; `fewest-bytes` when absent (fixtures before the field). */
    readonly transfer?: 'fewest-bytes' | 'fewest-round-trips';
    /** Where it listed the mailboxes; `same-connection` when absent (fixtures before the field). */
    readonly mailboxListing?: 'same-connection' | 'auto';
  };
  /** The counts, computed from the seeded messages (not from the SDK). */
  readonly expected: { readonly sent: number; readonly received: number };
  /** Messages in each mailbox as seeded: what a count can never exceed. */
  readonly mailboxSizes: Readonly<Record<string, number>>;
  /** Lines the server sent before the first command. */
  readonly greeting: readonly string[];
  readonly exchanges: readonly RecordedExchange[];
}

/** The fixture file: sessions in recording order. */
export interface TranscriptFixture {
  /** How the fixture was made, e.g. `npm run fuzz:record` against Dovecot 2.3.19. */
  readonly recordedWith: string;
  readonly sessions: readonly RecordedSession[];
}

/** A proxy in front of a real server that keeps each connection's exchanges. */
export interface TranscriptRecorder {
  readonly port: number;
  /** Per connection, in accept order. */
  connections(): readonly { greeting: readonly string[]; exchanges: readonly RecordedExchange[] }[];
  close(): Promise<void>;
}

const CREDENTIAL_COMMANDS = /^(LOGIN|AUTHENTICATE)\b.*$/i;
const LITERAL_AT_END = /\{(\d+)\+?\}$/;

/**
 * Cuts a byte stream of IMAP responses into logical lines: a line ending in a literal announcement
 * `{n}` continues after the next n bytes (RFC 3501 §4.3), so a FETCH of a header stays one line.
 */
export class ResponseLineSplitter {
  #buffered = Buffer.alloc(0);
  #pieces: Buffer[] = [];
  #literalLeft = 0;

  /** Adds bytes; returns the lines completed by them (latin1, so any byte survives a round trip). */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    this.#buffered = Buffer.concat([this.#buffered, chunk]);
    for (;;) {
      if (this.#literalLeft > 0) {
        const take = Math.min(this.#literalLeft, this.#buffered.length);
        if (take === 0) return lines;
        this.#pieces.push(this.#buffered.subarray(0, take));
        this.#buffered = this.#buffered.subarray(take);
        this.#literalLeft -= take;
        continue;
      }
      const lf = this.#buffered.indexOf(0x0a);
      if (lf < 0) return lines;
      const end = lf > 0 && this.#buffered[lf - 1] === 0x0d ? lf - 1 : lf;
      const line = this.#buffered.subarray(0, end);
      this.#buffered = this.#buffered.subarray(lf + 1);
      const literal = LITERAL_AT_END.exec(line.toString('latin1'));
      if (literal) {
        this.#pieces.push(line, Buffer.from('\r\n'));
        this.#literalLeft = Number(literal[1]);
        continue;
      }
      this.#pieces.push(line);
      lines.push(Buffer.concat(this.#pieces).toString('latin1'));
      this.#pieces = [];
    }
  }
}

// What an untagged answer names: a FETCH row its FETCH, NAMESPACE/LIST/LSUB/SORT/SEARCH their
// command, an ESEARCH its tag; anything else (EXISTS, FLAGS, OK [...]) goes with the next completion.
function ownerOf(line: string): { readonly tag: string } | { readonly verb: string } | undefined {
  const correlated = /^\* ESEARCH \(TAG "([^"]+)"\)/i.exec(line);
  if (correlated) return { tag: correlated[1] ?? '' };
  if (/^\* \d+ FETCH\b/i.test(line)) return { verb: 'FETCH' };
  const named = /^\* (NAMESPACE|LIST|LSUB|SORT|SEARCH|ESEARCH)\b/i.exec(line);
  return named ? { verb: (named[1] ?? '').toUpperCase() } : undefined;
}

const verbOfCommand = (command: string): string => {
  const words = command.toUpperCase().split(' ');
  return (words[0] === 'UID' ? words[1] : words[0]) ?? '';
};

// Whether a pending untagged line goes with the completion of `tag` (its command `command`), given the
// commands still in flight: yes unless it names another command that is still in flight.
function belongsTo(
  line: string,
  tag: string,
  command: string,
  inFlight: ReadonlyMap<string, string>,
): boolean {
  const owner = ownerOf(line);
  if (owner === undefined) return true;
  if ('tag' in owner) return owner.tag === tag || !inFlight.has(owner.tag);
  if (verbOfCommand(command) === owner.verb) return true;
  return ![...inFlight.values()].some((other) => verbOfCommand(other) === owner.verb);
}

/**
 * Starts a plaintext recording proxy on 127.0.0.1 in front of `targetPort`. Untagged lines are given to
 * the command whose tagged completion follows them (a server completes commands in order).
 *
 * @param targetPort - The real server's plaintext port on 127.0.0.1.
 * @returns The running recorder.
 */
export async function startTranscriptRecorder(targetPort: number): Promise<TranscriptRecorder> {
  const recorded: { greeting: string[]; exchanges: RecordedExchange[] }[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.once('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    const connection = { greeting: [] as string[], exchanges: [] as RecordedExchange[] };
    recorded.push(connection);
    const commands = new Map<string, string>();
    let pending: string[] = [];
    let clientText = '';
    client.on('data', (chunk: Buffer) => {
      clientText += chunk.toString('latin1');
      for (let lf = clientText.indexOf('\n'); lf >= 0; lf = clientText.indexOf('\n')) {
        const line = clientText.slice(0, lf).replace(/\r$/, '');
        clientText = clientText.slice(lf + 1);
        const space = line.indexOf(' ');
        if (space > 0)
          commands.set(
            line.slice(0, space),
            line.slice(space + 1).replace(CREDENTIAL_COMMANDS, '$1 <credentials>'),
          );
      }
      upstream.write(chunk);
    });
    const splitter = new ResponseLineSplitter();
    upstream.on('data', (chunk: Buffer) => {
      for (const line of splitter.push(chunk)) {
        const tag = line.slice(0, line.indexOf(' '));
        const command = commands.get(tag);
        if (line.startsWith('* ') || line.startsWith('+') || command === undefined) {
          if (connection.exchanges.length === 0 && commands.size === 0) connection.greeting.push(line);
          else pending.push(line);
          continue;
        }
        // Pipelined commands' answers interleave (Dovecot streams a FETCH's rows, answers a NAMESPACE
        // and a LIST written after it, then completes the FETCH): an untagged line that names what it
        // answers stays with that command while it is still in flight; the replay then answers each
        // command with its own lines, in command order, as a server that does not interleave would.
        commands.delete(tag);
        const mine = pending.filter((pendingLine) => belongsTo(pendingLine, tag, command, commands));
        pending = pending.filter((pendingLine) => !mine.includes(pendingLine));
        connection.exchanges.push({ tag, command, response: [...mine, line] });
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    connections: () => recorded,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
