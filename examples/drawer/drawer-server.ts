/**
 * The reference drawer's back end: how a host app serves the "Connect IMAP" drawer with this SDK, on
 * node:http alone. Settings live in this process's memory; the password goes in with Save and never
 * comes back out (GET answers `hasPassword`).
 *
 *   GET  /api/settings          → { email, host, port, username, hasPassword }
 *   PUT  /api/settings          ← { email, host, port, username, password? } (no password: keep the saved one)
 *   POST /api/discover          ← { email } → the best host, port and username found, with where from
 *   POST /api/test              → the SDK's ConnectionTestResult, with its httpStatus on failure
 *   GET  /api/counts?tz=Zone    → the last 30 days (today included), sent and received per day
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { DateTime, IANAZone } from 'luxon';
import {
  type DiscoverSettingsOptions,
  discoverSettings,
  formatCatalogMessage,
  ImapConnector,
  type ImapConnectorConfigInput,
  ImapConnectorError,
} from '../../src/index.js';

/** Where the drawer's static files are. */
const PUBLIC_DIRECTORY = path.join(import.meta.dirname, 'public');
const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/drawer.js': { file: 'drawer.js', type: 'text/javascript; charset=utf-8' },
  '/drawer.css': { file: 'drawer.css', type: 'text/css; charset=utf-8' },
};
const MAX_BODY_BYTES = 64 * 1024;
const CHART_DAYS = 30;

/** How the host deploys the drawer. */
export interface DrawerServerOptions {
  /**
   * Certificate authorities every connection trusts besides the system's (a self-hosted deployment's
   * own CA; the drawer has no field for it). Default: none.
   */
  readonly trustedCa?: readonly string[] | undefined;
  /**
   * Options for `discoverSettings` behind the Discover button (a private DNS resolver, fewer sources);
   * default: the SDK's defaults.
   */
  readonly discovery?: Omit<DiscoverSettingsOptions, 'signal'> | undefined;
}

/** The saved settings, password included: this object never leaves the process. */
interface SavedSettings {
  readonly email: string;
  readonly host: string;
  readonly port: string;
  readonly username: string;
  readonly password: string;
}

/** The saved settings as the browser may see them. */
interface PublicSettings {
  readonly email: string;
  readonly host: string;
  readonly port: string;
  readonly username: string;
  readonly hasPassword: boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Creates the drawer's HTTP server (not yet listening).
 *
 * @param options - Trusted CAs and discovery.
 * @returns The server; call `listen(port, '127.0.0.1')`.
 */
export function createDrawerServer(options: DrawerServerOptions = {}): http.Server {
  let saved: SavedSettings | undefined;
  const tls = options.trustedCa === undefined ? {} : { tls: { ca: [...options.trustedCa] } };

  const connectorInput = (settings: SavedSettings): ImapConnectorConfigInput => ({
    host: settings.host,
    port: settings.port,
    username: settings.username,
    password: settings.password,
    ...tls,
  });
  const publicView = (settings: SavedSettings | undefined): PublicSettings => ({
    email: settings?.email ?? '',
    host: settings?.host ?? '',
    port: settings?.port ?? '',
    username: settings?.username ?? '',
    hasPassword: settings !== undefined && settings.password !== '',
  });

  const routes: Record<string, (request: http.IncomingMessage, url: URL) => Promise<[number, unknown]>> = {
    'GET /api/settings': async () => [200, publicView(saved)],
    'PUT /api/settings': async (request) => {
      const body = await jsonBody(request);
      const password = text(body, 'password');
      const next: SavedSettings = {
        email: text(body, 'email').trim(),
        host: text(body, 'host'),
        port: text(body, 'port').trim(),
        username: text(body, 'username'),
        // An empty field means "keep the saved password": the page never has it to send back.
        password: password === '' ? (saved?.password ?? '') : password,
      };
      const validation = ImapConnector.validateConfig(connectorInput(next));
      if (!validation.ok) {
        return [400, { ok: false, issues: validation.issues, settings: publicView(saved) }];
      }
      saved = next;
      return [200, { ok: true, warnings: validation.warnings, settings: publicView(saved) }];
    },
    'POST /api/discover': async (request) => {
      const email = text(await jsonBody(request), 'email');
      const found = await discoverSettings(email, {
        ...options.discovery,
        signal: AbortSignal.timeout(15_000),
      });
      if (!found.ok)
        return [400, { ok: false, message: found.issues.map((issue) => issue.message).join(' ') }];
      const best = found.candidates[0];
      if (best === undefined) {
        const wrong = found.wrongConnector;
        return wrong === null
          ? [
              404,
              {
                ok: false,
                message: 'No IMAP settings found: enter them from your provider’s documentation.',
              },
            ]
          : [200, { ok: false, message: wrong.message, fix: wrong.fix }];
      }
      const { host, port, username } = best.settings;
      const from = best.provider === null ? best.source : `${best.provider} (${best.source})`;
      return [200, { ok: true, host, port, username, from, confidence: best.confidence, notes: best.notes }];
    },
    'POST /api/test': async () => {
      const result = await connectorOf().testConnection({ signal: AbortSignal.timeout(30_000) });
      return [result.ok ? 200 : result.httpStatus, result];
    },
    'GET /api/counts': async (_request, url) => {
      const zone = url.searchParams.get('tz') ?? 'UTC';
      if (!IANAZone.isValidZone(zone)) throw new HttpError(400, `Unknown time zone ${zone}.`);
      // The last 30 calendar days of the admin's zone, today included, as the SDK's calendar range.
      const today = DateTime.now().setZone(zone);
      const counts = await connectorOf().countSignals(
        { from: today.minus({ days: CHART_DAYS - 1 }).toISODate() ?? '', to: today.toISODate() ?? '' },
        { granularity: 'day', timeZone: zone, retry: { attempts: 1 } },
      );
      return [
        200,
        {
          timeZone: zone,
          sent: counts.sent,
          received: counts.received,
          days: counts.buckets.map((bucket) => ({
            date: bucket.label,
            sent: bucket.sent,
            received: bucket.received,
          })),
        },
      ];
    },
  };

  const connectorOf = (): ImapConnector => {
    if (saved === undefined) throw new HttpError(409, 'Save the settings first.');
    return new ImapConnector(connectorInput(saved));
  };

  return http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://drawer.invalid');
    const asset = request.method === 'GET' ? STATIC_FILES[url.pathname] : undefined;
    if (asset !== undefined) {
      response.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-store' });
      response.end(readFileSync(path.join(PUBLIC_DIRECTORY, asset.file)));
      return;
    }
    const route = routes[`${request.method} ${url.pathname}`];
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
      });
      response.end(JSON.stringify(body));
    };
    if (route === undefined) return reply(404, { ok: false, message: 'Not found' });
    route(request, url).then(
      ([status, body]) => reply(status, body),
      (error: unknown) => {
        if (error instanceof HttpError) return reply(error.status, { ok: false, message: error.message });
        // The SDK's errors carry the catalog message and fix, and never the password.
        if (error instanceof ImapConnectorError)
          return reply(error.httpStatus, { ok: false, ...error.toJSON() });
        reply(500, { ok: false, message: formatCatalogMessage('UNKNOWN') });
      },
    );
  });
}

async function jsonBody(request: http.IncomingMessage): Promise<Record<string, unknown>> {
  if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new HttpError(415, 'Send JSON.');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'Too large.');
    chunks.push(chunk as Buffer);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'Send valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, 'Send a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

function text(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw new HttpError(400, `${field} must be text.`);
  return value;
}
