// What discoverSettings() returns: plain JSON candidates, each with its source and confidence.

import type { UnsupportedProvider } from '../config/provider-hints.js';
import type { SecurityMode } from '../config/security-mode.js';
import type { FieldIssue } from '../errors/failure-detail.js';

/**
 * Where a candidate came from, in order of precedence when confidences tie:
 * - `autoconfig`: the domain's own `https://autoconfig.<domain>/mail/config-v1.1.xml`;
 * - `well-known`: the domain's own `https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml`;
 * - `preset`: a built-in preset for a provider in docs/providers.md;
 * - `ispdb`: Thunderbird's ISP database (`https://autoconfig.thunderbird.net/v1.1/<domain>`);
 * - `srv`: RFC 6186 SRV records (`_imaps._tcp.<domain>`, `_imap._tcp.<domain>`);
 * - `mx`: a guess from the domain's MX hosts (a domain hosted by a known provider).
 *
 * @example
 * ```ts
 * const checkboxes = discoverySources.map((source) => ({ source, checked: source !== 'ispdb' }));
 * ```
 */
export const discoverySources = ['autoconfig', 'well-known', 'preset', 'ispdb', 'srv', 'mx'] as const;
/** One of {@link discoverySources}. */
export type DiscoverySource = (typeof discoverySources)[number];

/**
 * How much a candidate can be trusted, best first.
 *
 * @example
 * ```ts
 * const trusted = found.candidates.filter((c) => discoveryConfidences.indexOf(c.confidence) <= 1);
 * ```
 */
export const discoveryConfidences = ['high', 'medium', 'low'] as const;
/**
 * - `high`: published by the provider for this very domain (its own autoconfig, a curated preset or
 *   ISPDB entry), or two independent sources agree;
 * - `medium`: derived from DNS (SRV records inside the domain, a known provider's MX host);
 * - `low`: a DNS answer pointing outside the domain (DNS answers are not authenticated, RFC 6186 §6),
 *   or a server without encryption.
 */
export type DiscoveryConfidence = (typeof discoveryConfidences)[number];

/**
 * How the username relates to the email address: the full address, the part before `@`, or something
 * the provider hands out (ProtonMail Bridge) or the configuration spells out.
 */
export type UsernameForm = 'email-address' | 'local-part' | 'other';

/**
 * The fields a candidate fills in, ready for {@link validateConfig} once the password is added:
 * `validateConfig({ ...candidate.settings, password })`.
 */
export interface DiscoveredSettings {
  /** ASCII host name (IDN as punycode) or IP address. */
  readonly host: string;
  /** The port. */
  readonly port: number;
  /** How the connection is protected. */
  readonly security: SecurityMode;
  /** The login name for this email address. */
  readonly username: string;
}

/** One way to reach the mailbox, found by one or more sources. */
export interface DiscoveryCandidate {
  /** What to put in the form (add the password). */
  readonly settings: DiscoveredSettings;
  /** How the username was formed. */
  readonly usernameForm: UsernameForm;
  /** The source that ranks highest among those that found it. */
  readonly source: DiscoverySource;
  /** The other sources that found the same host, port, security and username. */
  readonly alsoFoundBy: readonly DiscoverySource[];
  /** How much to trust it; see {@link DiscoveryConfidence}. */
  readonly confidence: DiscoveryConfidence;
  /**
   * What backs it, for support and for the admin: the URL fetched, the SRV or MX record, or the preset
   * and the public source of its facts.
   */
  readonly evidence: string;
  /** The provider's name when known (`Fastmail`), else `null`. */
  readonly provider: string | null;
  /** Things the admin must know or do first (app password, enable IMAP, run Bridge...). */
  readonly notes: readonly string[];
}

/** The mail is hosted by a provider this connector cannot log in to with a password. */
export interface WrongConnector {
  /** `google` (Gmail, Google Workspace) or `microsoft` (Outlook.com, Microsoft 365). */
  readonly provider: UnsupportedProvider;
  /** What showed it: the address's own domain (`preset`), its MX hosts (`mx`), or a published server. */
  readonly source: DiscoverySource;
  /** The domain, MX host or server name that showed it. */
  readonly evidence: string;
  /** Why this connector is the wrong one, for the admin. */
  readonly message: string;
  /** What to do instead. */
  readonly fix: string;
}

/** How one lookup went: `found` (it gave candidates), `not_found`, `failed`, or `timed_out`. */
export type LookupOutcome = 'found' | 'not_found' | 'failed' | 'timed_out';

/** One lookup made (or preset consulted) during discovery, for support and the CLI's `--json`. */
export interface DiscoveryLookup {
  /** The source. */
  readonly source: DiscoverySource;
  /** The URL fetched, the DNS name queried, or the domain looked up in the presets. */
  readonly target: string;
  /** How it went. */
  readonly outcome: LookupOutcome;
  /** Why, when it did not find anything (`HTTP 404`, `ENOTFOUND`, `response larger than 131072 bytes`...), else `null`. */
  readonly detail: string | null;
  /** How long it took, in milliseconds. */
  readonly elapsedMs: number;
}

/** Discovery ran; `candidates` may still be empty. */
export interface DiscoverySuccess {
  /** Discovery ran. */
  readonly ok: true;
  /** The address as given, trimmed. */
  readonly email: string;
  /** The address's domain in ASCII (IDN as punycode). */
  readonly domain: string;
  /** Best first: by confidence, then by source precedence ({@link discoverySources}). */
  readonly candidates: readonly DiscoveryCandidate[];
  /** Set when the mail is hosted by Google or Microsoft: this connector is the wrong one. Else `null`. */
  readonly wrongConnector: WrongConnector | null;
  /** Every lookup, in the order of {@link discoverySources}. */
  readonly lookups: readonly DiscoveryLookup[];
  /** `true` when the deadline ended some lookups before they answered. */
  readonly timedOut: boolean;
  /** How long discovery took, in milliseconds. */
  readonly elapsedMs: number;
}

/** The email address could not be used; nothing was looked up. */
export interface DiscoveryInvalidEmail {
  /** Nothing was looked up. */
  readonly ok: false;
  /** One issue, on the field `email`. */
  readonly issues: readonly FieldIssue[];
}

/** What {@link discoverSettings} returns. */
export type DiscoveryResult = DiscoverySuccess | DiscoveryInvalidEmail;
