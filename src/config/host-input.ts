/** Turns what an admin pastes into the Host (or certificate name) field into a host name and a port. */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { hasControlCharacter } from './control-characters.js';
import type { SecurityMode } from './security-mode.js';

/** What was done to a pasted host value to make it usable, reported back as warnings. */
export type HostNormalization = 'url_extracted' | 'port_extracted' | 'brackets_removed' | 'idn_converted';

/** A host value that could be used. */
export interface ParsedHost {
  readonly ok: true;
  /** ASCII host name (IDN converted to punycode), IPv4, or IPv6 without brackets. */
  readonly host: string;
  /** A port found in a pasted URL or `host:port`, between 1 and 65535. */
  readonly port?: number;
  /** The mode implied by a pasted URL's scheme (`imaps:` → tls, `imap:` → starttls). */
  readonly security?: SecurityMode;
  readonly normalizations: readonly HostNormalization[];
}

/** Why a host value cannot be used: the stable codes a form can branch on. */
export type HostRejection =
  | 'required'
  | 'looks_like_email'
  | 'unsupported_url'
  | 'invalid_host'
  | 'control_character'
  | 'has_path'
  | 'has_credentials'
  | 'port_out_of_range';

/** A host value that cannot be used, with a reason for the form. */
export interface RejectedHost {
  readonly ok: false;
  readonly code: HostRejection;
  readonly message: string;
}

const URL_SCHEMES: Readonly<Record<string, SecurityMode>> = { 'imaps:': 'tls', 'imap:': 'starttls' };
// RFC 1123 label: letters, digits, hyphens, not starting or ending with a hyphen.
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
const MAX_PORT = 65_535;
const EXAMPLE = 'for example imap.fastmail.com';

/**
 * Turns what an admin pastes into the Host field into a host name, accepting the forms seen in
 * practice: surrounding whitespace, `imaps://imap.fastmail.com:993/`, `imap.example.com:993`, `[::1]`,
 * IPv6, and internationalised domain names. A bare value is read as the authority of an `imap://` URL
 * by the WHATWG URL parser (what browsers use), so a path (`imap.fastmail.com/mail`), a query, a
 * fragment or credentials are refused rather than silently dropped, and the port is range-checked.
 *
 * @param raw - The Host field as typed.
 * @returns The host (and any port or mode it implied), or why it cannot be used.
 *
 * @example
 * ```ts
 * parseHostInput(' imaps://imap.fastmail.com:993/ '); // { ok: true, host: 'imap.fastmail.com', port: 993, security: 'tls', ... }
 * parseHostInput('imap.fastmail.com/mail'); // { ok: false, code: 'has_path', ... }
 * ```
 */
export function parseHostInput(raw: string): ParsedHost | RejectedHost {
  const trimmed = raw.trim();
  if (trimmed.length === 0) return rejected('required', 'Enter the IMAP server host name.');
  if (hasControlCharacter(trimmed)) {
    return rejected(
      'control_character',
      `The host contains a line break or another control character; enter only the server name, ${EXAMPLE}.`,
    );
  }
  const hasScheme = trimmed.includes('://');
  if (trimmed.includes('@') && !hasScheme) {
    return rejected(
      'looks_like_email',
      `This looks like an email address. The host is the IMAP server name, ${EXAMPLE}.`,
    );
  }
  // A bare IPv6 address has colons that a URL would read as a port.
  if (!hasScheme && isIP(trimmed) !== 0) return { ok: true, host: trimmed, normalizations: [] };
  return parseAuthority(hasScheme ? trimmed : `imap://${trimmed}`, hasScheme);
}

function parseAuthority(text: string, hasScheme: boolean): ParsedHost | RejectedHost {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    const port = /:(\d+)(?:[/?#]|$)/.exec(text)?.[1];
    if (port !== undefined && Number(port) > MAX_PORT) return portOutOfRange();
    return rejected(
      'invalid_host',
      hasScheme
        ? 'This is not a valid host name or imap:// address.'
        : `This is not a valid host name. Enter only the server name, ${EXAMPLE}.`,
    );
  }
  const security = URL_SCHEMES[url.protocol];
  if (security === undefined) {
    return rejected(
      'unsupported_url',
      `A ${url.protocol.replace(':', '')} address is not an IMAP server. Enter the IMAP host, ${EXAMPLE}.`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    return rejected(
      'has_credentials',
      'Enter only the server name here; the username and password have their own fields.',
    );
  }
  // `imaps://host:993/` is a common paste; anything after the slash would be silently ignored.
  const path = url.pathname === '/' ? '' : url.pathname;
  if (path !== '' || url.search !== '' || url.hash !== '' || /[?#]/.test(text)) {
    return rejected(
      'has_path',
      `Enter only the server name, ${EXAMPLE}, without a path like "${path || url.search || url.hash || '?'}".`,
    );
  }
  if (url.port === '0') return portOutOfRange();
  const normalizations: HostNormalization[] = hasScheme ? ['url_extracted'] : [];
  const port = url.port === '' ? undefined : Number(url.port);
  if (port !== undefined && !hasScheme) normalizations.push('port_extracted');
  const host = parseHostName(url.hostname, normalizations);
  if (!host.ok) return host;
  return {
    ...host,
    ...(port === undefined ? {} : { port }),
    ...(hasScheme ? { security } : {}),
  };
}

function parseHostName(hostname: string, normalizations: HostNormalization[]): ParsedHost | RejectedHost {
  let host = hostname;
  if (host.startsWith('[') && host.endsWith(']')) {
    host = host.slice(1, -1);
    normalizations.push('brackets_removed');
  }
  if (isIP(host) !== 0) return { ok: true, host, normalizations };
  // An imap: URL's host is opaque (WHATWG URL §3.5): non-ASCII arrives percent-encoded, not as punycode.
  let decoded: string;
  try {
    decoded = decodeURIComponent(host);
  } catch {
    return invalidHost();
  }
  const withoutTrailingDot = decoded.endsWith('.') ? decoded.slice(0, -1) : decoded;
  const ascii = domainToASCII(withoutTrailingDot);
  if (ascii === '' || !isValidHostName(ascii)) return invalidHost();
  if (ascii !== withoutTrailingDot.toLowerCase()) normalizations.push('idn_converted');
  return { ok: true, host: ascii, normalizations };
}

function isValidHostName(name: string): boolean {
  if (name.length > 253) return false;
  const labels = name.split('.');
  // A bare number is not a host name (and not an IPv4 address either, which isIP() already accepted).
  if (labels.every((label) => /^\d+$/.test(label))) return false;
  return labels.every((label) => HOST_LABEL.test(label));
}

function rejected(code: HostRejection, message: string): RejectedHost {
  return { ok: false, code, message };
}

function invalidHost(): RejectedHost {
  return rejected('invalid_host', `This is not a valid host name. Enter only the server name, ${EXAMPLE}.`);
}

function portOutOfRange(): RejectedHost {
  return rejected(
    'port_out_of_range',
    'The port after the colon must be between 1 and 65535, usually 993 (SSL/TLS) or 143 (STARTTLS).',
  );
}
