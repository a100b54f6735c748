/**
 * How the connection is protected:
 * - `tls`: implicit TLS from the first byte (port 993, "SSL/TLS" in most mail clients);
 * - `starttls`: plaintext greeting, then upgraded with STARTTLS before login (port 143, and 1143 for
 *   ProtonMail Bridge); the upgrade is required, never skipped;
 * - `none`: no encryption at all; the password travels in clear text. Only when chosen explicitly.
 */
export type SecurityMode = 'tls' | 'starttls' | 'none';

/** The mode that the well-known IMAP ports use. */
export const securityModeOfWellKnownPort: Readonly<Record<number, SecurityMode>> = {
  993: 'tls',
  143: 'starttls',
  1143: 'starttls',
};

/** The port used when only the mode is known. */
export const defaultPortOfSecurityMode: Readonly<Record<SecurityMode, number>> = {
  tls: 993,
  starttls: 143,
  none: 143,
};

// The labels mail clients and admin forms use for the same three modes.
const SECURITY_ALIASES: Readonly<Record<string, SecurityMode>> = {
  tls: 'tls',
  ssl: 'tls',
  'ssl/tls': 'tls',
  implicit: 'tls',
  starttls: 'starttls',
  none: 'none',
};

/**
 * Reads a security mode as a form may send it (`"SSL/TLS"`, `"STARTTLS"`, `"tls"`, ...).
 *
 * @param value - The raw field value.
 * @returns The mode, or `undefined` when the value is not one of the known labels.
 */
export function parseSecurityMode(value: string): SecurityMode | undefined {
  return SECURITY_ALIASES[value.trim().toLowerCase()];
}
