// The lookups discovery runs, one function per source, each returning what it found and how it went.
import type { MxRecord, SrvRecord } from 'node:dns';
import { parseHostInput } from '../config/host-input.js';
import { unsupportedProviderOf } from '../config/provider-hints.js';
import { type DiscoveryFetch, expandUrlTemplate, fetchBoundedDocument } from './autoconfig-lookup.js';
import { readClientConfig } from './client-config.js';
import type {
  DiscoveryCandidate,
  DiscoveryConfidence,
  DiscoveryLookup,
  DiscoverySource,
  LookupOutcome,
  WrongConnector,
} from './discovery-result.js';
import type { ParsedEmailAddress } from './email-address.js';
import { mailExchangerRuleOf } from './mail-exchangers.js';
import { type ProviderPreset, presetById, presetOfDomain } from './provider-presets.js';
import {
  type ImapSrvRecord,
  imapSrvServices,
  isNoService,
  isWithinDomain,
  orderSrvRecords,
} from './srv-records.js';
import { wrongConnectorOf } from './wrong-connector.js';

/**
 * The DNS queries discovery makes. Node's `dns.promises.Resolver` fits (give it `setServers` for a
 * private resolver); so does anything else with these two methods.
 */
export interface DiscoveryResolver {
  /** SRV records of a name (RFC 6186 `_imaps._tcp.<domain>`). */
  resolveSrv(hostname: string): Promise<SrvRecord[]>;
  /** MX records of a domain. */
  resolveMx(hostname: string): Promise<MxRecord[]>;
}

/** A candidate as one source found it, before sources are merged. */
export type CandidateDraft = Omit<DiscoveryCandidate, 'alsoFoundBy'>;

/** What one source found. */
export interface SourceFinding {
  readonly candidates: readonly CandidateDraft[];
  readonly wrongConnector: WrongConnector | null;
  readonly lookups: readonly DiscoveryLookup[];
}

/** What every lookup needs. */
export interface LookupContext {
  readonly email: ParsedEmailAddress;
  /** Aborts at the shared deadline or when the caller aborts. */
  readonly signal: AbortSignal;
  readonly fetch: DiscoveryFetch;
  readonly resolver: DiscoveryResolver;
  readonly maxResponseBytes: number;
  /** The ISPDB URL template when the ISPDB may be asked (the `ispdb` source is on), for the MX step. */
  readonly ispdbTemplate: string | undefined;
}

/**
 * Looks the domain up in the built-in presets (no network).
 *
 * @param context - The address.
 * @returns The preset's servers, or that the domain belongs to Google or Microsoft.
 */
export function lookUpPreset(context: LookupContext): SourceFinding {
  const { domain } = context.email;
  const unsupported = unsupportedProviderOf('', `x@${domain}`);
  if (unsupported !== undefined) {
    return {
      candidates: [],
      wrongConnector: wrongConnectorOf(unsupported, 'preset', domain),
      lookups: [lookup('preset', domain, 'found', null, 0)],
    };
  }
  const preset = presetOfDomain(domain);
  if (preset === undefined) {
    return {
      candidates: [],
      wrongConnector: null,
      lookups: [lookup('preset', domain, 'not_found', null, 0)],
    };
  }
  return {
    candidates: candidatesOfPreset(context, preset, {
      source: 'preset',
      confidence: preset.confidence,
      evidence: `${preset.provider} preset (${preset.sources.join('; ')})`,
    }),
    wrongConnector: null,
    lookups: [lookup('preset', domain, 'found', null, 0)],
  };
}

/**
 * Fetches and reads a clientConfig document: the domain's autoconfig, its `.well-known` copy, or the ISPDB.
 *
 * @param context - The address, deadline, fetch and size cap.
 * @param source - Which of the three.
 * @param template - The URL template.
 * @param domain - The domain to ask about; the address's own unless it is the ISPDB asked about an MX host.
 * @returns The IMAP servers the document lists.
 */
