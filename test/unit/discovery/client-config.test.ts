import { describe, expect, it } from 'vitest';
import { readClientConfig } from '../../../src/discovery/client-config.js';
import { type ParsedEmailAddress, parseEmailAddress } from '../../../src/discovery/email-address.js';

function address(raw: string): ParsedEmailAddress {
  const parsed = parseEmailAddress(raw);
  if (!parsed.ok) throw new Error(parsed.issue.message);
  return parsed;
}

const anna = address('anna@example.com');

const document = (incoming: string) =>
  `<clientConfig version="1.1"><emailProvider id="example.com"><displayName>Example</displayName>${incoming}</emailProvider></clientConfig>`;

const imap = (fields: Record<string, string | string[]>, type = 'imap') =>
  `<incomingServer type="${type}">${Object.entries(fields)
    .flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).map((item) => `<${name}>${item}</${name}>`),
    )
    .join('')}</incomingServer>`;

const server = { hostname: 'imap.example.com', port: '993', socketType: 'SSL', username: '%EMAILADDRESS%' };

describe('readClientConfig', () => {
  it.each([
    ['SSL', 'tls'],
    ['STARTTLS', 'starttls'],
    ['plain', 'none'],
  ])('socketType %s is %s', (socketType, security) => {
    const reading = readClientConfig(document(imap({ ...server, socketType })), anna);
    expect(reading).toMatchObject({ ok: true, servers: [{ settings: { security } }] });
  });

  it.each([
    ['%EMAILADDRESS%', 'anna@example.com', 'email-address'],
    ['%EMAILLOCALPART%', 'anna', 'local-part'],
    ['%EMAILLOCALPART%@mail.%EMAILDOMAIN%', 'anna@mail.example.com', 'other'],
    ['shared-login', 'shared-login', 'other'],
  ])('username %s is %s (%s)', (template, username, usernameForm) => {
    const reading = readClientConfig(document(imap({ ...server, username: template })), anna);
    expect(reading).toMatchObject({ ok: true, servers: [{ settings: { username }, usernameForm }] });
  });

  it('a missing username means the address', () => {
    const { username: _, ...withoutUsername } = server;
    const reading = readClientConfig(document(imap(withoutUsername)), anna);
    expect(reading).toMatchObject({ ok: true, servers: [{ settings: { username: 'anna@example.com' } }] });
  });

  it('fills %EMAILDOMAIN% in the host name with the ASCII domain', () => {
    const reading = readClientConfig(
      document(imap({ ...server, hostname: 'imap.%EMAILDOMAIN%' })),
      address('anna@bücher.example'),
    );
    expect(reading).toMatchObject({
      ok: true,
      servers: [{ settings: { host: 'imap.xn--bcher-kva.example' } }],
    });
  });

  it('keeps only IMAP servers, in document order, and names the provider', () => {
    const reading = readClientConfig(
      document(
        imap({ ...server, hostname: 'pop.example.com', port: '995' }, 'pop3') +
          imap({ ...server, hostname: 'a.example.com' }) +
          imap({ ...server, hostname: 'b.example.com', port: '143', socketType: 'STARTTLS' }),
      ),
      anna,
    );
    expect(reading).toEqual({
      ok: true,
      provider: 'Example',
      skipped: [],
      servers: [
        {
          settings: { host: 'a.example.com', port: 993, security: 'tls', username: 'anna@example.com' },
          usernameForm: 'email-address',
        },
        {
          settings: { host: 'b.example.com', port: 143, security: 'starttls', username: 'anna@example.com' },
          usernameForm: 'email-address',
        },
      ],
    });
  });

  it.each([
    [{ authentication: ['OAuth2'] }, 'imap.example.com: no password sign-in (only OAuth2)'],
    [{ port: '0' }, 'imap.example.com: invalid port "0"'],
    [{ port: '99999' }, 'imap.example.com: invalid port "99999"'],
    [{ port: '993abc' }, 'imap.example.com: invalid port "993abc"'],
    [{ socketType: 'TLS1.3' }, 'imap.example.com: unknown socketType "TLS1.3"'],
    [{ hostname: 'imap.example.com:993' }, 'invalid hostname "imap.example.com:993"'],
    [{ hostname: 'evil host' }, 'invalid hostname "evil host"'],
    [{ hostname: '' }, 'invalid hostname ""'],
    [{ hostname: 'imap.%REALNAME%.com' }, 'invalid hostname "imap.%REALNAME%.com"'],
    [{ username: '%EMAILADDRESS' }, 'imap.example.com: unusable username "%EMAILADDRESS"'],
    [{ username: '%REALNAME%' }, 'imap.example.com: unusable username "%REALNAME%"'],
    [
      { username: '%EMAILLOCALPART%&#10;x' },
      // validateConfig's own wording follows in parentheses.
      expect.stringMatching(/^imap\.example\.com: username refused \(.*control character/),
    ],
  ])('skips %j: %s', (fields, skipped) => {
    const reading = readClientConfig(document(imap({ ...server, ...fields })), anna);
    expect(reading).toEqual({ ok: true, provider: 'Example', servers: [], skipped: [skipped] });
  });

  it('accepts a server that offers OAuth2 and a password', () => {
    const reading = readClientConfig(
      document(imap({ ...server, authentication: ['OAuth2', 'password-cleartext'] })),
      anna,
    );
    expect(reading).toMatchObject({ ok: true, servers: [{ settings: { host: 'imap.example.com' } }] });
  });

  it('refuses a document of another kind', () => {
    expect(readClientConfig('<rss><channel/></rss>', anna)).toEqual({
      ok: false,
      reason: 'not a clientConfig document (root <rss>)',
    });
  });
});
