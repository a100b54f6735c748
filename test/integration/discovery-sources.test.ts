// discoverSettings against local DNS and HTTP fixtures that mimic real providers: each source alone,
// precedence when several answer, the wrong-connector answer, IDN, and no probing of IMAP hosts.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DiscoveryResult,
  type DiscoverySuccess,
  discoverSettings,
  validateConfig,
} from '../../src/index.js';
import { activeHandleCount, expectHandlesReleased } from '../harness/active-handles.js';
import { type DiscoveryFixtures, startDiscoveryFixtures } from '../harness/discovery-fixtures.js';
import { startDnsFixtureServer } from '../harness/dns-fixture-server.js';

let fixtures: DiscoveryFixtures;
beforeAll(async () => {
  fixtures = await startDiscoveryFixtures();
});
afterAll(async () => {
  await fixtures.close();
});

function succeeded(result: DiscoveryResult): DiscoverySuccess {
  if (!result.ok) throw new Error(`expected discovery to run, got ${JSON.stringify(result.issues)}`);
  // Every candidate must feed validateConfig as it is, once the password is added.
  for (const candidate of result.candidates) {
    const checked = validateConfig({ ...candidate.settings, password: 'app-password' });
    expect(checked.ok, JSON.stringify(candidate.settings)).toBe(true);
  }
  // Plain JSON: survives a round trip unchanged.
  expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  return result;
}

const summary = (result: DiscoverySuccess) =>
  result.candidates.map(({ settings, source, confidence, alsoFoundBy }) => ({
    ...settings,
    source,
    confidence,
    alsoFoundBy,
  }));

