/**
 * DNS zones and autoconfig documents that mimic what real providers publish, served by the local DNS
 * and HTTP fixture servers, and the discovery options that point `discoverSettings` at them.
 * `.example` domains are invented (RFC 2606); fastmail.com mirrors Fastmail's published records.
 */
import type { DiscoverSettingsOptions, DiscoverySource } from '../../src/index.js';
import { type DnsFixtureServer, type FixtureZones, startDnsFixtureServer } from './dns-fixture-server.js';
import { type HttpFixtureServer, startHttpFixtureServer } from './http-fixture-server.js';

export const fixtureZones: FixtureZones = {
  // Fastmail publishes `_imaps._tcp.fastmail.com SRV 0 1 993 imap.fastmail.com` and receives mail on
  // messagingengine.com. The "." record for `_imap._tcp` (RFC 2782: "decidedly not offered") is the
  // fixture's own, to exercise that rule.
  '_imaps._tcp.fastmail.com': { srv: [{ priority: 0, weight: 1, port: 993, target: 'imap.fastmail.com' }] },
  '_imap._tcp.fastmail.com': { srv: [{ priority: 0, weight: 0, port: 0, target: '.' }] },
  'fastmail.com': {
    mx: [
      { preference: 10, exchange: 'in1-smtp.messagingengine.com' },
      { preference: 20, exchange: 'in2-smtp.messagingengine.com' },
    ],
  },
  // A company on its own Dovecot: autoconfig, SRV preferring STARTTLS on another name, an unknown MX.
  '_imap._tcp.selfhosted.example': {
    srv: [{ priority: 10, weight: 1, port: 143, target: 'imap.selfhosted.example' }],
  },
  '_imaps._tcp.selfhosted.example': {
    srv: [{ priority: 20, weight: 1, port: 993, target: 'mail.selfhosted.example' }],
  },
  'selfhosted.example': { mx: [{ preference: 10, exchange: 'mx.selfhosted.example' }] },
  // A custom domain hosted by Fastmail, set up as Fastmail's custom-domain guide says.
  '_imaps._tcp.acme.example': { srv: [{ priority: 0, weight: 1, port: 993, target: 'imap.fastmail.com' }] },
  'acme.example': {
    mx: [
      { preference: 10, exchange: 'in1-smtp.messagingengine.com' },
      { preference: 20, exchange: 'in2-smtp.messagingengine.com' },
    ],
  },
  // Google Workspace and Microsoft 365 customers.
  'workspace.example': {
    mx: [
      { preference: 1, exchange: 'aspmx.l.google.com' },
      { preference: 5, exchange: 'alt1.aspmx.l.google.com' },
      { preference: 10, exchange: 'alt3.aspmx.l.google.com' },
    ],
  },
  'contoso.example': { mx: [{ preference: 0, exchange: 'contoso-example.mail.protection.outlook.com' }] },
  // A Zoho organisation in the EU data centre.
  'zohocorp.example': {
    mx: [
      { preference: 10, exchange: 'mx.zoho.eu' },
      { preference: 20, exchange: 'mx2.zoho.eu' },
    ],
  },
  // A customer of the hosting company whose ISPDB entry is keyed by its MX domain.
  'hosted.example': { mx: [{ preference: 10, exchange: 'mx01.mail.hostingco.example' }] },
  // RFC 7505 null MX.
  'nomail.example': { mx: [{ preference: 0, exchange: '.' }] },
  // Two servers of equal priority: the heavier weight first.
  '_imaps._tcp.weights.example': {
    srv: [
      { priority: 0, weight: 10, port: 993, target: 'imap-b.weights.example' },
      { priority: 0, weight: 60, port: 993, target: 'imap-a.weights.example' },
      { priority: 5, weight: 100, port: 993, target: 'imap-backup.weights.example' },
    ],
  },
  'weights.example': {},
  // bücher.example
  '_imaps._tcp.xn--bcher-kva.example': {
    srv: [{ priority: 0, weight: 1, port: 993, target: 'imap.xn--bcher-kva.example' }],
  },
};

const imapServer = (host: string, port: number, socketType: string, username = '%EMAILADDRESS%') => `
    <incomingServer type="imap">
      <hostname>${host}</hostname>
      <port>${port}</port>
      <socketType>${socketType}</socketType>
      <username>${username}</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>`;

