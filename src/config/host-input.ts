import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import type { SecurityMode } from './security-mode.js';

/** What was done to a pasted host value to make it usable, reported back as warnings. */
export type HostNormalization = 'url_extracted' | 'port_extracted' | 'brackets_removed' | 'idn_converted';

/** A host value that could be used. */
export interface ParsedHost {
  readonly ok: true;
  /** ASCII host name (IDN converted to punycode), IPv4, or IPv6 without brackets. */
  readonly host: string;
  /** A port found in a pasted URL or `host:port`. */
  readonly port?: number;
  /** The mode implied by a pasted URL's scheme (`imaps:` → tls, `imap:` → starttls). */
  readonly security?: SecurityMode;
  readonly normalizations: readonly HostNormalization[];
}

/** A host value that cannot be used, with a reason for the form. */
export interface RejectedHost {
  readonly ok: false;
  readonly code: 'required' | 'looks_like_email' | 'unsupported_url' | 'invalid_host';
  readonly message: string;
}

const URL_SCHEMES: Readonly<Record<string, SecurityMode>> = { 'imaps:': 'tls', 'imap:': 'starttls' };
// RFC 1123 label: letters, digits, hyphens, not starting or ending with a hyphen.
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

/**
 * Turns what an admin pastes into the Host field into a host name, accepting the forms seen in
 * practice: surrounding whitespace, `imaps://imap.fastmail.com:993/`, `imap.example.com:993`, `[::1]`,
 * IPv6, and internationalised domain names.
 *
 * @param raw - The Host field as typed.
 * @returns The host (and any port or mode it implied), or why it cannot be used.
 */
export function parseHostInput(raw: string): ParsedHost | RejectedHost {
  const trimmed = raw.trim();
  if (trimmed.length === 0)
    return { ok: false, code: 'required', message: 'Enter the IMAP server host name.' };
  if (trimmed.includes('@') && !trimmed.includes('://')) {
    return {
      ok: false,
      code: 'looks_like_email',
      message:
        'This looks like an email address. The host is the IMAP server name, for example imap.fastmail.com.',
    };
  }
  if (trimmed.includes('://')) return parseHostUrl(trimmed);
  return parseBareHost(trimmed, []);
}

function parseHostUrl(text: string): ParsedHost | RejectedHost {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, code: 'invalid_host', message: 'This is not a valid host name or imap:// address.' };
  }
  const security = URL_SCHEMES[url.protocol];
  if (security === undefined) {
    return {
      ok: false,
      code: 'unsupported_url',
      message: `A ${url.protocol.replace(':', '')} address is not an IMAP server. Enter the IMAP host, for example imap.fastmail.com.`,
    };
  }
  // URL keeps IPv6 hosts in brackets and has already converted IDN names to punycode.
  const parsed = parseBareHost(url.hostname, ['url_extracted']);
  if (!parsed.ok) return parsed;
  const port = url.port === '' ? undefined : Number(url.port);
  return { ...parsed, ...(port === undefined ? {} : { port }), security };
}

function parseBareHost(text: string, normalizations: HostNormalization[]): ParsedHost | RejectedHost {
  let host = text;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  if (bracketed?.[1] !== undefined) {
    host = bracketed[1];
    normalizations.push('brackets_removed');
    if (bracketed[2] !== undefined) {
      port = Number(bracketed[2]);
      normalizations.push('port_extracted');
    }
  } else {
    // One colon followed by digits is host:port; several colons is an IPv6 address.
    const hostAndPort = /^([^:]+):(\d+)$/.exec(host);
    if (hostAndPort?.[1] !== undefined && hostAndPort[2] !== undefined) {
      host = hostAndPort[1];
      port = Number(hostAndPort[2]);
      normalizations.push('port_extracted');
    }
  }
  if (isIP(host) !== 0) return { ok: true, host, ...(port === undefined ? {} : { port }), normalizations };
  const withoutTrailingDot = host.endsWith('.') ? host.slice(0, -1) : host;
  const ascii = domainToASCII(withoutTrailingDot);
  if (ascii === '' || !isValidHostName(ascii)) {
    return {
      ok: false,
      code: 'invalid_host',
      message: 'This is not a valid host name. Enter only the server name, for example imap.fastmail.com.',
    };
  }
  if (ascii !== withoutTrailingDot.toLowerCase()) normalizations.push('idn_converted');
  return { ok: true, host: ascii, ...(port === undefined ? {} : { port }), normalizations };
}

function isValidHostName(name: string): boolean {
  if (name.length > 253) return false;
  const labels = name.split('.');
  // A bare number is not a host name (and not an IPv4 address either, which isIP() already accepted).
  if (labels.every((label) => /^\d+$/.test(label))) return false;
  return labels.every((label) => HOST_LABEL.test(label));
}
