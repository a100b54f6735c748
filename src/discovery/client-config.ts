// Reads Thunderbird's clientConfig v1.1 format (autoconfig files and the ISPDB): its IMAP servers.
import { parseHostInput } from '../config/host-input.js';
import type { SecurityMode } from '../config/security-mode.js';
import { validateConfig } from '../config/validate-config.js';
import { childrenNamed, childText, parseBoundedXml, type XmlElement } from './bounded-xml.js';
import type { DiscoveredSettings, UsernameForm } from './discovery-result.js';
import type { ParsedEmailAddress } from './email-address.js';

/** An IMAP server from a clientConfig document, placeholders filled in for one address. */
export interface ClientConfigServer {
  readonly settings: DiscoveredSettings;
  readonly usernameForm: UsernameForm;
}

/** What a clientConfig document says about IMAP, or why it could not be used. */
export type ClientConfigReading =
  | {
      readonly ok: true;
      /** `displayName` of the provider, when given. */
      readonly provider: string | null;
      /** The usable IMAP servers, in document order. */
      readonly servers: readonly ClientConfigServer[];
      /** Why other IMAP entries were left out (OAuth2 only, bad port...). */
      readonly skipped: readonly string[];
    }
  | { readonly ok: false; readonly reason: string };

// https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat — socketType values.
const SOCKET_TYPES: Readonly<Record<string, SecurityMode>> = {
  SSL: 'tls',
  STARTTLS: 'starttls',
  plain: 'none',
};
// This connector logs in with LOGIN / AUTHENTICATE PLAIN: a password sent inside the protected connection.
const PASSWORD_AUTHENTICATIONS = new Set(['password-cleartext', 'plain', 'secure']);
// A placeholder left unfilled (an unknown one, or a typo such as `%EMAILADDRESS` without its closing %).
const MAX_PROVIDER_NAME_LENGTH = 100;
// validateConfig needs a password to say the rest is fine; this one goes nowhere.
const PASSWORD_FOR_CHECK = 'password-not-used';
const PLACEHOLDER = /%[A-Z]{2,}/;

/**
 * Reads the IMAP servers from a clientConfig document (Thunderbird autoconfig format v1.1), filling in
 * `%EMAILADDRESS%`, `%EMAILLOCALPART%` and `%EMAILDOMAIN%` for `email`.
 *
 * @param xml - The document as received (untrusted, already bounded in size).
 * @param email - The address being set up.
 * @returns The servers, or why the document was refused.
 */
export function readClientConfig(xml: string, email: ParsedEmailAddress): ClientConfigReading {
  const parsed = parseBoundedXml(xml);
  if (!parsed.ok) return { ok: false, reason: `invalid XML: ${parsed.reason}` };
  if (parsed.root.name !== 'clientConfig') {
    return { ok: false, reason: `not a clientConfig document (root <${parsed.root.name}>)` };
  }
  const servers: ClientConfigServer[] = [];
  const skipped: string[] = [];
  let provider: string | null = null;
  for (const emailProvider of childrenNamed(parsed.root, 'emailProvider')) {
    // Shown in a form: a display name, not a page of text.
    provider ??= childText(emailProvider, 'displayName')?.slice(0, MAX_PROVIDER_NAME_LENGTH) || null;
    for (const incoming of childrenNamed(emailProvider, 'incomingServer')) {
      if (incoming.attributes.get('type') !== 'imap') continue;
      const server = imapServerOf(incoming, email);
      if (typeof server === 'string') skipped.push(server);
      else servers.push(server);
    }
  }
  return { ok: true, provider, servers, skipped };
}

function imapServerOf(incoming: XmlElement, email: ParsedEmailAddress): ClientConfigServer | string {
  const rawHost = fill(childText(incoming, 'hostname') ?? '', email);
  const host = parseHostInput(rawHost);
  if (!host.ok || host.port !== undefined || PLACEHOLDER.test(rawHost))
    return `invalid hostname "${rawHost}"`;
  const rawPort = childText(incoming, 'port') ?? '';
  const port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : Number.NaN;
  if (!(port >= 1 && port <= 65_535)) return `${host.host}: invalid port "${rawPort}"`;
  const security = SOCKET_TYPES[childText(incoming, 'socketType') ?? ''];
  if (security === undefined)
    return `${host.host}: unknown socketType "${childText(incoming, 'socketType') ?? ''}"`;
  const authentications = childrenNamed(incoming, 'authentication').map((element) => element.text.trim());
  if (authentications.length > 0 && !authentications.some((method) => PASSWORD_AUTHENTICATIONS.has(method))) {
    return `${host.host}: no password sign-in (only ${authentications.join(', ')})`;
  }
  const template = childText(incoming, 'username') ?? '%EMAILADDRESS%';
  const username = fill(template, email);
  if (username === '' || hasUnfilledPlaceholder(template))
    return `${host.host}: unusable username "${template}"`;
  const settings = { host: host.host, port, security, username };
  // What the network says must be what the form accepts: a candidate always feeds validateConfig.
  const checked = validateConfig({ ...settings, password: PASSWORD_FOR_CHECK });
  if (!checked.ok) {
    const issue = checked.issues[0];
    return `${host.host}: ${issue?.field ?? 'settings'} refused (${issue?.message ?? 'invalid'})`;
  }
  const usernameForm: UsernameForm =
    template === '%EMAILADDRESS%'
      ? 'email-address'
      : template === '%EMAILLOCALPART%'
        ? 'local-part'
        : 'other';
  return { settings, usernameForm };
}

function hasUnfilledPlaceholder(template: string): boolean {
  return PLACEHOLDER.test(fill(template, { address: '', localPart: '', domain: '' }));
}

function fill(template: string, email: Omit<ParsedEmailAddress, 'ok'>): string {
  return template
    .replaceAll('%EMAILADDRESS%', email.address)
    .replaceAll('%EMAILLOCALPART%', email.localPart)
    .replaceAll('%EMAILDOMAIN%', email.domain);
}
