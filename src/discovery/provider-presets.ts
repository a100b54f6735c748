// Built-in IMAP settings for the providers in docs/providers.md, each with the public source of its facts.
import type { SecurityMode } from '../config/security-mode.js';
import type { DiscoveryConfidence } from './discovery-result.js';

/** One IMAP server a provider publishes. */
export interface PresetServer {
  /** The IMAP host. */
  readonly host: string;
  /** The port. */
  readonly port: number;
  /** How the connection is protected. */
  readonly security: SecurityMode;
  /** `email-address` or `local-part`: how the username is formed from the address. */
  readonly username: 'email-address' | 'local-part';
}

/** A provider's settings, the domains its addresses use, and where the facts come from. */
export interface ProviderPreset {
  /** Stable key (`fastmail`). */
  readonly id: string;
  /** Display name. */
  readonly provider: string;
  /** The address domains served (lower-case ASCII). */
  readonly domains: readonly string[];
  /** Best first. */
  readonly servers: readonly PresetServer[];
  /** Confidence of a match on the address's own domain; `high` unless the preset needs more than the domain. */
  readonly confidence: DiscoveryConfidence;
  /** What the admin must know first. */
  readonly notes: readonly string[];
  /** The public sources of the facts above. */
  readonly sources: readonly string[];
}

// Thunderbird's ISP database (MPL-2.0), read at github.com/thunderbird/autoconfig commit c6ad796.
const ISPDB = 'Thunderbird ISPDB';

/**
 * The presets, in the order of docs/providers.md, each naming the public sources of its facts.
 *
 * @example
 * ```ts
 * // A provider picker for the drawer.
 * const options = providerPresets.map((preset) => ({ value: preset.id, label: preset.provider }));
 * ```
 */
