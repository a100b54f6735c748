/** Warnings about configuration fields. */
import type { FieldIssue } from '../errors/failure-detail.js';
import type { ImapConnectorConfig } from './config-schema.js';
import type { HostNormalization } from './host-input.js';
import { unsupportedProviderOf } from './provider-hints.js';
import { securityModeOfWellKnownPort } from './security-mode.js';

/** What normalising the input did, as far as the warnings need to know. */
export interface NormalizationFacts {
  /** What was done to the Host field. */
  readonly hostNormalizations: readonly HostNormalization[];
  /** Whether the security mode came from a pasted `imaps://` / `imap://` URL. */
  readonly securityFromUrl: boolean;
  /** Whether the security field was given. */
  readonly securityGiven: boolean;
  /** Whether whitespace was trimmed from the username. */
  readonly usernameTrimmed: boolean;
}

/**
 * The non-fatal remarks about a configuration that is usable as is: what was changed while normalizing
 * it, and what looks likely to fail.
 *
 * @param facts - What normalisation did to the input.
 * @param config - The normalized configuration.
 * @returns Warnings in field order, each with a stable code.
 *
 * @example
 * ```ts
 * const warnings = configWarnings({ hostNormalizations: ['url_extracted'], securityFromUrl: true, securityGiven: false, usernameTrimmed: false }, config);
 * ```
 */
export function configWarnings(facts: NormalizationFacts, config: ImapConnectorConfig): FieldIssue[] {
  const warnings: FieldIssue[] = [];
  const warn = (field: string, code: string, message: string) => warnings.push({ field, code, message });

  if (facts.hostNormalizations.includes('url_extracted')) {
    warn(
      'host',
      'url_extracted',
      `Used host "${config.host}" and port ${config.port} from the pasted address.`,
    );
  } else if (facts.hostNormalizations.includes('port_extracted')) {
    warn('host', 'port_extracted', `Used host "${config.host}" and port ${config.port} from the Host field.`);
  }
  if (facts.hostNormalizations.includes('idn_converted')) {
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

  const expected = securityModeOfWellKnownPort[config.port];
  if (!facts.securityGiven && !facts.securityFromUrl && expected === undefined) {
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

  if (facts.usernameTrimmed) {
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
