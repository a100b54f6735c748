import type { FieldIssue } from '../errors/failure-detail.js';
import type { ImapConnectorConfig, ImapConnectorConfigInput } from './config-schema.js';
import { parseHostInput } from './host-input.js';
import { unsupportedProviderOf } from './provider-hints.js';
import { parseSecurityMode, securityModeOfWellKnownPort } from './security-mode.js';

/**
 * The non-fatal remarks about a configuration that is usable as is: what was changed while normalizing
 * it, and what looks likely to fail.
 *
 * @param input - The raw input (to see what was pasted).
 * @param config - The normalized configuration.
 * @returns Warnings in field order, each with a stable code.
 */
export function configWarnings(input: ImapConnectorConfigInput, config: ImapConnectorConfig): FieldIssue[] {
  const warnings: FieldIssue[] = [];
  const warn = (field: string, code: string, message: string) => warnings.push({ field, code, message });

  const host = parseHostInput(input.host);
  if (host.ok && host.normalizations.includes('url_extracted')) {
    warn(
      'host',
      'url_extracted',
      `Used host "${config.host}" and port ${config.port} from the pasted address.`,
    );
  } else if (host.ok && host.normalizations.includes('port_extracted')) {
    warn('host', 'port_extracted', `Used host "${config.host}" and port ${config.port} from the Host field.`);
  }
  if (host.ok && host.normalizations.includes('idn_converted')) {
    warn('host', 'idn_converted', `The host name is used in its ASCII form, ${config.host}.`);
  }

  const provider = unsupportedProviderOf(config.host, config.username);
  if (provider === 'microsoft') {
    warn(
      'host',
      'oauth_required',
      'Outlook.com, Hotmail and Microsoft 365 accept only OAuth sign-in for IMAP, not passwords: use the Microsoft 365 integration instead.',
    );
  } else if (provider === 'google') {
    warn('host', 'dedicated_integration', 'For Gmail accounts, use the Gmail integration instead of IMAP.');
  }

  // A blank security field is "not given" (config-schema.ts), like a missing one.
  const explicitSecurity =
    input.security === undefined || input.security === null ? undefined : parseSecurityMode(input.security);
  const expected = securityModeOfWellKnownPort[config.port];
  if (explicitSecurity === undefined && host.ok && host.security === undefined && expected === undefined) {
    warn(
      'security',
      'guessed',
      `Port ${config.port} is not a standard IMAP port; assuming SSL/TLS. Choose the security mode explicitly if that is wrong.`,
    );
  }
  if (expected !== undefined && expected !== config.security && config.security !== 'none') {
    warn(
      'security',
      'port_mismatch',
      `Port ${config.port} normally uses ${labelOf(expected)}, not ${labelOf(config.security)}; the connection will probably fail or hang.`,
    );
  }
  if (config.security === 'none') {
    warn('security', 'insecure', 'No encryption: the password and all mail data travel in clear text.');
  }

  if (input.username !== config.username) {
    warn('username', 'whitespace_trimmed', 'Removed spaces around the username.');
  }
  if (!/^[^\s@]+@[^\s@]+$/.test(config.username)) {
    warn(
      'username',
      'not_an_email',
      'Most providers expect the full email address as username (self-hosted servers may use a plain name).',
    );
  }
  if (typeof config.password === 'string' && config.password !== config.password.trim()) {
    warn(
      'password',
      'whitespace',
      'The password starts or ends with a space or line break, which is almost always a copy-paste mistake: re-copy it without the surrounding whitespace.',
    );
  }
  if (!config.tls.rejectUnauthorized) {
    warn(
      'tls.rejectUnauthorized',
      'certificate_checks_disabled',
      'Certificate checks are OFF: anyone on the network path can impersonate the server and read the password. Pass the server certificate as tls.ca instead.',
    );
  }
  return warnings;
}

function labelOf(mode: string): string {
  return mode === 'tls' ? 'SSL/TLS' : mode === 'starttls' ? 'STARTTLS' : 'no encryption';
}
