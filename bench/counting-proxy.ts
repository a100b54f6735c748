import net from 'node:net';

/** What one proxy saw since the last reset. */
export interface ProxyCounters {
  /** Bytes the server sent to the client. */
  bytesReceived: number;
  /** Bytes the client sent. */
  bytesSent: number;
  /** Client lines that start with a tag and a command: IMAP commands (continuation data excluded). */
  commands: number;
  /** Of those, LOGIN and AUTHENTICATE commands: the logins the client attempted. */
  logins: number;
}

/**
 * A TCP proxy in front of a server port that counts bytes in both directions and the IMAP commands the
 * client sends. It sees TLS as opaque bytes: commands are only counted on plaintext connections.
 */
export class CountingProxy {
  readonly counters: ProxyCounters = { bytesReceived: 0, bytesSent: 0, commands: 0, logins: 0 };
  /**
   * Delay added to each direction, in ms (a round trip gains twice this): a link to a distant server.
   * Chunks keep their order (timers of one delay fire in order); both sockets have TCP_NODELAY, so
   * Nagle and delayed ACKs add nothing on top.
   */
  oneWayDelayMs = 0;
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();

  private constructor(server: net.Server) {
    this.#server = server;
  }

  /**
   * Listens on a free loopback port.
   *
   * @param targetPort - The server's port on 127.0.0.1.
   * @returns The proxy; its port is {@link port}.
   */
  static async start(targetPort: number): Promise<CountingProxy> {
    let proxy: CountingProxy | undefined;
    const server = net.createServer((client) => proxy?.relay(client, targetPort));
    proxy = new CountingProxy(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  reset(): void {
    this.counters.bytesReceived = 0;
    this.counters.bytesSent = 0;
    this.counters.commands = 0;
    this.counters.logins = 0;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #forward(to: net.Socket, chunk: Buffer): void {
    if (this.oneWayDelayMs <= 0) {
      to.write(chunk);
      return;
    }
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, this.oneWayDelayMs);
  }

  relay(client: net.Socket, targetPort: number): void {
    const upstream = net.connect(targetPort, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    this.#sockets.add(client);
    this.#sockets.add(upstream);
    let pending = '';
    client.on('data', (chunk: Buffer) => {
      this.counters.bytesSent += chunk.length;
      pending += chunk.toString('latin1');
      const lines = pending.split('\r\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!/^[A-Za-z0-9.]+ [A-Za-z]+( |$)/.test(line)) continue;
        this.counters.commands += 1;
        if (/^\S+ (?:LOGIN|AUTHENTICATE)( |$)/i.test(line)) this.counters.logins += 1;
      }
      if (pending.length > 65_536) pending = '';
      this.#forward(upstream, chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      this.counters.bytesReceived += chunk.length;
      this.#forward(client, chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    // A close travels the link like data: after the chunks still delayed in flight (a LOGOUT's answer).
    const closeLater = () => (this.oneWayDelayMs > 0 ? setTimeout(close, this.oneWayDelayMs) : close());
    client.on('close', closeLater);
    upstream.on('close', closeLater);
    client.on('error', close);
    upstream.on('error', close);
  }
}