export async function lookUpClientConfig(
  context: LookupContext,
  source: 'autoconfig' | 'well-known' | 'ispdb',
  template: string,
  domain: string = context.email.domain,
): Promise<SourceFinding> {
  const started = performance.now();
  const url = expandUrlTemplate(template, { ...context.email, domain });
  const document = await fetchBoundedDocument(url, {
    fetch: context.fetch,
    signal: context.signal,
    maxBytes: context.maxResponseBytes,
  });
  const elapsed = () => Math.round(performance.now() - started);
  if (!document.ok) return nothing(lookup(source, url, document.outcome, document.detail, elapsed()));
  const reading = readClientConfig(document.text, context.email);
  if (!reading.ok) return nothing(lookup(source, url, 'failed', reading.reason, elapsed()));
  if (reading.servers.length === 0) {
    const why = reading.skipped.length > 0 ? reading.skipped.join('; ') : 'no IMAP server listed';
    return nothing(lookup(source, url, 'not_found', why, elapsed()));
  }
  const candidates = reading.servers.map(
    (server): CandidateDraft => ({
      ...server,
      source,
      // A server that sends the password unencrypted is offered, but never ranked with the others.
      confidence: server.settings.security === 'none' ? 'low' : 'high',
      evidence: url,
      provider: reading.provider,
      notes: server.settings.security === 'none' ? [PLAIN_TEXT_NOTE] : [],
    }),
  );
  return { candidates, wrongConnector: null, lookups: [lookup(source, url, 'found', null, elapsed())] };
}

/**
 * Queries the RFC 6186 SRV records `_imaps._tcp.<domain>` and `_imap._tcp.<domain>`.
 *
 * @param context - The address, deadline and resolver.
 * @returns One candidate per usable record, best first.
 */
export async function lookUpSrv(context: LookupContext): Promise<SourceFinding> {
  const { email } = context;
  const answers = await Promise.all(
    imapSrvServices.map(async ({ prefix, security }) => {
      const name = `${prefix}.${email.domain}`;
      const started = performance.now();
      try {
        const records = await context.resolver.resolveSrv(name);
        const tagged = records.map((record): ImapSrvRecord => ({ ...record, security }));
        const usable = tagged.filter((record) => !isNoService(record));
        const detail = usable.length > 0 ? null : 'the record says the service is not offered (target ".")';
        const outcome: LookupOutcome = usable.length > 0 ? 'found' : 'not_found';
        return { records: tagged, lookup: lookup('srv', name, outcome, detail, elapsedSince(started)) };
      } catch (error) {
        return { records: [], lookup: dnsFailure('srv', name, error, context.signal, started) };
      }
    }),
  );
  const candidates = orderSrvRecords(answers.flatMap((answer) => answer.records)).flatMap(
    (record): CandidateDraft[] => {
      // The target comes from the network: it must be a host name the connector accepts.
      const parsed = parseHostInput(record.name.replace(/\.$/, ''));
      if (!parsed.ok || parsed.port !== undefined) return [];
      const host = parsed.host;
      const inside = isWithinDomain(host, email.domain);
      const service = record.security === 'tls' ? '_imaps._tcp' : '_imap._tcp';
      const note = `The server ${host} is outside ${email.domain}; DNS answers are not authenticated (RFC 6186 §6), so confirm it is your provider.`;
      return [
        {
          settings: { host, port: record.port, security: record.security, username: email.address },
          usernameForm: 'email-address',
          source: 'srv',
          confidence: inside ? 'medium' : 'low',
          evidence: `${service}.${email.domain} SRV ${record.priority} ${record.weight} ${record.port} ${host}`,
          provider: null,
          notes: inside ? [] : [note],
        },
      ];
    },
  );
  return { candidates, wrongConnector: null, lookups: answers.map((answer) => answer.lookup) };
}

