import { beforeAll, expect, it } from 'vitest';
import { ImapConnector } from '../../src/index.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import { createMailUser, type DovecotEndpoint, type MailUser } from '../harness/dovecot/dovecot-server.js';
import { seedMailboxes } from '../harness/mail-seeder.js';

interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  entry: Readonly<Record<string, unknown>>;
}

function recordingLogger(entries: LogEntry[]) {
  const at = (level: LogEntry['level']) => (entry: Readonly<Record<string, unknown>>) => {
    entries.push({ level, entry });
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describeWithDovecot('the protocol trace against a real Dovecot', () => {
  let server: DovecotEndpoint;
  let user: MailUser;

  beforeAll(async () => {
    server = sharedDovecot();
    user = createMailUser(server, 'logging');
    await seedMailboxes(server, user, [
      { mailbox: 'INBOX', atMs: Date.UTC(2026, 0, 10) },
      { mailbox: 'Sent', atMs: Date.UTC(2026, 0, 11) },
    ]);
  });

  function secretForms(): string[] {
    return [
      user.password,
      Buffer.from(user.password).toString('base64'),
      Buffer.from(`\0${user.username}\0${user.password}`).toString('base64'),
      Buffer.from(`${user.username}\0${user.username}\0${user.password}`).toString('base64'),
    ];
  }

  it.each([
    ['implicit TLS', 'tls'],
    ['STARTTLS', 'starttls'],
  ] as const)('logs every command at debug over %s, with the credentials masked', async (_name, security) => {
    const entries: LogEntry[] = [];
    const connector = new ImapConnector(
      {
        host: server.host,
        port: security === 'tls' ? server.tlsPort : server.plainPort,
        security,
        username: user.username,
        password: async () => user.password,
        tls: { ca: server.caPem },
      },
      { logger: recordingLogger(entries) },
    );
    const tested = await connector.testConnection();
    expect(tested.ok).toBe(true);
    const counts = await connector.countSignals({
      since: '2026-01-01T00:00:00Z',
      until: '2026-02-01T00:00:00Z',
    });
    expect(counts).toMatchObject({ sent: 1, received: 1, attempts: 1 });

    const clientLines = entries
      .filter(({ level, entry }) => level === 'debug' && entry['src'] === 'c')
      .map(({ entry }) => String(entry['msg']));
    const serverLines = entries.filter(({ entry }) => entry['src'] === 's');
    // The trace is complete enough to debug with: the login, the listing, the read-only opens.
    expect(clientLines.some((line) => /\b(AUTHENTICATE|LOGIN)\b/.test(line))).toBe(true);
    expect(clientLines.some((line) => /\bLIST\b/.test(line))).toBe(true);
    expect(clientLines.some((line) => /\bEXAMINE\b/.test(line))).toBe(true);
    expect(serverLines.length).toBeGreaterThan(0);
    if (security === 'starttls') expect(clientLines.some((line) => /\bSTARTTLS\b/.test(line))).toBe(true);
    for (const { entry } of entries) {
      expect(entry['component']).toBe('imap-connector');
      const text = JSON.stringify(entry);
      for (const form of secretForms()) expect(text).not.toContain(form);
    }
  });
});
