import { afterEach, beforeAll, expect, it } from 'vitest';
import { errorCatalog, ImapConnector } from '../../src/index.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import { createMailUser, type DovecotEndpoint } from '../harness/dovecot/dovecot-server.js';
import { type RewritingProxy, startRewritingProxy } from '../harness/rewriting-proxy.js';

// The published docs' fix for "HTTP 401: <body excerpt>", word for word (product-docs/imap-setup.md).
const publishedFix = 'Re-check that you copied the full token, no leading/trailing whitespace.';
// Dovecot's refusal of a wrong password (imap-login, RFC 5530 code included).
const DOVECOT_REFUSAL = /^(\S+) NO \[AUTHENTICATIONFAILED\] .*$/;

describeWithDovecot('a wrong password on a server that sends no [AUTHENTICATIONFAILED]', () => {
  let server: DovecotEndpoint;
  let proxy: RewritingProxy | undefined;

  beforeAll(() => {
    server = sharedDovecot();
  });

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  /** Real Dovecot, its refusal reworded the way another vendor words it. */
  async function testThrough(refusal: string, password: (real: string) => string) {
    // A user of its own per case: Dovecot delays the next logins of an account after a failed one.
    const user = createMailUser(server, 'refusal');
    proxy = await startRewritingProxy(server.plainPort, (line) =>
      line.replace(DOVECOT_REFUSAL, `$1 ${refusal}`),
    );
    const result = await new ImapConnector({
      host: server.host,
      port: proxy.port,
      username: user.username,
      password: password(user.password),
      // Dovecot accepts a plaintext login from the loopback address, so the proxy can read the lines.
      security: 'none',
    }).testConnection();
    expect(JSON.stringify(result)).not.toContain(user.password);
    return { result, serverLines: proxy.serverLines() };
  }

  it.each([
    ['Cyrus', 'NO authentication failure', 'HTTP 401: authentication failure'],
    ['Courier', 'NO Login failed.', 'HTTP 401: Login failed.'],
  ])(
    'gives the docs row "HTTP 401: <body excerpt>" in %s words, with the app-password fix',
    async (_vendor, refusal, message) => {
      const { result, serverLines } = await testThrough(refusal, (real) => `${real}-wrong`);
      // Dovecot really refused the password (the rewrite had something to rewrite).
      expect(serverLines.some((line) => DOVECOT_REFUSAL.test(line))).toBe(true);
      expect(result).toMatchObject({
        ok: false,
        code: 'CREDENTIALS_REJECTED',
        message,
        httpStatus: 401,
        retryable: false,
        fix: errorCatalog.CREDENTIALS_REJECTED.fix,
      });
      if (result.ok) return;
      expect(result.fix.startsWith(publishedFix)).toBe(true);
      expect(result.fix).toMatch(/generate an app-specific password/i);
      expect(result.detail).toMatchObject({ phase: 'login', serverResponse: refusal.replace(/^NO /, '') });
    },
  );

  it('logs in through the same proxy with the right password (the proxy changes only the refusal)', async () => {
    const { result } = await testThrough('NO authentication failure', (real) => real);
    expect(result).toMatchObject({ ok: true });
  });
});