/**
 * Guesses from the domain's MX hosts: a known provider's MX gives its servers, a Google or Microsoft
 * MX says this connector is the wrong one.
 *
 * @param context - The address, deadline and resolver.
 * @returns The provider's servers, or the wrong-connector answer.
 */
export async function lookUpMx(context: LookupContext): Promise<SourceFinding> {
  const { domain } = context.email;
  const started = performance.now();
  let records: MxRecord[];
  try {
    records = await context.resolver.resolveMx(domain);
  } catch (error) {
    return nothing(dnsFailure('mx', domain, error, context.signal, started));
  }
  const exchanges = [...records]
    .sort((a, b) => a.priority - b.priority)
    .map((record) => ({ ...record, exchange: record.exchange.toLowerCase().replace(/\.$/, '') }));
  // RFC 7505: a single MX with the root name "." says the domain accepts no mail at all.
  const live = exchanges.filter((record) => record.exchange !== '');
  if (live.length === 0) {
    return nothing(
      lookup('mx', domain, 'not_found', 'the domain accepts no mail (null MX)', elapsedSince(started)),
    );
  }
  for (const record of live) {
    const rule = mailExchangerRuleOf(record.exchange);
    if (rule === undefined) continue;
    const evidence = `MX ${record.priority} ${record.exchange}`;
    const found = lookup('mx', domain, 'found', null, elapsedSince(started));
    if (rule.kind === 'unsupported') {
      return {
        candidates: [],
        wrongConnector: wrongConnectorOf(rule.provider, 'mx', evidence),
        lookups: [found],
      };
    }
    const preset = presetById(rule.presetId);
    if (preset === undefined) continue;
    return {
      candidates: candidatesOfPreset(context, preset, {
        source: 'mx',
        confidence: 'medium',
        evidence: `${evidence} → ${preset.provider} (${rule.source})`,
        ...(rule.host === undefined ? {} : { host: rule.host }),
      }),
      wrongConnector: null,
      lookups: [found],
    };
  }
  const names = live.map((record) => record.exchange).join(', ');
  const none = lookup(
    'mx',
    domain,
    'not_found',
    `no known provider among MX ${names}`,
    elapsedSince(started),
  );
  const best = live[0];
  if (context.ispdbTemplate === undefined || best === undefined) return nothing(none);
  return withIspdbOfMx(context, context.ispdbTemplate, best, none);
}

// Thunderbird's last step: the ISPDB lists hosting providers under their MX domain too
// (`yahoodns.net`, `mail.protection.outlook.com`), so ask it for the best MX host's base domain.
async function withIspdbOfMx(
  context: LookupContext,
  template: string,
  record: MxRecord,
  mxLookup: DiscoveryLookup,
): Promise<SourceFinding> {
  const base = baseDomainOf(record.exchange);
  if (base === undefined || base === context.email.domain) return nothing(mxLookup);
  const ispdb = await lookUpClientConfig(context, 'ispdb', template, base);
  const evidence = `MX ${record.priority} ${record.exchange} → Thunderbird ISPDB entry for ${base}`;
  return {
    candidates: ispdb.candidates.map((candidate) => ({
      ...candidate,
      source: 'mx',
      confidence: candidate.confidence === 'high' ? 'medium' : candidate.confidence,
      evidence: `${evidence} (${candidate.evidence})`,
    })),
    wrongConnector: null,
    lookups: [mxLookup, ...ispdb.lookups.map((entry) => ({ ...entry, source: 'mx' as const }))],
  };
}

// Two-part public suffixes (co.uk, com.au, ne.jp...): the base domain then has three labels. A
// heuristic, not the Public Suffix List: a wrong guess only costs one ISPDB 404.
const SECOND_LEVEL_SUFFIX = /^(co|com|net|org|ac|gov|edu|ne|or|gr|ad|go)$/;

