// Known providers' MX hosts: which preset a domain hosted there uses, or that it needs another integration.
import type { UnsupportedProvider } from '../config/provider-hints.js';

/** A provider recognised from an MX host name ending in `suffix`. */
export type MailExchangerRule =
  | {
      readonly suffix: string;
      readonly kind: 'preset';
      /** The {@link ProviderPreset} id whose servers a domain hosted there uses. */
      readonly presetId: string;
      /** A different IMAP host for hosted domains than for the provider's own addresses. */
      readonly host?: string;
      /** Where the fact comes from. */
      readonly source: string;
    }
  | {
      readonly suffix: string;
      readonly kind: 'unsupported';
      readonly provider: UnsupportedProvider;
      readonly source: string;
    };

/** The known MX hosts. A fact backs each: the provider's own docs or Thunderbird's ISPDB. */
export const mailExchangerRules: readonly MailExchangerRule[] = [
  {
    suffix: 'messagingengine.com',
    kind: 'preset',
    presetId: 'fastmail',
    source: 'Thunderbird ISPDB ispdb/messagingengine.com.xml (Fastmail’s MX domain)',
  },
  {
    suffix: 'am0.yahoodns.net',
    kind: 'preset',
    presetId: 'yahoo',
    source: 'Thunderbird ISPDB ispdb/yahoo.com.xml (MX mail.am0.yahoodns.net)',
  },
  {
    suffix: 'gm0.yahoodns.net',
    kind: 'preset',
    presetId: 'aol',
    source: 'Thunderbird ISPDB ispdb/aol.com.xml (MX mail.gm0.yahoodns.net)',
  },
  ...(
    [
      ['zoho.com', 'zoho', 'com'],
      ['zoho.eu', 'zoho-eu', 'eu'],
      ['zoho.in', 'zoho-in', 'in'],
      ['zoho.com.au', 'zoho-au', 'com.au'],
      ['zoho.jp', 'zoho-jp', 'jp'],
    ] as const
  ).map(
    ([suffix, presetId, tld]): MailExchangerRule => ({
      suffix,
      kind: 'preset',
      presetId,
      // Zoho: organisation (own-domain) accounts use imappro.zoho.<region>, personal ones imap.zoho.<region>.
      host: `imappro.zoho.${tld}`,
      source: 'https://www.zoho.com/mail/help/imap-access.html (organisation accounts)',
    }),
  ),
  {
    suffix: 'mailbox.org',
    kind: 'preset',
    presetId: 'mailbox-org',
    source: 'https://kb.mailbox.org/en/private/custom-domains (MX mxext1.mailbox.org)',
  },
  {
    suffix: 'protonmail.ch',
    kind: 'preset',
    presetId: 'proton-bridge',
    source: 'https://proton.me/support/custom-domain (MX mail.protonmail.ch)',
  },
  {
    suffix: 'google.com',
    kind: 'unsupported',
    provider: 'google',
    source: 'Thunderbird ISPDB ispdb/googlemail.com.xml (MX for Google Workspace)',
  },
  {
    suffix: 'googlemail.com',
    kind: 'unsupported',
    provider: 'google',
    source: 'Google Workspace MX records (aspmx.l.google.com, aspmx2.googlemail.com)',
  },
  {
    suffix: 'protection.outlook.com',
    kind: 'unsupported',
    provider: 'microsoft',
    source:
      'Thunderbird ISPDB ispdb/office365.com.xml and ispdb/hotmail.com.xml (MX *.mail.protection.outlook.com, *.olc.protection.outlook.com)',
  },
  {
    suffix: 'hotmail.com',
    kind: 'unsupported',
    provider: 'microsoft',
    source: 'Outlook.com MX records (*.mx.hotmail.com)',
  },
];

/**
 * The rule for an MX host, if it belongs to a known provider.
 *
 * @param exchange - The MX host name, lower-case, without trailing dot.
 * @returns The rule, or `undefined`.
 */
export function mailExchangerRuleOf(exchange: string): MailExchangerRule | undefined {
  return mailExchangerRules.find((rule) => exchange === rule.suffix || exchange.endsWith(`.${rule.suffix}`));
}
