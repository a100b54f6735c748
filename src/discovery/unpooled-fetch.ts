// The default fetch for autoconfig documents: node:http(s) with one connection per request, no pool.
//
// Why not the global fetch: after an aborted request, Node's fetch (undici) opens a fresh pooled
// connection to the same host and leaves it idle. Discovery talks once to hosts it will never see
// again and aborts at its deadline, so it takes a connection per request and closes it, and nothing
// is left open when the call returns.
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import type { DiscoveryFetch } from './autoconfig-lookup.js';

const MAX_REDIRECTS = 5;
// Fetch's null-body statuses: a Response cannot be built with a body for these.
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A `fetch` for GET requests that follows up to five redirects (never from https to http) and honours
 * `init.signal`. The response's body streams from the socket; cancelling it closes the connection.
 *
 * @param url - The URL (http or https).
 * @param init - `signal` and `headers` are used; the method is always GET.
 * @returns The final response.
 */
export const unpooledFetch: DiscoveryFetch = async (url, init) => {
  let current = new URL(url);
  for (let redirects = 0; ; redirects += 1) {
    const response = await getOnce(current, init);
    const location = response.headers['location'];
    if (
      response.statusCode === undefined ||
      response.statusCode < 300 ||
      response.statusCode >= 400 ||
      !location
    ) {
      return toResponse(response);
    }
    response.destroy();
    if (redirects === MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
    const next = new URL(location, current);
    // A downgrade would let anyone on the path answer (and see the address in the query).
    if (current.protocol === 'https:' && next.protocol !== 'https:') {
      throw new Error(`redirected to a non-HTTPS address (${next.href})`);
    }
    current = next;
  }
};

function getOnce(url: URL, init: RequestInit): Promise<http.IncomingMessage> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new Error(`unsupported URL scheme ${url.protocol}`));
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, {
      agent: false,
      headers: { ...(init.headers as Record<string, string> | undefined), connection: 'close' },
      ...(init.signal ? { signal: init.signal } : {}),
    });
    request.once('response', resolve);
    request.once('error', reject);
  });
}

function toResponse(message: http.IncomingMessage): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  const status = message.statusCode ?? 502;
  if (NULL_BODY_STATUSES.has(status)) {
    message.destroy();
    return new Response(null, { status, headers });
  }
  return new Response(Readable.toWeb(message) as ReadableStream<Uint8Array>, { status, headers });
}
