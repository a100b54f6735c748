// Fetches a clientConfig document (the domain's autoconfig, its .well-known copy, the ISPDB) within bounds.
import type { ParsedEmailAddress } from './email-address.js';

/** The `fetch` discovery uses: the global one, or a host's (a proxy-aware one, a test's). */
export type DiscoveryFetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * Where the clientConfig documents are fetched from. `{domain}` becomes the ASCII domain and `{email}`
 * the URL-encoded address.
 */
export interface DiscoveryUrlTemplates {
  /** The domain's autoconfig host. Default `https://autoconfig.{domain}/mail/config-v1.1.xml?emailaddress={email}`. */
  readonly autoconfig: string;
  /** The domain's own web server. Default `https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml`. */
  readonly wellKnown: string;
  /** Thunderbird's ISP database (sees only the domain). Default `https://autoconfig.thunderbird.net/v1.1/{domain}`. */
  readonly ispdb: string;
}

/**
 * The URLs Thunderbird uses (https only: the address is never sent in clear text).
 *
 * @example
 * ```ts
 * // A company mirror of the ISPDB instead of Thunderbird's server.
 * await discoverSettings(email, { urls: { ...defaultDiscoveryUrls, ispdb: 'https://ispdb.internal/v1.1/{domain}' } });
 * ```
 */
export const defaultDiscoveryUrls: DiscoveryUrlTemplates = {
  autoconfig: 'https://autoconfig.{domain}/mail/config-v1.1.xml?emailaddress={email}',
  wellKnown: 'https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml',
  ispdb: 'https://autoconfig.thunderbird.net/v1.1/{domain}',
};

/** A fetched document, or how the fetch ended. */
export type FetchedDocument =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly outcome: 'not_found' | 'failed' | 'timed_out'; readonly detail: string };

/**
 * Fills a URL template for an address.
 *
 * @param template - A {@link DiscoveryUrlTemplates} entry.
 * @param email - The address.
 * @returns The URL.
 */
export function expandUrlTemplate(template: string, email: ParsedEmailAddress): string {
  return template
    .replaceAll('{domain}', email.domain)
    .replaceAll('{email}', encodeURIComponent(email.address));
}

/**
 * Fetches a document of at most `maxBytes`, giving up when `signal` aborts. Never throws.
 *
 * @param url - The URL.
 * @param options - The fetch to use, the abort signal (the shared deadline) and the size cap.
 * @returns The text, or why there is none.
 */
export async function fetchBoundedDocument(
  url: string,
  options: { readonly fetch: DiscoveryFetch; readonly signal: AbortSignal; readonly maxBytes: number },
): Promise<FetchedDocument> {
  try {
    const response = await options.fetch(url, {
      signal: options.signal,
      redirect: 'follow',
      headers: { accept: 'application/xml, text/xml;q=0.9, */*;q=0.1' },
    });
    // A redirect from https to http would send the address (in the query) in clear text next time, and
    // lets anyone on the path answer: refuse it, as Thunderbird does.
    if (url.startsWith('https:') && response.url !== '' && !response.url.startsWith('https:')) {
      await response.body?.cancel();
      return { ok: false, outcome: 'failed', detail: `redirected to a non-HTTPS address (${response.url})` };
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      return { ok: false, outcome: 'not_found', detail: `HTTP ${response.status}` };
    }
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, outcome: 'failed', detail: `HTTP ${response.status}` };
    }
    const text = await readBounded(response, options.maxBytes);
    if (text === undefined) {
      return { ok: false, outcome: 'failed', detail: `response larger than ${options.maxBytes} bytes` };
    }
    return { ok: true, text };
  } catch (error) {
    if (options.signal.aborted)
      return { ok: false, outcome: 'timed_out', detail: 'no answer before the deadline' };
    const detail = describeFetchError(error);
    // No such host: the domain publishes no autoconfig server, the commonest answer.
    return { ok: false, outcome: detail === 'ENOTFOUND' ? 'not_found' : 'failed', detail };
  }
}

async function readBounded(response: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    return undefined;
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

function describeFetchError(error: unknown): string {
  // node:http reports the network error's code on the error; the global fetch on its cause.
  for (const candidate of [error, error instanceof Error ? error.cause : undefined]) {
    const code = (candidate as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code === 'string') return code;
  }
  return error instanceof Error ? error.message : String(error);
}
