import net from 'node:net';

/** A TCP proxy in front of a real server that keeps every line the client sent. */
export interface RecordingProxy {
  readonly port: number;
  /** Client lines, in order, over all connections (CRLF removed). */
  clientLines(): readonly string[];
  /**
   * Client lines grouped by flight, over all connections in the order the flights began: a new flight
   * starts when the client writes on a connection after the server has written on it since the client's
   * last write there. Pipelined commands share a flight; each awaited round trip starts a new one.
   */
  flights(): readonly (readonly string[])[];
  /** The same flights per connection, connections in the order they were accepted. */
  flightsByConnection(): readonly (readonly (readonly string[])[])[];
  /** Tagged commands the client sent, upper-cased up to their arguments, e.g. `UID FETCH 1:4 (UID INTERNALDATE)`. */
  commands(): readonly string[];
  /** How each withholding ({@link WithheldAnswers}) ended, in order: the client's line, or the timeout. */
  releases(): readonly ('client-line' | 'timeout')[];
  close(): Promise<void>;
}

/**
 * Withholds the server's bytes on a connection from the moment the client sends a line matching `from`
 * there until it sends one matching `until` on any connection (or `maxMs` passes): shows whether a
 * client writes a command without waiting for an answer. Once per proxy: the first line matching
 * `from` starts it.
 */
export interface WithheldAnswers {
  readonly from: RegExp;
  readonly until: RegExp;
  readonly maxMs: number;
}

const TAGGED = /^[A-Za-z0-9.]+ ([A-Za-z]+(?: [A-Za-z]+)?)(.*)$/;

/**
 * Starts a plaintext proxy on 127.0.0.1 that forwards to `targetPort` and records what the client says,
 * so a test can check the exact commands the SDK sends to a real server (use `security: 'none'` against
 * the loopback port, where Dovecot accepts a plaintext login).
 *
 * @param targetPort - The real server's plaintext port on 127.0.0.1.
 * @param withhold - Answers to hold back, if any.
 * @returns The running proxy.
 */
export async function startRecordingProxy(
  targetPort: number,
  withhold?: WithheldAnswers,
): Promise<RecordingProxy> {
  const lines: string[] = [];
  const releases: ('client-line' | 'timeout')[] = [];
  let withholdArmed = withhold !== undefined;
  // Releases the connection being withheld, if any, when a line on any connection matches `until`.
  let releaseOnLine: ((line: string) => void) | undefined;
  const flights: string[][] = [];
  const byConnection: string[][][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const ownFlights: string[][] = [];
    byConnection.push(ownFlights);
    let serverSpoke = true;
    let pending = '';
    let withheld: { chunks: Buffer[]; timer: NodeJS.Timeout; closeAfter: boolean } | undefined;
    const release = (reason: 'client-line' | 'timeout') => {
      if (withheld === undefined) return;
      clearTimeout(withheld.timer);
      // What the client receives now starts a new flight, as if the server had just written it.
      if (withheld.chunks.length > 0) serverSpoke = true;
      for (const chunk of withheld.chunks) client.write(chunk);
      const closeAfter = withheld.closeAfter;
      withheld = undefined;
      releases.push(reason);
      if (closeAfter) client.end();
    };
    const watch = (line: string) => {
      if (withhold === undefined) return;
      releaseOnLine?.(line);
      if (!withholdArmed || !withhold.from.test(line)) return;
      withholdArmed = false;
      withheld = {
        chunks: [],
        timer: setTimeout(() => release('timeout'), withhold.maxMs),
        closeAfter: false,
      };
      releaseOnLine = (anyLine) => {
        if (!withhold.until.test(anyLine)) return;
        releaseOnLine = undefined;
        release('client-line');
      };
    };
    client.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      if (serverSpoke) {
        const flight: string[] = [];
        flights.push(flight);
        ownFlights.push(flight);
      }
      serverSpoke = false;
      let end = pending.indexOf('\n');
      while (end >= 0) {
        const line = pending.slice(0, end).replace(/\r$/, '');
        lines.push(line);
        ownFlights[ownFlights.length - 1]?.push(line);
        watch(line);
        pending = pending.slice(end + 1);
        end = pending.indexOf('\n');
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (withheld !== undefined) {
        withheld.chunks.push(chunk);
        return;
      }
      serverSpoke = true;
      client.write(chunk);
    });
    const closeBoth = () => {
      if (withheld !== undefined) clearTimeout(withheld.timer);
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', closeBoth);
    client.on('close', closeBoth);
    upstream.on('error', closeBoth);
    // The server's close is withheld with its answers (it closes after answering LOGOUT): the client
    // learns of it once they are released.
    upstream.on('close', () => {
      if (withheld === undefined) closeBoth();
      else withheld.closeAfter = true;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    clientLines: () => [...lines],
    flights: () => flights.map((flight) => [...flight]),
    flightsByConnection: () => byConnection.map((own) => own.map((flight) => [...flight])),
    commands: () =>
      lines.flatMap((line) => {
        const match = TAGGED.exec(line);
        if (!match) return [];
        const verb = (match[1] ?? '').toUpperCase();
        // "UID FETCH", "UID SEARCH": keep the pair; otherwise the second word is an argument.
        const name = verb.startsWith('UID ') ? verb : (verb.split(' ')[0] ?? verb);
        const rest = verb.startsWith('UID ')
          ? (match[2] ?? '')
          : line.slice(line.indexOf(' ') + 1 + name.length);
        return [`${name}${rest}`];
      }),
    releases: () => [...releases],
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
