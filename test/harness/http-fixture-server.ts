/**
 * A loopback HTTP server that serves autoconfig fixtures by path, and can misbehave on purpose: stall
 * (accept the request and never answer), or stream an endless body. Every response closes its
 * connection, so a finished test leaves no keep-alive socket behind.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What one path answers. */
export type HttpFixture =
  | {
      readonly kind: 'document';
      readonly body: string;
      readonly status?: number;
      readonly contentType?: string;
    }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'stall' }
  /** Streams `chunkBytes` chunks of filler without a length until the client goes away. */
  | { readonly kind: 'endless'; readonly chunkBytes: number };

export interface HttpFixtureServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Every request's path and query, in arrival order. */
  readonly requests: string[];
  /** Path (without query) → fixture; other paths answer 404. Editable between tests. */
  readonly routes: Map<string, HttpFixture>;
  /** Resolves with the first request (past or future) whose path starts with `prefix`. */
  waitForRequest(prefix: string): Promise<string>;
  /** Bytes written by `endless` fixtures so far. */
  endlessBytesWritten(): number;
  close(): Promise<void>;
}

export async function startHttpFixtureServer(): Promise<HttpFixtureServer> {
  const requests: string[] = [];
  const routes = new Map<string, HttpFixture>();
  let endlessBytes = 0;
  const arrivals = new EventEmitter();
  const server = http.createServer((request, response) => {
    const target = request.url ?? '/';
    requests.push(target);
    arrivals.emit('request', target);
    response.shouldKeepAlive = false;
    const fixture = routes.get(new URL(target, 'http://fixture').pathname);
    if (fixture === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    switch (fixture.kind) {
      case 'document':
        response
          .writeHead(fixture.status ?? 200, {
            'content-type': fixture.contentType ?? 'text/xml; charset=utf-8',
          })
          .end(fixture.body);
        return;
      case 'status':
        response.writeHead(fixture.status).end();
        return;
      case 'redirect':
        response.writeHead(302, { location: fixture.location }).end();
        return;
      case 'stall':
        // Node's server keeps a half-closed socket with a pending response: close it when the client leaves.
        request.socket.once('end', () => request.socket.destroy());
        return;
      case 'endless': {
        response.writeHead(200, { 'content-type': 'text/xml' });
        const chunk = Buffer.alloc(fixture.chunkBytes, 0x61);
        const pump = (): void => {
          while (!response.destroyed && response.write(chunk)) endlessBytes += chunk.length;
          if (!response.destroyed) {
            endlessBytes += chunk.length;
            response.once('drain', pump);
          }
        };
        pump();
        return;
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    routes,
    waitForRequest: (prefix) =>
      new Promise((resolve) => {
        const seen = requests.find((target) => target.startsWith(prefix));
        if (seen !== undefined) return resolve(seen);
        const listener = (target: string) => {
          if (!target.startsWith(prefix)) return;
          arrivals.off('request', listener);
          resolve(target);
        };
        arrivals.on('request', listener);
      }),
    endlessBytesWritten: () => endlessBytes,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
