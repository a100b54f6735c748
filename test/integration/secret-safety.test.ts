import { randomBytes } from 'node:crypto';
import tls from 'node:tls';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ImapConnector,
  type ImapConnectorConfigInput,
  ImapConnectorError,
  type PasswordProvider,
} from '../../src/index.js';
import { activeHandleCount, expectHandlesReleased } from '../harness/active-handles.js';
import type { FaultScenario } from '../harness/fault-scenarios.js';
import { type FaultServer, serveImap, startFaultServer } from '../harness/fault-server.js';
import { makeSelfSignedCertificate } from '../harness/self-signed-certificate.js';

// A unique canary with the characters IMAP must quote or escape, so a server echoing the LOGIN
// argument sends back a form that differs from the password as typed.
const canary = `canary-${randomBytes(6).toString('hex')} "q\\x`;
const quotedCanary = canary.replace(/[\\"]/g, '\\$&');
const canaryForms = [
  canary,
  quotedCanary,
  Buffer.from(canary).toString('base64'),
  Buffer.from(`\0alice@example.test\0${canary}`).toString('base64'),
];
const fastTimeouts = {
  connectMs: 2_000,
  greetingMs: 600,
  loginMs: 800,
  commandMs: 800,
  testConnectionMs: 5_000,
};
// Without AUTH=PLAIN imapflow logs in with LOGIN and the password as a quoted string.
const LOGIN_ONLY = 'IMAP4rev1 ID NAMESPACE';
const certificate = makeSelfSignedCertificate();

let servers: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  for (const server of servers) await server.close();
  servers = [];
});

async function faultServer(scenario: FaultScenario, withTls = false): Promise<FaultServer> {
  const server = await startFaultServer(scenario, withTls && certificate ? { tls: certificate } : {});
  servers.push(server);
  return server;
}

/** Every text a host could end up storing or printing about an outcome, cause chain included. */
function textsOf(outcome: unknown): string[] {
  const texts = [
    JSON.stringify(outcome),
    inspect(outcome, { depth: Number.POSITIVE_INFINITY }),
    String(outcome),
  ];
  let cause: unknown = outcome;
  while (cause instanceof Error) {
    texts.push(cause.message, String(cause.stack), JSON.stringify(cause), inspect(cause, { depth: 10 }));
    for (const value of Object.values(cause)) texts.push(inspect(value, { depth: 10 }));
    cause = cause.cause;
  }
  // A count's cursor is opaque to the host but stored by it: what it encodes counts too.
  const cursor = (outcome as { cursor?: unknown } | null)?.cursor;
  if (typeof cursor === 'string' && cursor.includes('.')) {
    texts.push(Buffer.from(cursor.slice(cursor.indexOf('.') + 1), 'base64url').toString('utf8'));
  }
  return texts;
}

function expectNoCanary(texts: readonly string[]): void {
  for (const text of texts) for (const form of canaryForms) expect(text).not.toContain(form);
}

type Operation = 'testConnection' | 'countSignals';
type PasswordStyle = 'string' | 'function';

