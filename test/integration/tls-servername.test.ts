import { afterAll, beforeAll, expect, it } from 'vitest';
import { ImapConnector, type ImapConnectorConfigInput } from '../../src/index.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import { createMailUser, type DovecotEndpoint, type MailUser } from '../harness/dovecot/dovecot-server.js';

// Node warns once per process when SNI is set to an IP address (RFC 6066 §3 forbids it); this file
// runs in a process of its own (vitest forks), so the first IP certificate name below would show it.
const warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);

describeWithDovecot(
  'tls.servername against a real Dovecot (certificate for localhost, 127.0.0.1, ::1)',
  () => {
    let server: DovecotEndpoint;
    let user: MailUser;

    beforeAll(() => {
      process.on('warning', onWarning);
      server = sharedDovecot();
      user = createMailUser(server, 'servername');
    });

    afterAll(() => {
      process.off('warning', onWarning);
    });

    const test = (config: Partial<ImapConnectorConfigInput>) =>
      new ImapConnector({
        host: server.host,
        port: server.tlsPort,
        username: user.username,
        password: user.password,
        security: 'tls',
        tls: { ca: server.caPem },
        ...config,
      }).testConnection();

    it.each([
      ['an imaps:// URL', 'imaps://localhost:993/'],
      ['host:port', 'localhost:993'],
      ['upper case with a trailing dot', ' LOCALHOST. '],
    ])('uses a certificate name pasted as %s in its normalised form', async (_name, servername) => {
      const result = await test({ host: '127.0.0.1', tls: { ca: server.caPem, servername } });
      expect(result).toMatchObject({ ok: true });
    });

    it('verifies the certificate against an IP certificate name, without sending it as SNI', async () => {
      const matching = await test({ host: 'localhost', tls: { ca: server.caPem, servername: '127.0.0.1' } });
      expect(matching).toMatchObject({ ok: true });
      // Still verified: an address the certificate does not name is refused.
      const other = await test({ host: 'localhost', tls: { ca: server.caPem, servername: '192.0.2.1' } });
      expect(other).toMatchObject({ ok: false, code: 'CERTIFICATE_HOSTNAME_MISMATCH' });
      const sameAsHost = await test({
        host: '127.0.0.1',
        tls: { ca: server.caPem, servername: '127.0.0.1' },
      });
      expect(sameAsHost).toMatchObject({ ok: true });
      // The same through STARTTLS (another code path in imapflow), with and without a certificate name.
      for (const tls of [{ ca: server.caPem, servername: '127.0.0.1' }, { ca: server.caPem }]) {
        const upgraded = await test({ host: '127.0.0.1', port: server.plainPort, security: 'starttls', tls });
        expect(upgraded).toMatchObject({ ok: true, server: { security: 'starttls' } });
      }
      const upgradedOther = await test({
        host: '127.0.0.1',
        port: server.plainPort,
        security: 'starttls',
        tls: { ca: server.caPem, servername: '192.0.2.1' },
      });
      expect(upgradedOther).toMatchObject({ ok: false, code: 'CERTIFICATE_HOSTNAME_MISMATCH' });
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((warning) => /RFC 6066|ServerName/i.test(warning))).toEqual([]);
    });
  },
);
