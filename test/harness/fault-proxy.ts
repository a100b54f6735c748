/**
 * A TCP proxy in front of a real server that drops a share of its connections part-way, as a flaky
 * network or load balancer does: per connection, chosen by a seeded draw, it either passes everything,
 * or after a random number of server bytes sends a RST (`reset`) or closes without a word (`close`,
 * FIN without BYE). Plaintext only.
 */
import net from 'node:net';
import { randomSource } from './fault-random.js';

export interface FaultProxyOptions {
  /** Share of connections reset part-way, 0..1. */
  readonly resetRate: number;
  /** Share of connections closed (FIN) part-way, 0..1. */
  readonly closeRate: number;
  /** A faulty connection is cut after a uniform number of server bytes in [0, this). */
  readonly cutWithinBytes: number;
  readonly seed: number;
}

export interface FaultProxy {
  readonly port: number;
  /** Connections accepted, and how each ended up: `clean`, `reset`, `close`. */
  stats(): { readonly connections: number; readonly reset: number; readonly close: number };
  close(): Promise<void>;
}

/**
 * Starts the proxy on 127.0.0.1.
 *
 * @param targetPort - The real server's plaintext port on 127.0.0.1.
 * @param options - Fault rates, where to cut, seed.
 * @returns The running proxy.
 */
export async function startFaultProxy(targetPort: number, options: FaultProxyOptions): Promise<FaultProxy> {
  const random = randomSource(options.seed);
  const sockets = new Set<net.Socket>();
  const counts = { connections: 0, reset: 0, close: 0 };
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    counts.connections += 1;
    track(client);
    const upstream = net.connect(targetPort, '127.0.0.1');
    track(upstream);
    const draw = random();
    const fault =
      draw < options.resetRate ? 'reset' : draw < options.resetRate + options.closeRate ? 'close' : undefined;
    let budget =
      fault === undefined ? Number.POSITIVE_INFINITY : Math.floor(random() * options.cutWithinBytes);
    let cut = false;
    upstream.on('data', (chunk: Buffer) => {
      if (cut) return;
      if (chunk.length < budget) {
        budget -= chunk.length;
        client.write(chunk);
        return;
      }
      cut = true;
      if (budget > 0) client.write(chunk.subarray(0, budget));
      upstream.destroy();
      if (fault === 'reset') {
        counts.reset += 1;
        // After the data already written: "a reset that arrives just after data".
        client.resetAndDestroy();
      } else {
        counts.close += 1;
        client.end();
      }
    });
    client.on('data', (chunk: Buffer) => {
      if (!cut) upstream.write(chunk);
    });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => {
      if (!cut) client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    stats: () => ({ ...counts }),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      for (let hop = 0; hop < 2; hop += 1) await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
}