export const providerPresets: readonly ProviderPreset[] = [
  {
    id: 'fastmail',
    provider: 'Fastmail',
    domains: ['fastmail.com', 'fastmail.fm'],
    servers: [{ host: 'imap.fastmail.com', port: 993, security: 'tls', username: 'email-address' }],
    confidence: 'high',
    notes: [
      'Create an app password (Settings → Privacy & Security → Integrations → New app password, access: IMAP); an API token does not work for IMAP.',
    ],
    sources: [
      'https://www.fastmail.help/hc/en-us/articles/1500000278342-Server-names-and-ports',
      `${ISPDB} ispdb/messagingengine.com.xml`,
    ],
  },
  {
    id: 'proton-bridge',
    provider: 'ProtonMail Bridge',
    domains: ['proton.me', 'protonmail.com', 'protonmail.ch', 'pm.me'],
    servers: [{ host: '127.0.0.1', port: 1143, security: 'starttls', username: 'email-address' }],
    // Proton has no public IMAP server: these are Bridge's defaults on the machine that runs it.
    confidence: 'medium',
    notes: [
      'Proton mail is reachable over IMAP only through Proton Mail Bridge, running on the same machine as this connector.',
      'Use the username and the generated password that Bridge shows, and pass Bridge’s exported certificate as tls.ca.',
    ],
    sources: ['https://proton.me/support/protonmail-bridge-clients-windows-thunderbird'],
  },
  {
    id: 'icloud',
    provider: 'iCloud Mail',
    domains: ['icloud.com', 'me.com', 'mac.com'],
    servers: [{ host: 'imap.mail.me.com', port: 993, security: 'tls', username: 'local-part' }],
    confidence: 'high',
    notes: [
      'Generate an app-specific password at appleid.apple.com. If the part before @ is refused as username, try the full address.',
    ],
    sources: ['https://support.apple.com/en-us/102525', `${ISPDB} ispdb/me.com.xml`],
  },
  {
    id: 'yahoo',
    provider: 'Yahoo Mail',
    domains: [
      'yahoo.com',
      'yahoo.ca',
      'yahoo.de',
      'yahoo.it',
      'yahoo.fr',
      'yahoo.es',
      'yahoo.se',
      'yahoo.co.in',
      'yahoo.co.uk',
      'yahoo.co.nz',
      'yahoo.com.au',
      'yahoo.com.ar',
      'yahoo.com.br',
      'yahoo.com.mx',
      'ymail.com',
      'myyahoo.com',
      'rocketmail.com',
    ],
    servers: [{ host: 'imap.mail.yahoo.com', port: 993, security: 'tls', username: 'email-address' }],
    confidence: 'high',
    notes: ['Generate an app password (Account info → Account security).'],
    sources: [
      'https://help.yahoo.com/kb/new-mail-for-desktop/imap-server-settings-yahoo-mail-sln4075.html',
      `${ISPDB} ispdb/yahoo.com.xml`,
    ],
  },
  {
    id: 'aol',
    provider: 'AOL Mail',
    domains: ['aol.com', 'aim.com', 'aol.de', 'aol.fr', 'aol.it', 'aol.es', 'aol.se', 'aol.co.uk'],
    servers: [{ host: 'imap.aol.com', port: 993, security: 'tls', username: 'email-address' }],
    confidence: 'high',
    notes: ['Generate an app password (Account security → Generate app password).'],
    sources: [
      'https://help.aol.com/articles/how-do-i-use-other-email-applications-to-send-and-receive-my-aol-mail',
      `${ISPDB} ispdb/aol.com.xml`,
    ],
  },
  ...(
    [
      ['zoho', 'com'],
      ['zoho-eu', 'eu'],
      ['zoho-in', 'in'],
      ['zoho-au', 'com.au'],
      ['zoho-jp', 'jp'],
    ] as const
  ).map(
    ([id, tld]): ProviderPreset => ({
      id,
      provider: 'Zoho Mail',
      domains: [`zoho.${tld}`, `zohomail.${tld}`],
      servers: [{ host: `imap.zoho.${tld}`, port: 993, security: 'tls', username: 'email-address' }],
      confidence: 'high',
      notes: [
        'Enable IMAP access first (Settings → Mail Accounts → IMAP Access); with two-factor authentication, use an app password.',
      ],
      sources: ['https://www.zoho.com/mail/help/imap-access.html', `${ISPDB} ispdb/zoho.${tld}.xml`],
    }),
  ),
  {
    id: 'gmx-net',
    provider: 'GMX',
    domains: ['gmx.net', 'gmx.de', 'gmx.at', 'gmx.ch', 'gmx.eu', 'gmx.biz', 'gmx.org', 'gmx.info'],
    servers: [
      { host: 'imap.gmx.net', port: 993, security: 'tls', username: 'email-address' },
      { host: 'imap.gmx.net', port: 143, security: 'starttls', username: 'email-address' },
    ],
    confidence: 'high',
    notes: [
      'Allow POP3/IMAP access once in the GMX mail settings; with two-factor authentication, use an app password.',
    ],
    sources: ['https://hilfe.gmx.net/pop-imap/imap/imap-serverdaten.html', `${ISPDB} ispdb/gmx.net.xml`],
  },
  {
    id: 'gmx-com',
    provider: 'GMX',
    domains: ['gmx.com', 'gmx.us', 'gmx.co.uk', 'gmx.fr', 'gmx.es', 'gmx.ca', 'gmx.it'],
    servers: [
      { host: 'imap.gmx.com', port: 993, security: 'tls', username: 'email-address' },
      { host: 'imap.gmx.com', port: 143, security: 'starttls', username: 'email-address' },
    ],
    confidence: 'high',
    notes: [
      'Allow POP3/IMAP access once in the GMX mail settings; with two-factor authentication, use an app password.',
    ],
    sources: [`${ISPDB} ispdb/gmx.com.xml`],
  },
  {
    id: 'mailbox-org',
    provider: 'mailbox.org',
    domains: ['mailbox.org'],
    servers: [{ host: 'imap.mailbox.org', port: 993, security: 'tls', username: 'email-address' }],
    confidence: 'high',
    notes: ['With two-factor authentication, create an application password (Settings → Security).'],
    sources: [
      'https://kb.mailbox.org/en/private/e-mail-article/using-e-mail-programs-with-mailbox-org-pop3-imap-smtp',
    ],
  },
];

/**
 * The preset whose provider hosts addresses of `domain`.
 *
 * @param domain - Lower-case ASCII domain.
 * @returns The preset, or `undefined`.
 */
export function presetOfDomain(domain: string): ProviderPreset | undefined {
  return providerPresets.find((preset) => preset.domains.includes(domain));
}

/**
 * A preset by its id.
 *
 * @param id - A {@link ProviderPreset.id}.
 * @returns The preset, or `undefined`.
 */
export function presetById(id: string): ProviderPreset | undefined {
  return providerPresets.find((preset) => preset.id === id);
}
