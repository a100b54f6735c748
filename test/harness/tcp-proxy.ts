/**
 * A TCP proxy in front of a real server (Dovecot's plaintext port), which can cut or freeze a connection
 * when the client sends a given command: faults in the middle of a real session that Dovecot itself
 * cannot be asked to produce. Plaintext only, so it can see the commands (Dovecot allows plaintext
 * login from the loopback address it listens on).
 */
import net from 'node:net';

/** What the proxy does when the client sends a line matching a trigger. */
export type ProxyFault = 'reset' | 'stall';

export interface ProxyTrigger {
  /** e.g. `/ EXAMINE /i`. */
  readonly command: RegExp;
  readonly fault: ProxyFault;
  /** Which connections (1-based, in accept order) it applies to. Default: the first only. */
  readonly connections?: readonly number[];
}

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** Client connections open now: accepted, and neither ended nor closed by the client or the proxy. */
  open(): number;
  /** The most client connections that were open at once. */
  peakOpen(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, trigger?: ProxyTrigger): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let open = 0;
  let peakOpen = 0;
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    accepted += 1;
    const id = accepted;
    open += 1;
    peakOpen = Math.max(peakOpen, open);
    let counted = true;
    // The first sign of the end, whichever side: the client's FIN arrives before its socket's 'close'.
    const uncount = () => {
      if (!counted) return;
      counted = false;
      open -= 1;
    };
    client.once('end', uncount);
    client.once('close', uncount);
    track(client);
    const upstream = net.connect(targetPort, '127.0.0.1');
    track(upstream);
    const armed = trigger !== undefined && (trigger.connections ?? [1]).includes(id);
    let stalled = false;
    upstream.on('data', (chunk: Buffer) => {
      if (!stalled) client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      if (stalled) return;
      if (armed && trigger.command.test(chunk.toString('latin1'))) {
        if (trigger.fault === 'reset') {
          client.resetAndDestroy();
          upstream.destroy();
          return;
        }
        stalled = true;
        return;
      }
      upstream.write(chunk);
    });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no address');
  return {
    port: address.port,
    connections: () => accepted,
    open: () => open,
    peakOpen: () => peakOpen,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      // Let libuv release the closed handles before a test counts them.
      for (let hop = 0; hop < 2; hop += 1) await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
}
