import { describe, inject } from 'vitest';
import { DOVECOT_ENV, type DovecotEndpoint, findDovecot } from './dovecot-server.js';

/** Why real-server tests skip, in one line, or undefined when Dovecot is available. */
export function dovecotMissingReason(): string | undefined {
  if (findDovecot()) return undefined;
  return process.env[DOVECOT_ENV] === 'none'
    ? `Dovecot is hidden (${DOVECOT_ENV}=none)`
    : 'Dovecot is not installed (apt-get install -y dovecot-imapd)';
}

/** The one-line reason real-server tests skip, or undefined when Dovecot is available. */
export const dovecotSkipReason: string | undefined = (() => {
  const reason = dovecotMissingReason();
  return reason === undefined ? undefined : `SKIPPED: ${reason}`;
})();

/**
 * `describe` for tests that need a real Dovecot: skips loudly, with its reason in the suite name,
 * when it is not installed (global setup already fails the run in CI then).
 */
export const describeWithDovecot = (name: string, body: () => void) =>
  dovecotSkipReason ? describe.skip(`${name} — ${dovecotSkipReason}`, body) : describe(name, body);

/**
 * The shared standard instance started by global setup.
 *
 * @returns Its endpoint; throws when it is missing (call inside {@link describeWithDovecot} only).
 */
export function sharedDovecot(): DovecotEndpoint {
  const endpoint = inject('dovecot');
  if (!endpoint) throw new Error('the shared Dovecot is not running');
  return endpoint;
}
