/**
 * A plaintext TCP proxy in front of a real server that rewrites whole server lines on their way to the
 * client: a real Dovecot session whose words are changed to another vendor's (Cyrus's or Courier's login
 * refusal, which has no RFC 5530 response code), where Dovecot itself cannot be configured to say them.
 * Lines are re-terminated with CRLF: fine for login exchanges, not for literals holding a bare LF.
 */
import net from 'node:net';
import { closeTogether } from './close-together.js';

export interface RewritingProxy {
  readonly port: number;
  /** Server lines (CRLF removed) before rewriting, over all connections. */
  serverLines(): readonly string[];
  close(): Promise<void>;
}

/**
 * @param targetPort - The real server's plaintext port on 127.0.0.1.
 * @param rewrite - Called with each complete server line (without CRLF); returns the line to send.
 * @param rewriteClientLine - Called with each complete client line (without CRLF) when given; returns
 *   the line the server gets (commands without literals only).
 */
export async function startRewritingProxy(
  targetPort: number,
  rewrite: (line: string) => string,
  rewriteClientLine?: (line: string) => string,
): Promise<RewritingProxy> {
  const original: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    let pending = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      let end = pending.indexOf(0x0a);
      while (end >= 0) {
        const line = pending.subarray(0, end).toString('latin1').replace(/\r$/, '');
        pending = pending.subarray(end + 1);
        original.push(line);
        client.write(Buffer.from(`${rewrite(line)}\r\n`, 'latin1'));
        end = pending.indexOf(0x0a);
      }
    });
    let fromClient = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      if (rewriteClientLine === undefined) {
        upstream.write(chunk);
        return;
      }
      fromClient = Buffer.concat([fromClient, chunk]);
      const lines: string[] = [];
      for (let end = fromClient.indexOf(0x0a); end >= 0; end = fromClient.indexOf(0x0a)) {
        lines.push(rewriteClientLine(fromClient.subarray(0, end).toString('latin1').replace(/\r$/, '')));
        fromClient = fromClient.subarray(end + 1);
      }
      if (lines.length > 0)
        upstream.write(Buffer.from(lines.map((line) => `${line}\r\n`).join(''), 'latin1'));
    });
    closeTogether(client, upstream, () => {
      sockets.delete(client);
      sockets.delete(upstream);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    serverLines: () => [...original],
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
