/** A TCP proxy in front of a real server that records what the client says on each connection apart, and can drop some. */
import net from 'node:net';
import { closeTogether } from './close-together.js';

/** What the proxy saw, one entry per client connection, in the order they arrived. */
export interface ConnectionRecordingProxy {
  readonly port: number;
  /** Per connection: the tagged commands' names (`LOGIN`, `EXAMINE`, `UID FETCH`, …), in order. */
  commandsByConnection(): readonly (readonly string[])[];
  /**
   * Every command sent and every tagged completion answered, across connections in the order the proxy
   * passed them on: `{ connection, command }` or `{ connection, answered }` (the completed command's name).
   */
  events(): readonly ProxyEvent[];
  /** Connections accepted so far (dropped ones included). */
  connectionCount(): number;
  /** Connections the client or proxy has not closed yet. */
  openConnections(): number;
  close(): Promise<void>;
}

/** A command the client sent, or the server's completion of one, on connection `connection` (0-based). */
export type ProxyEvent =
  | { readonly connection: number; readonly command: string; readonly answered?: undefined }
  | { readonly connection: number; readonly answered: string; readonly command?: undefined };

/** Which connections to drop, by their 0-based arrival index: at once, or when the client sends LOGIN. */
export interface ConnectionRecordingOptions {
  readonly drop?: ((index: number) => 'at-connect' | 'at-login' | undefined) | undefined;
  /**
   * Holds a command back: when connection `index` sends a tagged command `name` (`UID SEARCH`, …) and
   * this returns a promise, the bytes before that command's line are passed on at once and the rest
   * (the command and whatever follows, pipelined or later) only once the promise settles.
   */
  readonly hold?: ((index: number, name: string) => Promise<void> | undefined) | undefined;
}

const TAGGED = /^([A-Za-z0-9.]+) (UID [A-Za-z]+|[A-Za-z]+)/;
const COMPLETION = /^([A-Za-z0-9.]+) (?:OK|NO|BAD)\b/i;

/**
 * Starts a plaintext proxy on 127.0.0.1 that forwards to `targetPort`, recording each connection's
 * commands apart; a connection `drop` selects is closed before the server's greeting reaches it, or
 * when the client sends LOGIN (before the server sees it).
 *
 * @param targetPort - The real server's plaintext port on 127.0.0.1.
 * @param options - Which connections to drop.
 * @returns The running proxy.
 */
export async function startConnectionRecordingProxy(
  targetPort: number,
  options: ConnectionRecordingOptions = {},
): Promise<ConnectionRecordingProxy> {
  const connections: string[][] = [];
  const events: ProxyEvent[] = [];
  const sockets = new Set<net.Socket>();
  let open = 0;
  const server = net.createServer((client) => {
    const index = connections.length;
    const commands: string[] = [];
    connections.push(commands);
    const drop = options.drop?.(index);
    if (drop === 'at-connect') {
      client.destroy();
      return;
    }
    open += 1;
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    let pending = '';
    const tags = new Map<string, string>();
    // Chunks are passed on in order, each once the ones before it were (a held command holds the rest).
    let forwarding = Promise.resolve();
    const forward = async (chunk: Buffer) => {
      // `pending` starts with the part of a line already passed on with an earlier chunk.
      const carried = pending.length;
      pending += chunk.toString('latin1');
      let written = 0;
      let start = 0;
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
        const match = TAGGED.exec(pending.slice(start, end));
        const name = (match?.[2] ?? '').toUpperCase();
        if (match) {
          commands.push(name);
          tags.set(match[1] ?? '', name);
          events.push({ connection: index, command: name });
        }
        if (drop === 'at-login' && name === 'LOGIN') {
          client.destroy();
          return;
        }
        const held = match ? options.hold?.(index, name) : undefined;
        if (held !== undefined) {
          const cut = Math.max(start - carried, written);
          upstream.write(chunk.subarray(written, cut));
          written = cut;
          await held;
        }
        start = end + 1;
      }
      pending = pending.slice(start);
      if (written < chunk.length) upstream.write(chunk.subarray(written));
    };
    client.on('data', (chunk: Buffer) => {
      forwarding = forwarding
        .then(() => forward(chunk))
        .catch(() => {
          client.destroy();
        });
    });
    let answers = '';
    upstream.on('data', (chunk: Buffer) => {
      answers += chunk.toString('latin1');
      let end = answers.indexOf('\n');
      while (end >= 0) {
        const tag = COMPLETION.exec(answers.slice(0, end))?.[1];
        const name = tag === undefined ? undefined : tags.get(tag);
        if (name !== undefined) events.push({ connection: index, answered: name });
        answers = answers.slice(end + 1);
        end = answers.indexOf('\n');
      }
      client.write(chunk);
    });
    let closed = false;
    closeTogether(client, upstream, () => {
      if (!closed) open -= 1;
      closed = true;
      sockets.delete(client);
      sockets.delete(upstream);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    commandsByConnection: () => connections.map((commands) => [...commands]),
    events: () => [...events],
    connectionCount: () => connections.length,
    openConnections: () => open,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
