// The email address discovery starts from: its local part and its domain in ASCII.
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import type { FieldIssue } from '../errors/failure-detail.js';

/** An address discovery can work with. */
export interface ParsedEmailAddress {
  readonly ok: true;
  /** The address as given, trimmed (a Unicode domain stays Unicode: it is what the admin logs in with). */
  readonly address: string;
  /** The part before the last `@`. */
  readonly localPart: string;
  /** The domain in lower-case ASCII (IDN as punycode), without a trailing dot. */
  readonly domain: string;
}

/** Why an address cannot be used. */
export interface RejectedEmailAddress {
  readonly ok: false;
  readonly issue: FieldIssue;
}

// RFC 1123 label: letters, digits, hyphens, not starting or ending with a hyphen.
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
// RFC 5321 §4.5.3.1: a path is at most 256 octets, so no address is longer.
const MAX_ADDRESS_LENGTH = 254;
// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Splits an email address into local part and ASCII domain, accepting internationalised domains
 * (`anna@bücher.example` → `xn--bcher-kva.example`).
 *
 * @param raw - The address as typed (anything: a form may send `undefined`).
 * @returns The parts, or the issue to show on the `email` field.
 */
export function parseEmailAddress(raw: unknown): ParsedEmailAddress | RejectedEmailAddress {
  if (typeof raw !== 'string') return rejected('invalid_type', 'Enter the email address as text.');
  const address = raw.trim();
  const at = address.lastIndexOf('@');
  if (address.length === 0) return rejected('required', 'Enter the email address.');
  if (at === -1) {
    return rejected(
      'missing_at',
      'Enter the full email address, for example anna@example.com: the part after @ says where the mail is hosted.',
    );
  }
  const localPart = address.slice(0, at);
  const rawDomain = address.slice(at + 1);
  if (localPart.length === 0) return rejected('invalid_email', 'Enter the part before @ as well.');
  if (address.length > MAX_ADDRESS_LENGTH || /\s/.test(address) || CONTROL_CHARACTER.test(address)) {
    return rejected('invalid_email', 'This is not a valid email address.');
  }
  const withoutDot = rawDomain.endsWith('.') ? rawDomain.slice(0, -1) : rawDomain;
  // A domain literal (anna@[192.0.2.1]) names no domain to look up.
  if (withoutDot.startsWith('[') || isIP(withoutDot) !== 0) {
    return rejected('invalid_domain', 'Discovery needs a domain name after @, not an IP address.');
  }
  const domain = domainToASCII(withoutDot);
  if (domain === '' || domain.length > 253 || !domain.split('.').every((label) => HOST_LABEL.test(label))) {
    return rejected('invalid_domain', `"${rawDomain}" is not a valid domain name.`);
  }
  return { ok: true, address, localPart, domain };
}

function rejected(code: string, message: string): RejectedEmailAddress {
  return { ok: false, issue: { field: 'email', code, message } };
}
