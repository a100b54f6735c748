// discoverSettings under hostile conditions: a DNS server that never answers, an HTTP server that stalls
// or never stops sending, hostile XML, aborts. The call must settle by its deadline and leave nothing open.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type DiscoveryResult,
  type DiscoverySuccess,
  discoverSettings,
  ImapConnectorError,
} from '../../src/index.js';
import { activeHandleCount, expectHandlesReleased } from '../harness/active-handles.js';
import {
  billionLaughs,
  type DiscoveryFixtures,
  startDiscoveryFixtures,
} from '../harness/discovery-fixtures.js';

let fixtures: DiscoveryFixtures;
let baseline: number;
beforeAll(async () => {
  fixtures = await startDiscoveryFixtures();
  baseline = activeHandleCount();
});
afterEach(async () => {
  await expectHandlesReleased(baseline);
});
afterAll(async () => {
  await fixtures.close();
});

function succeeded(result: DiscoveryResult): DiscoverySuccess {
  if (!result.ok) throw new Error(`expected discovery to run, got ${JSON.stringify(result.issues)}`);
  return result;
}

const stallEverythingFor = (domain: string) => {
  fixtures.http.routes.set(`/autoconfig/${domain}/mail/config-v1.1.xml`, { kind: 'stall' });
  fixtures.http.routes.set(`/well-known/${domain}/.well-known/autoconfig/mail/config-v1.1.xml`, {
    kind: 'stall',
  });
  fixtures.http.routes.set(`/ispdb/v1.1/${domain}`, { kind: 'stall' });
  for (const name of [`_imaps._tcp.${domain}`, `_imap._tcp.${domain}`, domain]) fixtures.dns.silent.add(name);
};

// Generous slack: the machine running the tests is shared and its timings vary.
// Still far below the fixture resolver's own 5 s timeout and the stalled servers' forever.
const SLACK_MS = 1_500;

describe('the deadline', () => {
  it('a silent DNS server and stalled HTTP servers end at timeoutMs; the preset still answers', async () => {
    stallEverythingFor('fastmail.com');
    const started = performance.now();
    const result = succeeded(
      await discoverSettings('anna@fastmail.com', fixtures.options({ timeoutMs: 400 })),
    );
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(400 + SLACK_MS);
    expect(result.timedOut).toBe(true);
    expect(result.lookups.map(({ source, outcome }) => `${source}:${outcome}`)).toEqual([
      'autoconfig:timed_out',
      'well-known:timed_out',
      'preset:found',
      'ispdb:timed_out',
      'srv:timed_out',
      'srv:timed_out',
      'mx:timed_out',
    ]);
    expect(result.candidates.map((candidate) => [candidate.settings.host, candidate.source])).toEqual([
      ['imap.fastmail.com', 'preset'],
    ]);
    // The stalled requests did reach the server: the deadline, not a refusal, ended them.
    await fixtures.http.waitForRequest('/ispdb/v1.1/fastmail.com');
  });

  it('a lookup that answers in time is kept when the others time out', async () => {
    stallEverythingFor('selfhosted.example');
    fixtures.http.routes.delete('/autoconfig/selfhosted.example/mail/config-v1.1.xml');
    const { fixtureDocuments } = await import('../harness/discovery-fixtures.js');
    const body = fixtureDocuments['/autoconfig/selfhosted.example/mail/config-v1.1.xml'] ?? '';
    fixtures.http.routes.set('/autoconfig/selfhosted.example/mail/config-v1.1.xml', {
      kind: 'document',
      body,
    });
    const result = succeeded(
      await discoverSettings('anna@selfhosted.example', fixtures.options({ timeoutMs: 400 })),
    );
    expect(result.timedOut).toBe(true);
    expect(
      result.candidates.map((candidate) => `${candidate.settings.host}:${candidate.settings.port}`),
    ).toEqual(['imap.selfhosted.example:993', 'imap.selfhosted.example:143']);
  });

  it.each([0, -1, 1.5, 60_001])('timeoutMs %s is refused with CONFIG_INVALID', async (timeoutMs) => {
    await expect(discoverSettings('anna@fastmail.com', { timeoutMs })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      detail: { issues: [expect.objectContaining({ field: 'timeoutMs' })] },
    });
  });
});