const clientConfig = (
  domain: string,
  displayName: string,
  servers: string,
) => `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="${domain}">
    <domain>${domain}</domain>
    <displayName>${displayName}</displayName>
    <displayShortName>${displayName}</displayShortName>${servers}
    <incomingServer type="pop3">
      <hostname>pop.${domain}</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.${domain}</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
    <documentation url="https://${domain}/help/mail-clients">
      <descr lang="en">Mail client settings</descr>
    </documentation>
  </emailProvider>
</clientConfig>
`;

/** The documents each domain's hosts serve, by fixture-server path. */
export const fixtureDocuments: Readonly<Record<string, string>> = {
  '/autoconfig/selfhosted.example/mail/config-v1.1.xml': clientConfig(
    'selfhosted.example',
    'Selfhosted Example Mail',
    imapServer('imap.selfhosted.example', 993, 'SSL') +
      imapServer('imap.selfhosted.example', 143, 'STARTTLS'),
  ),
  // Served on the web server's .well-known path only; usernames are the local part.
  '/well-known/wellknown.example/.well-known/autoconfig/mail/config-v1.1.xml': clientConfig(
    'wellknown.example',
    'Wells &amp; Known',
    imapServer('mail.wellknown.example', 993, 'SSL', '%EMAILLOCALPART%'),
  ),
  // An ISPDB entry for a hosting company: OAuth2-only first, then a per-domain host name.
  '/ispdb/v1.1/hostingco.example': clientConfig(
    'hostingco.example',
    'HostingCo',
    `
    <incomingServer type="imap">
      <hostname>oauth.hostingco.example</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>OAuth2</authentication>
    </incomingServer>${imapServer('imap.%EMAILDOMAIN%', 993, 'SSL')}`,
  ),
  '/autoconfig/xn--bcher-kva.example/mail/config-v1.1.xml': clientConfig(
    'xn--bcher-kva.example',
    'Bücher Mail',
    imapServer('imap.xn--bcher-kva.example', 993, 'SSL'),
  ),
  // A domain that publishes Microsoft 365's server in its own autoconfig.
  '/autoconfig/m365.example/mail/config-v1.1.xml': clientConfig(
    'm365.example',
    'Microsoft 365',
    imapServer('outlook.office365.com', 993, 'SSL'),
  ),
};

/** The "billion laughs" document: entity expansion would take gigabytes. */
export const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE clientConfig [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<clientConfig version="1.1"><emailProvider id="x"><displayName>&lol9;</displayName></emailProvider></clientConfig>`;

export interface DiscoveryFixtures {
  readonly dns: DnsFixtureServer;
  readonly http: HttpFixtureServer;
  /** Options pointing discovery at the fixture servers. */
  options(overrides?: {
    timeoutMs?: number;
    sources?: readonly DiscoverySource[];
    signal?: AbortSignal;
  }): DiscoverSettingsOptions;
  close(): Promise<void>;
}

/** Starts the DNS and HTTP fixture servers with the zones and documents above. */
export async function startDiscoveryFixtures(): Promise<DiscoveryFixtures> {
  const dns = await startDnsFixtureServer(fixtureZones);
  const http = await startHttpFixtureServer();
  for (const [path, body] of Object.entries(fixtureDocuments))
    http.routes.set(path, { kind: 'document', body });
  // One resolver for the file. Its own timeout (5 s) is longer than any discovery deadline in the tests,
  // so a query ended early was ended by discovery's deadline, not by the resolver; close() cancels it.
  const resolver = dns.resolver(5_000);
  return {
    dns,
    http,
    options: (overrides = {}) => ({
      resolver,
      urls: {
        autoconfig: `${http.origin}/autoconfig/{domain}/mail/config-v1.1.xml?emailaddress={email}`,
        wellKnown: `${http.origin}/well-known/{domain}/.well-known/autoconfig/mail/config-v1.1.xml`,
        ispdb: `${http.origin}/ispdb/v1.1/{domain}`,
      },
      timeoutMs: 3_000,
      ...overrides,
    }),
    close: async () => {
      resolver.cancel();
      await Promise.all([dns.close(), http.close()]);
    },
  };
}
