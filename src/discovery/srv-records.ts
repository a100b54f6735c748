// RFC 6186 service records for IMAP: which of a domain's SRV answers to offer, best first.
import type { SrvRecord } from 'node:dns';
import type { SecurityMode } from '../config/security-mode.js';

/** The two RFC 6186 IMAP services and the mode each implies. */
export const imapSrvServices = [
  { prefix: '_imaps._tcp', security: 'tls' },
  { prefix: '_imap._tcp', security: 'starttls' },
] as const satisfies readonly { prefix: string; security: SecurityMode }[];

/** An SRV answer for one of the services. */
export interface ImapSrvRecord extends SrvRecord {
  readonly security: SecurityMode;
}

/**
 * Orders the answers of both services and drops the ones that name no server.
 *
 * RFC 2782: a lone record whose target is "." means the service is decidedly not offered; lower
 * priority is preferred. RFC 6186 §3.4: priorities compare across `_imaps` and `_imap`, so a provider
 * can state which it prefers. Among equal priorities implicit TLS goes first (RFC 8314 §5.1), then the
 * larger weight: RFC 2782 picks at random by weight, but a form shows one best answer, and a random
 * order would make it change from one click to the next.
 *
 * @param records - The answers of `_imaps._tcp` and `_imap._tcp`, tagged with the mode.
 * @returns Usable records, best first.
 */
export function orderSrvRecords(records: readonly ImapSrvRecord[]): ImapSrvRecord[] {
  return records
    .filter((record) => !isNoService(record))
    .sort(
      (a, b) =>
        a.priority - b.priority ||
        Number(b.security === 'tls') - Number(a.security === 'tls') ||
        b.weight - a.weight,
    );
}

/**
 * Tells whether an SRV answer says the service is not offered (target ".", or port 0).
 *
 * @param record - One answer.
 * @returns `true` when it names no server.
 */
export function isNoService(record: SrvRecord): boolean {
  // c-ares reports the root target "." as an empty name.
  return record.name === '' || record.name === '.' || record.port === 0;
}

/**
 * Tells whether `host` is `domain` or inside it. RFC 6186 §6: DNS answers are not authenticated, so a
 * target outside the address's domain deserves less trust (and the admin's confirmation).
 *
 * @param host - The SRV target, lower-case, without trailing dot.
 * @param domain - The address's domain.
 * @returns `true` when the host is within the domain.
 */
export function isWithinDomain(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}
