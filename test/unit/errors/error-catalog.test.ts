import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withRenderedTable } from '../../../scripts/error-table.js';
import { errorCatalog, errorCodes, formatCatalogMessage, isErrorCode } from '../../../src/index.js';

// The "Common errors" table of the product's published setup page, copied verbatim.
const publishedCommonErrors = [
  {
    message: 'HTTP 401: AUTHENTICATIONFAILED',
    meaning: 'Wrong password, or the provider requires an app-specific password.',
    fix: "Generate an app-specific password in your provider's settings and paste that instead of the regular account password.",
  },
  {
    message: 'Connection refused',
    meaning: 'Wrong host or port.',
    fix: 'Most providers use 993 for SSL, 143 for STARTTLS — re-check the provider docs and re-paste.',
  },
  {
    message: 'HTTP 401: <body excerpt>',
    meaning: 'Credentials rejected.',
    fix: 'Re-check that you copied the full token, no leading/trailing whitespace.',
  },
];

describe('error catalog', () => {
  it.each(publishedCommonErrors)('contains the published row "$message" word for word', (row) => {
    const entry = Object.values(errorCatalog).find((candidate) => candidate.message === row.message);
    expect(entry).toMatchObject({ message: row.message, meaning: row.meaning });
    // The published fix comes first, word for word; the SDK may add to it.
    expect(entry?.fix.startsWith(row.fix)).toBe(true);
  });

  it('says, for credentials rejected without a response code, that an app-specific password is the commonest fix', () => {
    expect(errorCatalog.CREDENTIALS_REJECTED.fix).toMatch(/generate an app-specific password.*commonest/i);
  });

  it('maps the published rows to the codes host apps branch on', () => {
    expect(errorCatalog.AUTHENTICATION_FAILED.message).toBe('HTTP 401: AUTHENTICATIONFAILED');
    expect(errorCatalog.CONNECTION_REFUSED.message).toBe('Connection refused');
    expect(formatCatalogMessage('CREDENTIALS_REJECTED', { bodyExcerpt: 'Invalid login' })).toBe(
      'HTTP 401: Invalid login',
    );
  });

  it('gives every code a fix, a meaning and an HTTP status', () => {
    for (const code of errorCodes) {
      const entry = errorCatalog[code];
      expect(entry.fix.length, code).toBeGreaterThan(10);
      expect(entry.meaning.length, code).toBeGreaterThan(10);
      expect(entry.httpStatus, code).toBeGreaterThanOrEqual(400);
    }
  });

  it('covers every real-life failure named in the design', () => {
    for (const code of [
      'HOST_NOT_FOUND',
      'CONNECT_TIMEOUT',
      'GREETING_TIMEOUT',
      'LOGIN_TIMEOUT',
      'COMMAND_TIMEOUT',
      'TLS_HANDSHAKE_FAILED',
      'CERTIFICATE_UNTRUSTED',
      'CERTIFICATE_EXPIRED',
      'CERTIFICATE_HOSTNAME_MISMATCH',
      'STARTTLS_NOT_SUPPORTED',
      'LOGIN_DISABLED',
      'ACCOUNT_UNAVAILABLE',
      'CONTACT_ADMIN',
      'CREDENTIALS_EXPIRED',
      'PRIVACY_REQUIRED',
      'TOO_MANY_CONNECTIONS',
      'NOT_IMAP_SERVER',
      'CONNECTION_RESET',
      'SERVER_CLOSED_CONNECTION',
      'ABORTED',
    ]) {
      expect(isErrorCode(code), code).toBe(true);
    }
  });

  it('is what docs/troubleshooting.md shows (run `npm run docs:errors` after changing the catalog)', () => {
    const document = readFileSync(new URL('../../../docs/troubleshooting.md', import.meta.url), 'utf8');
    expect(document).toBe(withRenderedTable(document));
  });
});
