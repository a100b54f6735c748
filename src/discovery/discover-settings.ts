// discoverSettings(): turns an email address into ranked IMAP settings, all lookups in parallel, one deadline.
import { Resolver } from 'node:dns/promises';
import type { FieldIssue } from '../errors/failure-detail.js';
import { ImapConnectorError } from '../errors/imap-connector-error.js';
import {
  type DiscoveryFetch,
  type DiscoveryUrlTemplates,
  defaultDiscoveryUrls,
} from './autoconfig-lookup.js';
import { firstByPrecedence, mergeCandidates } from './candidate-ranking.js';
import {
  type DiscoveryResolver,
  type LookupContext,
  lookUpClientConfig,
  lookUpMx,
  lookUpPreset,
  lookUpSrv,
  type SourceFinding,
  timedOutLookup,
  withoutUnsupportedHosts,
} from './discovery-lookups.js';
import { type DiscoveryResult, type DiscoverySource, discoverySources } from './discovery-result.js';
import { type ParsedEmailAddress, parseEmailAddress } from './email-address.js';
import { unpooledFetch } from './unpooled-fetch.js';

/** Options of {@link discoverSettings}. */
export interface DiscoverSettingsOptions {
  /** Cancels discovery; it then rejects with code `ABORTED` at once. */
  readonly signal?: AbortSignal | undefined;
  /**
   * The whole call's deadline, in milliseconds: lookups still running then are reported as `timed_out`
   * and the call resolves with what the others found. Default 5 000; at most 60 000.
   */
  readonly timeoutMs?: number | undefined;
  /** Which sources to use. Default: all of {@link discoverySources}. Leave out `ispdb` to keep the domain from Thunderbird's server. */
  readonly sources?: readonly DiscoverySource[] | undefined;
  /**
   * The DNS resolver for SRV and MX queries, e.g. a `dns.promises.Resolver` with `setServers([...])`.
   * Default: a resolver of its own on the system's DNS servers, cancelled at the deadline. A resolver
   * passed here is not cancelled (others may share it): its late answers are ignored, so give it a
   * `timeout` if it must not outlive the call.
   */
  readonly resolver?: DiscoveryResolver | undefined;
  /**
   * The `fetch` for autoconfig documents (a proxy-aware one, say). Default: a GET over node:http(s)
   * with one connection per request, closed when done or aborted, following at most 5 redirects and
   * never from https to http.
   */
  readonly fetch?: DiscoveryFetch | undefined;
  /** Where autoconfig documents are fetched from; see {@link DiscoveryUrlTemplates}. */
  readonly urls?: Partial<DiscoveryUrlTemplates> | undefined;
  /** The largest autoconfig document read, in bytes. Default 131 072 (real ones are under 10 KB). */
  readonly maxResponseBytes?: number | undefined;
}

/**
 * The defaults of {@link DiscoverSettingsOptions}.
 *
 * @example
 * ```ts
 * // Everything but Thunderbird's ISPDB, so the domain stays in-house.
 * const sources = defaultDiscoveryOptions.sources.filter((source) => source !== 'ispdb');
 * const found = await discoverSettings(email, { sources });
 * ```
 */
export const defaultDiscoveryOptions: {
  /** 5 000 ms for the whole call. */
  readonly timeoutMs: number;
  /** 131 072 bytes per autoconfig document. */
  readonly maxResponseBytes: number;
  /** All of {@link discoverySources}. */
  readonly sources: readonly DiscoverySource[];
  /** {@link defaultDiscoveryUrls}. */
  readonly urls: DiscoveryUrlTemplates;
} = {
  timeoutMs: 5_000,
  maxResponseBytes: 131_072,
  sources: discoverySources,
  urls: defaultDiscoveryUrls,
};

/**
 * The longest deadline accepted, in milliseconds: a discovery is a form's helper, not a batch job.
 *
 * @example
 * ```ts
 * const timeoutMs = Math.min(requestedMs, maximumDiscoveryTimeoutMs);
 * ```
 */
export const maximumDiscoveryTimeoutMs = 60_000;

/**
 * Finds IMAP settings for an email address, as Thunderbird and Apple Mail do: built-in presets, the
 * domain's own autoconfig (`autoconfig.<domain>` and `.well-known`), Thunderbird's ISPDB, RFC 6186 SRV
 * records and the domain's MX hosts, all at once under one deadline. It only reads public data: it
 * never connects to an IMAP server and never needs the password.
 *
 * Each candidate carries its source, the evidence and a confidence, best first; feed one to
 * {@link validateConfig} with the password. Mail hosted by Google or Microsoft yields `wrongConnector`
 * instead: those need their own integrations. Never throws for a bad address (`ok: false` with the
 * field issue); rejects only with `ABORTED` when `signal` aborts, or `CONFIG_INVALID` for bad options.
 *
 * @param email - The address as typed.
 * @param options - `signal`, `timeoutMs` and, for private networks and tests, `resolver`, `fetch`, `urls`.
 * @returns The ranked candidates and how each lookup went, within `timeoutMs`.
 *
 * @example
 * ```ts
 * const found = await discoverSettings('anna@fastmail.com', { signal: request.signal, timeoutMs: 5_000 });
 * if (!found.ok) return form.setError('email', found.issues[0]?.message);
 * if (found.wrongConnector) return show(found.wrongConnector.message, found.wrongConnector.fix);
 * const best = found.candidates[0];
 * if (best) {
 *   form.fill(best.settings); // { host: 'imap.fastmail.com', port: 993, security: 'tls', username: 'anna@fastmail.com' }
 *   const checked = validateConfig({ ...best.settings, password: form.password });
 * }
 * ```
 */
