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
        connection.exchanges.push({ tag, command, response: [...pending, line] });
        pending = [];
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