describe('abort', () => {
  it('an abort mid-flight rejects with ABORTED at once, long before the deadline', async () => {
    stallEverythingFor('abort.example');
    const controller = new AbortController();
    const pending = discoverSettings(
      'anna@abort.example',
      fixtures.options({ timeoutMs: 10_000, signal: controller.signal }),
    );
    await fixtures.http.waitForRequest('/autoconfig/abort.example/');
    const abortedAt = performance.now();
    controller.abort();
    const error = await pending.then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(performance.now() - abortedAt).toBeLessThan(SLACK_MS);
    expect(error).toBeInstanceOf(ImapConnectorError);
    expect(error).toMatchObject({ code: 'ABORTED' });
  });

  it('an already aborted signal rejects before anything is looked up', async () => {
    const questions = fixtures.dns.questions.length;
    const requests = fixtures.http.requests.length;
    await expect(
      discoverSettings('anna@fastmail.com', fixtures.options({ signal: AbortSignal.abort() })),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(fixtures.dns.questions.length).toBe(questions);
    expect(fixtures.http.requests.length).toBe(requests);
  });
});

describe('hostile answers', () => {
  it('an entity-expansion ("billion laughs") document is refused without expanding it', async () => {
    fixtures.http.routes.set('/autoconfig/laughs.example/mail/config-v1.1.xml', {
      kind: 'document',
      body: billionLaughs,
    });
    const started = performance.now();
    const result = succeeded(
      await discoverSettings('anna@laughs.example', fixtures.options({ sources: ['autoconfig'] })),
    );
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(result.candidates).toEqual([]);
    expect(result.lookups).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        detail: 'invalid XML: a DOCTYPE or entity declaration (not allowed)',
      }),
    ]);
  });

  it('an endless response is cut at maxResponseBytes and its connection closed', async () => {
    fixtures.http.routes.set('/autoconfig/huge.example/mail/config-v1.1.xml', {
      kind: 'endless',
      chunkBytes: 16_384,
    });
    const before = fixtures.http.endlessBytesWritten();
    const result = succeeded(
      await discoverSettings(
        'anna@huge.example',
        fixtures.options({ sources: ['autoconfig'], timeoutMs: 5_000 }),
      ),
    );
    expect(result.timedOut).toBe(false);
    expect(result.lookups).toEqual([
      expect.objectContaining({ outcome: 'failed', detail: 'response larger than 131072 bytes' }),
    ]);
    // Socket buffers take some more before the server notices; far from an endless stream.
    expect(fixtures.http.endlessBytesWritten() - before).toBeLessThan(16 * 1024 * 1024);
  });

  it('a declared Content-Length over the cap is refused without reading the body', async () => {
    const body = `<clientConfig>${' '.repeat(2_000)}</clientConfig>`;
    fixtures.http.routes.set('/autoconfig/long.example/mail/config-v1.1.xml', { kind: 'document', body });
    const result = succeeded(
      await discoverSettings('anna@long.example', {
        ...fixtures.options({ sources: ['autoconfig'] }),
        maxResponseBytes: 1_024,
      }),
    );
    expect(result.lookups[0]).toMatchObject({ outcome: 'failed', detail: 'response larger than 1024 bytes' });
  });

  it.each([
    ['<clientConfig><emailProvider>', 'invalid XML: <emailProvider> is not closed'],
    ['<clientConfig></emailProvider>', 'invalid XML: </emailProvider> does not close <clientConfig>'],
    ['<html><body>Parked domain</body></html>', 'not a clientConfig document (root <html>)'],
    ['<clientConfig><x>&ext;</x></clientConfig>', 'invalid XML: the undeclared entity &ext;'],
    ['{"imap":"imap.example.com"}', 'invalid XML: text outside the root element'],
  ])('%s → %s', async (body, detail) => {
    fixtures.http.routes.set('/autoconfig/broken.example/mail/config-v1.1.xml', { kind: 'document', body });
    const result = succeeded(
      await discoverSettings('anna@broken.example', fixtures.options({ sources: ['autoconfig'] })),
    );
    expect(result.lookups).toEqual([expect.objectContaining({ outcome: 'failed', detail })]);
  });

  it('a long answer is quoted short: the reason at most 300 characters, the provider name 100', async () => {
    const longName = 'x'.repeat(50_000);
    fixtures.http.routes.set('/autoconfig/long-names.example/mail/config-v1.1.xml', {
      kind: 'document',
      body: `<clientConfig><${longName}></clientConfig>`,
    });
    fixtures.http.routes.set('/well-known/long-names.example/.well-known/autoconfig/mail/config-v1.1.xml', {
      kind: 'document',
      body: `<clientConfig><emailProvider><displayName>${longName}</displayName><incomingServer type="imap"><hostname>imap.long-names.example</hostname><port>993</port><socketType>SSL</socketType></incomingServer></emailProvider></clientConfig>`,
    });
    const result = succeeded(
      await discoverSettings(
        'anna@long-names.example',
        fixtures.options({ sources: ['autoconfig', 'well-known'] }),
      ),
    );
    const prefix = 'invalid XML: </clientConfig> does not close <';
    expect(result.lookups[0]?.detail).toBe(`${prefix}${'x'.repeat(300 - prefix.length)}…`);
    expect(result.candidates[0]?.provider).toBe('x'.repeat(100));
  });

  it('HTTP errors and a failing DNS server are reported per lookup', async () => {
    fixtures.http.routes.set('/autoconfig/errors.example/mail/config-v1.1.xml', {
      kind: 'status',
      status: 500,
    });
    fixtures.dns.failing.add('_imaps._tcp.errors.example');
    const result = succeeded(
      await discoverSettings('anna@errors.example', fixtures.options({ sources: ['autoconfig', 'srv'] })),
    );
    expect(
      result.lookups.map(({ target, outcome, detail }) => [
        target.replace(fixtures.http.origin, ''),
        outcome,
        detail,
      ]),
    ).toEqual([
      [
        '/autoconfig/errors.example/mail/config-v1.1.xml?emailaddress=anna%40errors.example',
        'failed',
        'HTTP 500',
      ],
      ['_imaps._tcp.errors.example', 'failed', 'ESERVFAIL'],
      ['_imap._tcp.errors.example', 'not_found', 'ENOTFOUND'],
    ]);
  });
});