export async function discoverSettings(
  email: string,
  options: DiscoverSettingsOptions = {},
): Promise<DiscoveryResult> {
  const timeoutMs = options.timeoutMs ?? defaultDiscoveryOptions.timeoutMs;
  const maxResponseBytes = options.maxResponseBytes ?? defaultDiscoveryOptions.maxResponseBytes;
  checkOptions(timeoutMs, maxResponseBytes);
  if (options.signal?.aborted) throw abortedError();
  const parsed = parseEmailAddress(email);
  if (!parsed.ok) return { ok: false, issues: [parsed.issue] };

  const started = performance.now();
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const onCallerAbort = () => deadline.abort();
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const dns = resolverFor(options, timeoutMs);
  try {
    const context: LookupContext = {
      email: parsed,
      signal: deadline.signal,
      fetch: options.fetch ?? unpooledFetch,
      resolver: dns.resolver,
      maxResponseBytes,
      ispdbTemplate: sourcesOf(options).has('ispdb') ? urlsOf(options).ispdb : undefined,
    };
    const findings = await Promise.all(startLookups(context, options));
    if (options.signal?.aborted) throw abortedError();
    return assemble(parsed, findings.map(withoutUnsupportedHosts), Math.round(performance.now() - started));
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCallerAbort);
    dns.release();
  }
}

// A resolver of our own can be cancelled at the deadline; one the host passed may be shared, so not.
function resolverFor(
  options: DiscoverSettingsOptions,
  timeoutMs: number,
): { resolver: DiscoveryResolver; release: () => void } {
  if (options.resolver !== undefined) return { resolver: options.resolver, release: () => {} };
  const own = new Resolver({ timeout: timeoutMs, tries: 1 });
  return { resolver: own, release: () => own.cancel() };
}

function startLookups(context: LookupContext, options: DiscoverSettingsOptions): Promise<SourceFinding>[] {
  const sources = sourcesOf(options);
  const urls = urlsOf(options);
  const { domain } = context.email;
  const tasks: Promise<SourceFinding>[] = [];
  // In the order of discoverySources, so `lookups` reads in that order.
  const run = (source: DiscoverySource, targets: readonly string[], work: () => Promise<SourceFinding>) => {
    if (sources.has(source)) tasks.push(byDeadline(work(), context.signal, source, targets));
  };
  run('autoconfig', [urls.autoconfig], () => lookUpClientConfig(context, 'autoconfig', urls.autoconfig));
  run('well-known', [urls.wellKnown], () => lookUpClientConfig(context, 'well-known', urls.wellKnown));
  if (sources.has('preset')) tasks.push(Promise.resolve(lookUpPreset(context)));
  run('ispdb', [urls.ispdb], () => lookUpClientConfig(context, 'ispdb', urls.ispdb));
  run('srv', [`_imaps._tcp.${domain}`, `_imap._tcp.${domain}`], () => lookUpSrv(context));
  run('mx', [domain], () => lookUpMx(context));
  return tasks;
}

function sourcesOf(options: DiscoverSettingsOptions): Set<DiscoverySource> {
  return new Set(options.sources ?? defaultDiscoveryOptions.sources);
}

function urlsOf(options: DiscoverSettingsOptions): DiscoveryUrlTemplates {
  return { ...defaultDiscoveryOptions.urls, ...options.urls };
}

// Settles when the work does or the deadline passes, whichever is first; late answers are dropped.
function byDeadline(
  work: Promise<SourceFinding>,
  signal: AbortSignal,
  source: DiscoverySource,
  targets: readonly string[],
): Promise<SourceFinding> {
  const started = performance.now();
  const cut = (): SourceFinding => ({
    candidates: [],
    wrongConnector: null,
    lookups: targets.map((target) => timedOutLookup(source, target, Math.round(performance.now() - started))),
  });
  if (signal.aborted) return Promise.resolve(cut());
  return new Promise((resolve) => {
    const onAbort = () => resolve(cut());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (finding) => {
        signal.removeEventListener('abort', onAbort);
        resolve(finding);
      },
      // The lookups never reject; if one did, it found nothing.
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve(cut());
      },
    );
  });
}

function assemble(
  email: ParsedEmailAddress,
  findings: readonly SourceFinding[],
  elapsedMs: number,
): DiscoveryResult {
  const lookups = findings.flatMap((finding) => finding.lookups);
  const wrongConnector = firstByPrecedence(findings.map((finding) => finding.wrongConnector));
  return {
    ok: true,
    email: email.address,
    domain: email.domain,
    candidates: mergeCandidates(findings.flatMap((finding) => finding.candidates)),
    wrongConnector,
    lookups,
    timedOut: lookups.some((lookup) => lookup.outcome === 'timed_out'),
    elapsedMs,
  };
}

function checkOptions(timeoutMs: number, maxResponseBytes: number): void {
  const issues: FieldIssue[] = [];
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > maximumDiscoveryTimeoutMs) {
    issues.push({
      field: 'timeoutMs',
      code: 'out_of_range',
      message: `Must be a whole number of milliseconds between 1 and ${maximumDiscoveryTimeoutMs}.`,
    });
  }
  if (!Number.isInteger(maxResponseBytes) || maxResponseBytes <= 0) {
    issues.push({
      field: 'maxResponseBytes',
      code: 'out_of_range',
      message: 'Must be a positive whole number of bytes.',
    });
  }
  if (issues.length > 0) {
    throw new ImapConnectorError({
      code: 'CONFIG_INVALID',
      message: `Invalid discovery options: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join(' ')}`,
      detail: { issues },
    });
  }
}

function abortedError(): ImapConnectorError {
  return new ImapConnectorError({ code: 'ABORTED' });
}