/** Runs one operation to its failure and checks that the canary is nowhere. */
async function failWithoutLeaking(
  operation: Operation,
  passwordStyle: PasswordStyle,
  config: Partial<ImapConnectorConfigInput> & { port: number },
  signal?: AbortSignal,
): Promise<{ code: string; logs: string[] }> {
  const logs: string[] = [];
  const record = (entry: unknown) => logs.push(JSON.stringify(entry));
  const password: string | PasswordProvider = passwordStyle === 'string' ? canary : async () => canary;
  const connector = new ImapConnector(
    {
      host: '127.0.0.1',
      username: 'alice@example.test',
      password,
      security: 'none',
      timeouts: fastTimeouts,
      ...config,
    },
    { logger: { debug: record, info: record, warn: record, error: record }, retry: { attempts: 1 } },
  );
  const baseline = activeHandleCount();
  let outcome: unknown;
  let code: string;
  if (operation === 'testConnection') {
    const result = await connector.testConnection({ signal });
    if (result.ok) throw new Error('expected a failure');
    outcome = result;
    code = result.code;
  } else {
    outcome = await connector
      .countSignals({ since: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00Z' }, { signal })
      .then(
        () => new Error('expected a failure'),
        (error: unknown) => error,
      );
    expect(outcome).toBeInstanceOf(ImapConnectorError);
    code = (outcome as ImapConnectorError).code;
  }
  for (const server of servers) await server.close();
  servers = [];
  await expectHandlesReleased(baseline);
  expectNoCanary([...textsOf(outcome), ...logs, inspect(connector), JSON.stringify(connector)]);
  return { code, logs };
}

const echoingServer = (how: 'quoted' | 'raw'): FaultScenario => ({
  kind: 'script',
  run: (conn) =>
    serveImap(conn, {
      capabilities: LOGIN_ONLY,
      commands: {
        LOGIN: (command, session) =>
          session.tagged(
            command.tag,
            `NO [AUTHENTICATIONFAILED] Invalid credentials for ${how === 'quoted' ? command.args : canary}`,
          ),
      },
    }),
});

describe.each(['testConnection', 'countSignals'] as const)('%s never leaks the password', (operation) => {
  describe.each(['string', 'function'] as const)('given as a %s', (passwordStyle) => {
    it.each([
      ['a wrong password', { kind: 'login-response', response: 'NO [AUTHENTICATIONFAILED] Nope' }],
      ['a server echoing the quoted LOGIN argument', echoingServer('quoted')],
      ['a server echoing the password itself', echoingServer('raw')],
      ['a reset at login', { kind: 'reset-on-login', capabilities: LOGIN_ONLY }],
      ['a BYE at login', { kind: 'bye-on-login', capabilities: LOGIN_ONLY }],
      ['a login timeout', { kind: 'greeting-then-stall-after-login', capabilities: LOGIN_ONLY }],
      [
        'a command timeout after login',
        { kind: 'login-ok-then-stall', capabilities: LOGIN_ONLY, keepAnswering: ['CAPABILITY', 'NAMESPACE'] },
      ],
    ] as const)('through %s', async (_name, scenario) => {
      const server = await faultServer(scenario);
      const { code, logs } = await failWithoutLeaking(operation, passwordStyle, { port: server.port });
      expect(code).not.toBe('UNKNOWN');
      // The trace is there (at debug), just without the secret.
      expect(logs.some((line) => /LOGIN|AUTHENTICATE/.test(line))).toBe(true);
    });

    it('through an abort during login', async () => {
      const server = await faultServer({ kind: 'greeting-then-stall-after-login', capabilities: LOGIN_ONLY });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 150);
      const { code } = await failWithoutLeaking(
        operation,
        passwordStyle,
        { port: server.port, timeouts: { ...fastTimeouts, loginMs: 10_000 } },
        controller.signal,
      );
      expect(code).toBe('ABORTED');
    });

    it('through a STARTTLS downgrade, without ever sending a login', async () => {
      const server = await faultServer({ kind: 'no-starttls' });
      const { code } = await failWithoutLeaking(operation, passwordStyle, {
        port: server.port,
        security: 'starttls',
      });
      expect(code).toBe('STARTTLS_NOT_SUPPORTED');
    });

    it.skipIf(certificate === undefined)('through an untrusted certificate', async () => {
      const server = await faultServer({ kind: 'login-response', response: 'OK' }, true);
      const { code } = await failWithoutLeaking(operation, passwordStyle, {
        port: server.port,
        security: 'tls',
      });
      expect(code).toBe('CERTIFICATE_UNTRUSTED');
    });
  });
});

describe('a password given as a function', () => {
  it('is called once per connection and logs in with what it returns', async () => {
    const server = await faultServer({
      kind: 'login-response',
      response: 'OK Logged in',
      capabilities: LOGIN_ONLY,
    });
    let calls = 0;
    const connector = new ImapConnector({
      host: server.host,
      port: server.port,
      username: 'alice@example.test',
      password: async () => {
        calls += 1;
        return canary;
      },
      security: 'none',
      timeouts: fastTimeouts,
    });
    expect(calls).toBe(0);
    const result = await connector.testConnection();
    expect(result.ok).toBe(true);
    expect(calls).toBe(1);
    expect(server.received().some((line) => line.includes(quotedCanary))).toBe(true);
  });

  const failingProviders: Array<[string, PasswordProvider]> = [
    ['rejects', () => Promise.reject(new Error('vault sealed'))],
    [
      'throws',
      () => {
        throw new TypeError('no vault client');
      },
    ],
    ['resolves to an empty string', async () => ''],
    // A secret read from a file: the rule validateConfig applies to a password given as text.
    ['resolves to text ending in a line break', async () => 'app-password-from-a-file\n'],
    ['resolves to text holding a NUL', async () => 'app\u0000password'],
    ['resolves to something else than text', async () => 42 as unknown as string],
  ];
  it.each(failingProviders)(
    'fails with PASSWORD_UNAVAILABLE, without connecting or retrying, when it %s',
    async (_name, provider) => {
      const server = await faultServer({ kind: 'login-response', response: 'OK' });
      const connector = new ImapConnector({
        host: server.host,
        port: server.port,
        username: 'alice@example.test',
        password: provider,
        security: 'none',
      });
      const result = await connector.testConnection();
      expect(result).toMatchObject({
        ok: false,
        code: 'PASSWORD_UNAVAILABLE',
        retryable: false,
        httpStatus: 500,
      });
      const error = await connector
        .countSignals({ since: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00Z' })
        .catch((failure: unknown) => failure);
      expect(error).toMatchObject({ code: 'PASSWORD_UNAVAILABLE', detail: { attempts: 1 } });
      expect(server.connections()).toBe(0);
    },
  );

  it('keeps the provider error as cause', async () => {
    const connector = new ImapConnector({
      host: '127.0.0.1',
      port: 1,
      username: 'alice@example.test',
      password: () => Promise.reject(new Error('vault sealed')),
    });
    const error = await connector
      .countSignals({ since: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00Z' })
      .catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(ImapConnectorError);
    expect((error as Error).cause).toMatchObject({ message: 'vault sealed' });
  });

  it('gives up after timeouts.loginMs, and aborts the request it was given', async () => {
    let providerSignal: AbortSignal | undefined;
    const connector = new ImapConnector({
      host: '127.0.0.1',
      port: 1,
      username: 'alice@example.test',
      password: ({ signal }) => {
        providerSignal = signal;
        return new Promise<string>(() => {});
      },
      timeouts: { loginMs: 300 },
    });
    const baseline = activeHandleCount();
    const startedAt = Date.now();
    const result = await connector.testConnection();
    expect(result).toMatchObject({ ok: false, code: 'PASSWORD_UNAVAILABLE' });
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(providerSignal?.aborted).toBe(true);
    await expectHandlesReleased(baseline);
  });

  it('counts against timeouts.testConnectionMs when that is shorter than loginMs', async () => {
    const connector = new ImapConnector({
      host: '127.0.0.1',
      port: 1,
      username: 'alice@example.test',
      password: () => new Promise<string>(() => {}),
      timeouts: { loginMs: 10_000, testConnectionMs: 300 },
    });
    const result = await connector.testConnection();
    expect(result).toMatchObject({ ok: false, code: 'PASSWORD_UNAVAILABLE' });
    if (!result.ok) expect(result.elapsedMs).toBeLessThan(1_000);
  });

  it('is cancelled by the caller’s AbortSignal', async () => {
    const connector = new ImapConnector({
      host: '127.0.0.1',
      port: 1,
      username: 'alice@example.test',
      password: () => new Promise<string>(() => {}),
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const startedAt = Date.now();
    const result = await connector.testConnection({ signal: controller.signal });
    expect(result).toMatchObject({ ok: false, code: 'ABORTED' });
    expect(Date.now() - startedAt).toBeLessThan(500);
  });
});

/** A TLS server that speaks nothing newer than TLS 1.1, and its port. */
async function startLegacyTlsServer(key: string, cert: string): Promise<number> {
  // SECLEVEL=0 lets this OpenSSL speak TLS 1.1 at all, so the refusal is the client's own minVersion.
  const server = tls.createServer(
    { key, cert, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' },
    (socket) => socket.end('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n'),
  );
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return address.port;
}

describe.skipIf(certificate === undefined)('TLS versions', () => {
  it.each([
    ['trusted through tls.ca (a shared TLS context)', 'ca'],
    ['with certificate checks off', 'unchecked'],
  ] as const)('refuses a server capped at TLS 1.1 with TLS_HANDSHAKE_FAILED, %s', async (_name, trust) => {
    if (certificate === undefined) return;
    const port = await startLegacyTlsServer(certificate.key, certificate.cert);
    const legacyProtocol = await new Promise<string | null>((resolve, reject) => {
      const probe = tls.connect(
        {
          host: '127.0.0.1',
          port,
          rejectUnauthorized: false,
          minVersion: 'TLSv1',
          ciphers: 'DEFAULT@SECLEVEL=0',
        },
        () => {
          resolve(probe.getProtocol());
          probe.destroy();
        },
      );
      probe.on('error', reject);
    });
    // The server really speaks TLS 1.1 to a client that allows it.
    expect(legacyProtocol).toBe('TLSv1.1');
    const { code } = await failWithoutLeaking('testConnection', 'string', {
      port,
      security: 'tls',
      tls: trust === 'ca' ? { ca: certificate.cert } : { rejectUnauthorized: false },
    });
    expect(code).toBe('TLS_HANDSHAKE_FAILED');
  });
});

describe('a non-ASCII password', () => {
  it('is redacted when a server echoes it back, as sent and as typed', async () => {
    const unicodeCanary = `pässwörd-${randomBytes(4).toString('hex')}-ünï`;
    const server = await faultServer({
      kind: 'script',
      run: (conn) =>
        serveImap(conn, {
          capabilities: LOGIN_ONLY,
          commands: {
            LOGIN: (command, session) =>
              session.tagged(command.tag, `NO [AUTHENTICATIONFAILED] ${command.args} / ${unicodeCanary}`),
          },
        }),
    });
    const logs: string[] = [];
    const record = (entry: unknown) => logs.push(JSON.stringify(entry));
    const connector = new ImapConnector(
      { host: server.host, port: server.port, username: 'a', password: unicodeCanary, security: 'none' },
      { logger: { debug: record, info: record, warn: record, error: record } },
    );
    const result = await connector.testConnection();
    expect(result).toMatchObject({ ok: false, code: 'AUTHENTICATION_FAILED' });
    expect(server.received().some((line) => line.includes(unicodeCanary))).toBe(true);
    for (const text of [...textsOf(result), ...logs]) {
      expect(text).not.toContain(unicodeCanary);
      expect(text).not.toContain(Buffer.from(unicodeCanary).toString('latin1'));
    }
  });
});

describe('an echo transformed by the server is still redacted', () => {
  // A TAB, a quote, a backslash and mixed case: lower-casing, JSON-escaping, IMAP quoting and base64
  // all change it. The random core shows up in every text form, so it is what is searched for.
  const core = `CoRe${randomBytes(6).toString('hex')}`;
  const tricky = `Tk-${core}\t"Q\\z`;
  const user = 'alice@example.test';
  const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  /** Written by hand from the encodings, not from the code under test. */
  const leakedForms = [
    core,
    base64(tricky),
    base64(`\0${user}\0${tricky}`).slice(Math.ceil((Buffer.byteLength(`\0${user}\0`) * 8) / 6) + 1, -4),
  ];
  const imapLiteral = (text: string) => `{${Buffer.byteLength(text)}}\r\n${text}`;

  function expectNoTrickyForm(texts: readonly string[]): void {
    for (const text of texts) {
      for (const form of leakedForms) expect(text.toLowerCase()).not.toContain(form.toLowerCase());
    }
  }

  /** Runs the operation to its end, success or failure, and checks every text a host could keep. */
  async function runAgainst(operation: Operation, scenario: FaultScenario) {
    const server = await faultServer(scenario);
    const logs: string[] = [];
    const record = (entry: unknown) => logs.push(JSON.stringify(entry));
    const progress: unknown[] = [];
    const connector = new ImapConnector(
      {
        host: server.host,
        port: server.port,
        username: user,
        password: tricky,
        security: 'none',
        timeouts: fastTimeouts,
      },
      { logger: { debug: record, info: record, warn: record, error: record }, retry: { attempts: 1 } },
    );
    const outcome: unknown =
      operation === 'testConnection'
        ? await connector.testConnection()
        : await connector
            .countSignals(
              { since: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00Z' },
              { onProgress: (event) => progress.push(event) },
            )
            .catch((error: unknown) => error);
    // A count that succeeded is repeated from its cursor: the incremental path builds its own results.
    const cursor = (outcome as { cursor?: unknown } | null)?.cursor;
    const incremental: unknown =
      typeof cursor === 'string'
        ? await connector
            .countSignals(
              { since: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00Z' },
              { cursor, onProgress: (event) => progress.push(event) },
            )
            .catch((error: unknown) => error)
        : undefined;
    const received = server.received().join('\n');
    for (const s of servers) await s.close();
    servers = [];
    expectNoTrickyForm([
      ...textsOf(outcome),
      ...(incremental === undefined ? [] : textsOf(incremental)),
      ...logs,
      ...progress.map((event) => JSON.stringify(event)),
    ]);
    return { outcome, incremental, logs, received };
  }

  const refusingLogin = (echo: (args: string) => string): FaultScenario => ({
    kind: 'script',
    run: (conn) =>
      serveImap(conn, {
        capabilities: LOGIN_ONLY,
        commands: {
          LOGIN: (command, session) =>
            session.tagged(command.tag, `NO [AUTHENTICATIONFAILED] ${echo(command.args)}`),
        },
      }),
  });

  /** AUTHENTICATE as the server's SASL exchange, the refusal quoting what the client sent. */
  const refusingSasl = (mechanism: 'LOGIN' | 'PLAIN', echo: (response: string) => string): FaultScenario => ({
    kind: 'script',
    run: (conn) =>
      serveImap(conn, {
        capabilities: `IMAP4rev1 ID NAMESPACE AUTH=${mechanism}`,
        commands: {
          AUTHENTICATE: (command, session) => {
            const refuse = (response: string) =>
              session.tagged(command.tag, `NO [AUTHENTICATIONFAILED] ${echo(response)}`);
            if (mechanism === 'PLAIN') session.continuation('', refuse);
            // AUTH=LOGIN: the user name, then the password, each base64 (a lower-casing echo of the
            // last one is what some servers print in their error).
            else session.continuation('VXNlcm5hbWU6', () => session.continuation('UGFzc3dvcmQ6', refuse));
          },
        },
      }),
  });

  /** Logs in, then lists a mailbox named after the password (sent as a literal: it holds a TAB). */
  const listingPasswordMailbox = (
    name: string,
    extra: (tag: string) => string[] = () => [],
  ): FaultScenario => ({
    kind: 'script',
    run: (conn) =>
      serveImap(conn, {
        capabilities: LOGIN_ONLY,
        commands: {
          LIST: (command, session) => {
            if (command.args === '"" ""') return session.answer(command);
            conn.writeRaw(`* LIST (\\HasNoChildren) "/" INBOX\r\n`);
            conn.writeRaw(`* LIST (\\HasNoChildren \\Sent) "/" ${imapLiteral(name)}\r\n`);
            for (const line of extra(command.tag)) conn.writeRaw(`${line}\r\n`);
            session.tagged(command.tag, 'OK List completed.');
          },
          EXAMINE: (command, session) => {
            session.untagged('0 EXISTS');
            session.untagged('OK [UIDVALIDITY 7] UIDs valid');
            session.untagged('OK [UIDNEXT 1] Predicted next UID');
            session.tagged(command.tag, 'OK [READ-ONLY] Examine completed.');
          },
          // Every mailbox is empty: nothing found, nothing to fetch.
          UID: (command, session) => {
            if (/^SEARCH\b/i.test(command.args)) session.untagged('SEARCH');
            session.tagged(command.tag, 'OK UID completed.');
          },
        },
      }),
  });

  describe.each(['testConnection', 'countSignals'] as const)('%s', (operation) => {
    it.each([
      ['lower-cased', (args: string) => `Invalid credentials for ${args.toLowerCase()}`],
      ['upper-cased', (args: string) => `INVALID CREDENTIALS FOR ${args.toUpperCase()}`],
      ['JSON-escaped', () => `{"user":"${user}","password":${JSON.stringify(tricky)}}`],
      ['IMAP-quoted (as received)', (args: string) => `rejected ${args}`],
      ['with its TAB folded to spaces', () => `rejected ${tricky.replace('\t', '   ')}`],
    ])('redacts a LOGIN refusal echoing the password %s', async (_name, echo) => {
      const { outcome, received } = await runAgainst(operation, refusingLogin(echo));
      // The server really had the password (the echo is not vacuous).
      expect(received).toContain(core);
      expect(textsOf(outcome).join('\n')).toContain('[REDACTED]');
    });

    it.each([
      ['AUTH=LOGIN, its base64 lower-cased', 'LOGIN', (response: string) => `bad ${response.toLowerCase()}`],
      ['AUTH=LOGIN, its base64 as sent', 'LOGIN', (response: string) => `bad ${response}`],
      ['AUTH=PLAIN, the whole blob', 'PLAIN', (response: string) => `cannot decode ${response}`],
      [
        'AUTH=PLAIN, decoded and re-encoded without the authorization identity',
        'PLAIN',
        (response: string) => {
          const [, authcid = '', password = ''] = Buffer.from(response, 'base64')
            .toString('utf8')
            .split('\0');
          return `bad ${base64(`${authcid}\0${password}`)}`;
        },
      ],
    ] as const)('redacts a SASL refusal echoing %s', async (_name, mechanism, echo) => {
      const { outcome, received } = await runAgainst(operation, refusingSasl(mechanism, echo));
      // The server really had the password in base64 (the echo is not vacuous).
      expect(received).toContain(mechanism === 'LOGIN' ? base64(tricky) : base64(`\0${user}\0${tricky}`));
      expect(textsOf(outcome).join('\n')).toContain('[REDACTED]');
    });

    it('redacts a mailbox named after the password, in results, warnings and progress', async () => {
      // With its TAB, the name would be skipped as unusable (odd-mailbox-names.test.ts); with the TAB
      // as a space, it is a valid name that reaches the results.
      const { outcome, incremental } = await runAgainst(
        operation,
        listingPasswordMailbox(tricky.replace('\t', ' ')),
      );
      expect(textsOf(outcome).join('\n')).toContain('[REDACTED]');
      if (operation === 'countSignals') {
        expect(incremental).toMatchObject({ mode: 'incremental' });
        expect(textsOf(incremental).join('\n')).toContain('[REDACTED]');
      }
    });

    it('redacts a mailbox named after the password that is skipped for its TAB, in the warning', async () => {
      const { outcome } = await runAgainst(operation, listingPasswordMailbox(tricky));
      if (operation === 'countSignals') {
        expect(JSON.stringify(outcome)).toContain('mailbox_name_unusable');
        expect(JSON.stringify(outcome)).toContain('[REDACTED]');
      }
    });

    it('redacts the password in a later response text', async () => {
      const { logs } = await runAgainst(
        operation,
        listingPasswordMailbox('Archive', () => [`* OK [ALERT] ${tricky.toUpperCase()} expires soon`]),
      );
      expect(logs.join('\n')).toContain('[REDACTED] expires soon');
    });
  });
});