/**
 * The registrable domain of a host name, guessed without the Public Suffix List.
 *
 * @param host - e.g. `mx01.mail.hostingco.example`.
 * @returns e.g. `hostingco.example`, or `undefined` for a single label.
 */
export function baseDomainOf(host: string): string | undefined {
  const labels = host.split('.');
  if (labels.length < 2) return undefined;
  const twoPart =
    labels.length >= 3 && (labels.at(-1)?.length ?? 0) === 2 && SECOND_LEVEL_SUFFIX.test(labels.at(-2) ?? '');
  return labels.slice(twoPart ? -3 : -2).join('.');
}

/**
 * A lookup that the deadline ended before it answered.
 *
 * @param source - The source.
 * @param target - What it was looking up.
 * @param elapsedMs - How long it ran.
 * @returns The lookup record.
 */
export function timedOutLookup(source: DiscoverySource, target: string, elapsedMs: number): DiscoveryLookup {
  return lookup(source, target, 'timed_out', 'no answer before the deadline', elapsedMs);
}

/**
 * Moves candidates on Google's or Microsoft's servers into the wrong-connector answer.
 *
 * @param finding - One source's finding.
 * @returns The finding without those candidates, with the answer when there were any.
 */
export function withoutUnsupportedHosts(finding: SourceFinding): SourceFinding {
  let wrongConnector = finding.wrongConnector;
  const candidates = finding.candidates.filter((candidate) => {
    const provider = unsupportedProviderOf(candidate.settings.host, '');
    if (provider === undefined) return true;
    wrongConnector ??= wrongConnectorOf(provider, candidate.source, candidate.settings.host);
    return false;
  });
  return { ...finding, candidates, wrongConnector };
}

const MAX_DETAIL_LENGTH = 300;
const PLAIN_TEXT_NOTE = 'This server sends the password unencrypted; prefer a TLS or STARTTLS server.';

function candidatesOfPreset(
  context: LookupContext,
  preset: ProviderPreset,
  how: { source: DiscoverySource; confidence: DiscoveryConfidence; evidence: string; host?: string },
): CandidateDraft[] {
  const { email } = context;
  return preset.servers.map((server) => ({
    settings: {
      host: how.host ?? server.host,
      port: server.port,
      security: server.security,
      username: server.username === 'local-part' ? email.localPart : email.address,
    },
    usernameForm: server.username,
    source: how.source,
    confidence: how.confidence,
    evidence: how.evidence,
    provider: preset.provider,
    notes: preset.notes,
  }));
}

function nothing(entry: DiscoveryLookup): SourceFinding {
  return { candidates: [], wrongConnector: null, lookups: [entry] };
}

function lookup(
  source: DiscoverySource,
  target: string,
  outcome: LookupOutcome,
  detail: string | null,
  elapsedMs: number,
): DiscoveryLookup {
  // A detail can quote the network's answer (a tag name, a redirect target): keep it short.
  const shortDetail =
    detail !== null && detail.length > MAX_DETAIL_LENGTH ? `${detail.slice(0, MAX_DETAIL_LENGTH)}…` : detail;
  return { source, target, outcome, detail: shortDetail, elapsedMs };
}

function elapsedSince(started: number): number {
  return Math.round(performance.now() - started);
}

// Node's resolver codes: ENOTFOUND (NXDOMAIN) and ENODATA (no record of that type) mean "none".
function dnsFailure(
  source: DiscoverySource,
  target: string,
  error: unknown,
  signal: AbortSignal,
  started: number,
): DiscoveryLookup {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
  if (signal.aborted || code === 'ECANCELLED') return timedOutLookup(source, target, elapsedSince(started));
  if (code === 'ENOTFOUND' || code === 'ENODATA')
    return lookup(source, target, 'not_found', code, elapsedSince(started));
  if (code === 'ETIMEOUT') return lookup(source, target, 'timed_out', code, elapsedSince(started));
  return lookup(source, target, 'failed', code, elapsedSince(started));
}
