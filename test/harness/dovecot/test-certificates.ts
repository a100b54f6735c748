import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A throwaway certificate authority and a server certificate it signed, as PEM text and files. */
export interface TestCertificates {
  /** The CA certificate a client must trust (what a host passes as `tls.ca`). */
  readonly caPem: string;
  readonly serverCertPath: string;
  readonly serverKeyPath: string;
}

/** The names the server certificate is valid for: every address the harness listens on. */
export const CERTIFICATE_NAMES = ['DNS:localhost', 'IP:127.0.0.1', 'IP:127.0.0.2', 'IP:127.0.0.3', 'IP:::1'];

/**
 * Creates a fresh CA and a server certificate for `localhost` and the loopback addresses with the
 * `openssl` command line (ships with Debian; Node has no API to issue certificates).
 *
 * @param directory - Where the files go.
 * @returns The CA PEM and the server's certificate and key paths.
 */
export function createTestCertificates(directory: string): TestCertificates {
  const file = (name: string) => path.join(directory, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ecKey,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=imap-connector test CA',
  );
  openssl(
    'req',
    ...ecKey,
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
    '-subj',
    '/CN=localhost',
  );
  const extensions = file('server.ext');
  execFileSync('sh', [
    '-c',
    `printf 'subjectAltName=%s\\n' "$1" > "$2"`,
    'sh',
    CERTIFICATE_NAMES.join(','),
    extensions,
  ]);
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.crt'),
    '-days',
    '2',
    '-extfile',
    extensions,
  );
  return {
    caPem: readFileSync(file('ca.crt'), 'utf8'),
    serverCertPath: file('server.crt'),
    serverKeyPath: file('server.key'),
  };
}