describe('each source alone', () => {
  it('autoconfig: the domain’s autoconfig host, with the address in the query', async () => {
    const result = succeeded(
      await discoverSettings('anna@selfhosted.example', fixtures.options({ sources: ['autoconfig'] })),
    );
    expect(summary(result)).toEqual([
      {
        host: 'imap.selfhosted.example',
        port: 993,
        security: 'tls',
        username: 'anna@selfhosted.example',
        source: 'autoconfig',
        confidence: 'high',
        alsoFoundBy: [],
      },
      {
        host: 'imap.selfhosted.example',
        port: 143,
        security: 'starttls',
        username: 'anna@selfhosted.example',
        source: 'autoconfig',
        confidence: 'high',
        alsoFoundBy: [],
      },
    ]);
    expect(result.candidates[0]?.provider).toBe('Selfhosted Example Mail');
    expect(fixtures.http.requests).toContain(
      '/autoconfig/selfhosted.example/mail/config-v1.1.xml?emailaddress=anna%40selfhosted.example',
    );
    expect(result.lookups).toEqual([
      expect.objectContaining({ source: 'autoconfig', outcome: 'found', detail: null }),
    ]);
  });

  it('well-known: the web server’s .well-known path, %EMAILLOCALPART% usernames, entities decoded', async () => {
    const result = succeeded(
      await discoverSettings('anna@wellknown.example', fixtures.options({ sources: ['well-known'] })),
    );
    expect(summary(result)).toEqual([
      {
        host: 'mail.wellknown.example',
        port: 993,
        security: 'tls',
        username: 'anna',
        source: 'well-known',
        confidence: 'high',
        alsoFoundBy: [],
      },
    ]);
    expect(result.candidates[0]?.usernameForm).toBe('local-part');
    expect(result.candidates[0]?.provider).toBe('Wells & Known');
  });

  it('preset: GMX’s two servers, best first, with the source of the facts', async () => {
    const result = succeeded(await discoverSettings('max@gmx.de', fixtures.options({ sources: ['preset'] })));
    expect(result.candidates.map((candidate) => candidate.settings)).toEqual([
      { host: 'imap.gmx.net', port: 993, security: 'tls', username: 'max@gmx.de' },
      { host: 'imap.gmx.net', port: 143, security: 'starttls', username: 'max@gmx.de' },
    ]);
    expect(result.candidates[0]?.evidence).toContain('Thunderbird ISPDB ispdb/gmx.net.xml');
    expect(result.candidates[0]?.notes.join(' ')).toMatch(/POP3\/IMAP access/);
  });

  it('ispdb: skips an OAuth2-only server and fills %EMAILDOMAIN% in a host name', async () => {
    const result = succeeded(
      await discoverSettings('ops@hostingco.example', fixtures.options({ sources: ['ispdb'] })),
    );
    expect(summary(result)).toEqual([
      {
        host: 'imap.hostingco.example',
        port: 993,
        security: 'tls',
        username: 'ops@hostingco.example',
        source: 'ispdb',
        confidence: 'high',
        alsoFoundBy: [],
      },
    ]);
    // The ISPDB sees the domain only, never the address.
    expect(fixtures.http.requests).toContain('/ispdb/v1.1/hostingco.example');
    expect(fixtures.http.requests.filter((request) => request.startsWith('/ispdb/')).join()).not.toContain(
      'ops',
    );
  });

  it('srv: Fastmail’s _imaps record; the "." target of _imap means no service', async () => {
    const result = succeeded(
      await discoverSettings('anna@fastmail.com', fixtures.options({ sources: ['srv'] })),
    );
    expect(summary(result)).toEqual([
      {
        host: 'imap.fastmail.com',
        port: 993,
        security: 'tls',
        username: 'anna@fastmail.com',
        source: 'srv',
        confidence: 'medium',
        alsoFoundBy: [],
      },
    ]);
    expect(result.candidates[0]?.evidence).toBe('_imaps._tcp.fastmail.com SRV 0 1 993 imap.fastmail.com');
    expect(result.lookups.map(({ target, outcome }) => [target, outcome])).toEqual([
      ['_imaps._tcp.fastmail.com', 'found'],
      ['_imap._tcp.fastmail.com', 'not_found'],
    ]);
  });

  it('srv: lower priority first, then the heavier weight', async () => {
    const result = succeeded(
      await discoverSettings('it@weights.example', fixtures.options({ sources: ['srv'] })),
    );
    expect(result.candidates.map((candidate) => candidate.settings.host)).toEqual([
      'imap-a.weights.example',
      'imap-b.weights.example',
      'imap-backup.weights.example',
    ]);
  });

  it('mx: a Zoho organisation in the EU gets Zoho’s organisation server for its region', async () => {
    const result = succeeded(
      await discoverSettings('cfo@zohocorp.example', fixtures.options({ sources: ['mx'] })),
    );
    expect(summary(result)).toEqual([
      {
        host: 'imappro.zoho.eu',
        port: 993,
        security: 'tls',
        username: 'cfo@zohocorp.example',
        source: 'mx',
        confidence: 'medium',
        alsoFoundBy: [],
      },
    ]);
    expect(result.candidates[0]?.evidence).toMatch(/^MX 10 mx\.zoho\.eu → Zoho Mail/);
  });

  it('mx: an unknown MX host’s base domain is looked up in the ISPDB, as Thunderbird does', async () => {
    const result = succeeded(
      await discoverSettings('sam@hosted.example', fixtures.options({ sources: ['mx', 'ispdb'] })),
    );
    expect(summary(result)).toEqual([
      {
        host: 'imap.hosted.example',
        port: 993,
        security: 'tls',
        username: 'sam@hosted.example',
        source: 'mx',
        confidence: 'medium',
        alsoFoundBy: [],
      },
    ]);
    expect(result.candidates[0]?.evidence).toMatch(
      /^MX 10 mx01\.mail\.hostingco\.example → Thunderbird ISPDB entry for hostingco\.example \(http/,
    );
    expect(
      result.lookups.map(({ source, target, outcome }) => [
        source,
        target.replace(fixtures.http.origin, ''),
        outcome,
      ]),
    ).toEqual([
      ['ispdb', '/ispdb/v1.1/hosted.example', 'not_found'],
      ['mx', 'hosted.example', 'not_found'],
      ['mx', '/ispdb/v1.1/hostingco.example', 'found'],
    ]);
  });

  it('mx: without the ispdb source, the MX step does not ask the ISPDB', async () => {
    const requests = fixtures.http.requests.length;
    const result = succeeded(
      await discoverSettings('sam@hosted.example', fixtures.options({ sources: ['mx'] })),
    );
    expect(result.candidates).toEqual([]);
    expect(fixtures.http.requests.length).toBe(requests);
  });

  it('mx: a null MX says the domain takes no mail', async () => {
    const result = succeeded(
      await discoverSettings('x@nomail.example', fixtures.options({ sources: ['mx'] })),
    );
    expect(result.candidates).toEqual([]);
    expect(result.lookups).toEqual([
      expect.objectContaining({
        source: 'mx',
        outcome: 'not_found',
        detail: 'the domain accepts no mail (null MX)',
      }),
    ]);
  });
});

describe('several sources', () => {
  it('fastmail.com: preset, SRV and MX agree on one server', async () => {
    const result = succeeded(await discoverSettings('anna@fastmail.com', fixtures.options()));
    expect(summary(result)).toEqual([
      {
        host: 'imap.fastmail.com',
        port: 993,
        security: 'tls',
        username: 'anna@fastmail.com',
        source: 'preset',
        confidence: 'high',
        alsoFoundBy: ['srv', 'mx'],
      },
    ]);
    expect(result.wrongConnector).toBeNull();
    expect(result.timedOut).toBe(false);
    expect(result.lookups.map(({ source, outcome }) => `${source}:${outcome}`)).toEqual([
      'autoconfig:not_found',
      'well-known:not_found',
      'preset:found',
      'ispdb:not_found',
      'srv:found',
      'srv:not_found',
      'mx:found',
    ]);
  });

  it('the domain’s own autoconfig ranks above SRV, and SRV agreeing with it is merged', async () => {
    const result = succeeded(await discoverSettings('anna@selfhosted.example', fixtures.options()));
    expect(summary(result)).toEqual([
      {
        host: 'imap.selfhosted.example',
        port: 993,
        security: 'tls',
        username: 'anna@selfhosted.example',
        source: 'autoconfig',
        confidence: 'high',
        alsoFoundBy: [],
      },
      {
        host: 'imap.selfhosted.example',
        port: 143,
        security: 'starttls',
        username: 'anna@selfhosted.example',
        source: 'autoconfig',
        confidence: 'high',
        alsoFoundBy: ['srv'],
      },
      {
        host: 'mail.selfhosted.example',
        port: 993,
        security: 'tls',
        username: 'anna@selfhosted.example',
        source: 'srv',
        confidence: 'medium',
        alsoFoundBy: [],
      },
    ]);
    expect(result.lookups.find((lookup) => lookup.source === 'mx')).toEqual(
      expect.objectContaining({
        outcome: 'not_found',
        detail: 'no known provider among MX mx.selfhosted.example',
      }),
    );
  });

  it('a custom domain at Fastmail: SRV outside the domain (low) confirmed by the MX (medium) becomes high', async () => {
    const result = succeeded(await discoverSettings('ceo@acme.example', fixtures.options()));
    expect(summary(result)).toEqual([
      {
        host: 'imap.fastmail.com',
        port: 993,
        security: 'tls',
        username: 'ceo@acme.example',
        source: 'mx',
        confidence: 'high',
        alsoFoundBy: ['srv'],
      },
    ]);
    expect(result.candidates[0]?.provider).toBe('Fastmail');
    expect(result.candidates[0]?.notes.join(' ')).toContain('outside acme.example');
  });

  it('an SRV answer outside the domain alone stays low, with a note', async () => {
    const result = succeeded(
      await discoverSettings('ceo@acme.example', fixtures.options({ sources: ['srv'] })),
    );
    expect(result.candidates.map(({ confidence, notes }) => ({ confidence, notes: notes.length }))).toEqual([
      { confidence: 'low', notes: 1 },
    ]);
  });
});

describe('the wrong connector', () => {
  it.each([
    ['it@workspace.example', 'google', 'mx', 'MX 1 aspmx.l.google.com', 'Gmail integration'],
    [
      'it@contoso.example',
      'microsoft',
      'mx',
      'MX 0 contoso-example.mail.protection.outlook.com',
      'Microsoft 365',
    ],
    ['bob@gmail.com', 'google', 'preset', 'gmail.com', 'Gmail integration'],
    ['bob@hotmail.co.uk', 'microsoft', 'preset', 'hotmail.co.uk', 'Microsoft 365'],
    ['it@m365.example', 'microsoft', 'autoconfig', 'outlook.office365.com', 'Microsoft 365'],
  ])('%s → %s (from %s)', async (email, provider, source, evidence, fix) => {
    const result = succeeded(await discoverSettings(email, fixtures.options()));
    expect(result.wrongConnector).toEqual(expect.objectContaining({ provider, source, evidence }));
    expect(result.wrongConnector?.fix).toContain(fix);
    expect(result.wrongConnector?.message).toMatch(/OAuth/);
    expect(result.candidates).toEqual([]);
  });
});

describe('the address', () => {
  it.each([
    ['anna.example.com', 'missing_at'],
    ['', 'required'],
    ['@example.com', 'invalid_email'],
    ['anna@', 'invalid_domain'],
    ['anna@[192.0.2.1]', 'invalid_domain'],
    ['anna@exa mple.com', 'invalid_email'],
  ])('%j is refused (%s) before anything is looked up', async (email, code) => {
    const questions = fixtures.dns.questions.length;
    const requests = fixtures.http.requests.length;
    const result = await discoverSettings(email, fixtures.options());
    expect(result).toEqual({ ok: false, issues: [expect.objectContaining({ field: 'email', code })] });
    expect(fixtures.dns.questions.length).toBe(questions);
    expect(fixtures.http.requests.length).toBe(requests);
  });

  it('an IDN domain is looked up as punycode; the username keeps the address as typed', async () => {
    const result = succeeded(
      await discoverSettings(' Anna@Bücher.example ', fixtures.options({ sources: ['autoconfig', 'srv'] })),
    );
    expect(result.domain).toBe('xn--bcher-kva.example');
    expect(summary(result)).toEqual([
      {
        host: 'imap.xn--bcher-kva.example',
        port: 993,
        security: 'tls',
        username: 'Anna@Bücher.example',
        source: 'autoconfig',
        confidence: 'high',
        alsoFoundBy: ['srv'],
      },
    ]);
    expect(fixtures.dns.questions).toContain('_imaps._tcp.xn--bcher-kva.example SRV');
    expect(fixtures.http.requests).toContain(
      '/autoconfig/xn--bcher-kva.example/mail/config-v1.1.xml?emailaddress=Anna%40B%C3%BCcher.example',
    );
  });
});

describe('HTTP', () => {
  it('follows a redirect to the document', async () => {
    fixtures.http.routes.set('/well-known/moved.example/.well-known/autoconfig/mail/config-v1.1.xml', {
      kind: 'redirect',
      location: '/autoconfig/selfhosted.example/mail/config-v1.1.xml',
    });
    const result = succeeded(
      await discoverSettings('anna@moved.example', fixtures.options({ sources: ['well-known'] })),
    );
    expect(result.candidates.map((candidate) => candidate.settings.host)).toEqual([
      'imap.selfhosted.example',
      'imap.selfhosted.example',
    ]);
  });

  it('uses a host’s own fetch when given one', async () => {
    const fetched: string[] = [];
    const result = succeeded(
      await discoverSettings('anna@selfhosted.example', {
        ...fixtures.options({ sources: ['autoconfig'] }),
        fetch: (url, init) => {
          fetched.push(url);
          return fetch(url, init);
        },
      }),
    );
    expect(fetched).toEqual([
      `${fixtures.http.origin}/autoconfig/selfhosted.example/mail/config-v1.1.xml?emailaddress=anna%40selfhosted.example`,
    ]);
    expect(result.candidates).toHaveLength(2);
  });
});

describe('no probing', () => {
  it('never connects to the servers it finds', async () => {
    const connections: net.Socket[] = [];
    const imapLike = net.createServer((socket) => {
      connections.push(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => imapLike.listen(0, '127.0.0.1', resolve));
    const { port } = imapLike.address() as net.AddressInfo;
    const dns = await startDnsFixtureServer({
      '_imaps._tcp.canary.example': { srv: [{ priority: 0, weight: 1, port, target: '127.0.0.1' }] },
    });
    const resolver = dns.resolver();
    const baseline = activeHandleCount();
    try {
      const result = succeeded(
        await discoverSettings('anna@canary.example', { ...fixtures.options(), resolver, sources: ['srv'] }),
      );
      expect(result.candidates.map((candidate) => candidate.settings)).toEqual([
        { host: '127.0.0.1', port, security: 'tls', username: 'anna@canary.example' },
      ]);
      await expectHandlesReleased(baseline);
      expect(connections).toHaveLength(0);
    } finally {
      resolver.cancel();
      await dns.close();
      await new Promise((resolve) => imapLike.close(resolve));
    }
  });
});
