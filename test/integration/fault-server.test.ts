import net from 'node:net';
import tls from 'node:tls';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type FaultScenario,
  type FaultServer,
  type FaultServerOptions,
  startFaultServer,
} from '../harness/fault-server.js';
import { makeSelfSignedCertificate } from '../harness/self-signed-certificate.js';

/** `AUTHENTICATE PLAIN` payload for user `u`, password `p`: base64 of `\0u\0p`. */
const PLAIN_U_P = Buffer.from('\0u\0p').toString('base64');

/** A raw socket client that keeps everything it receives. */
class TestClient {
  error: NodeJS.ErrnoException | undefined;
  ended = false;
  closed = false;
  private readonly chunks: Buffer[] = [];
  private readonly closing: Promise<void>;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.error = error;
    });
    socket.on('end', () => {
      this.ended = true;
    });
    this.closing = new Promise((resolve) => {
      socket.once('close', () => {
        this.closed = true;
        resolve();
      });
    });
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  text(): string {
    return this.bytes().toString('latin1');
  }

  /** Complete lines only, without their CRLF. */
  lines(): string[] {
    return this.text().split('\r\n').slice(0, -1);
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  /** Waits for the line at `index` (0-based, counted from the first line received) and returns it. */
  async line(index: number): Promise<string> {
    await until(() => this.lines().length > index || this.closed, `line ${index} from the server`);
    const line = this.lines()[index];
    if (line === undefined) throw new Error(`connection closed before line ${index}: ${this.text()}`);
    return line;
  }

  destroy(): Promise<void> {
    this.socket.destroy();
    return this.closing;
  }
}

const servers: FaultServer[] = [];
const clients: TestClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.destroy()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(scenario: FaultScenario, options?: FaultServerOptions): Promise<FaultServer> {
  const server = await startFaultServer(scenario, options);
  servers.push(server);
  return server;
}

/** No need to wait for 'connect': writes are queued until then, and a reset shows up as `error`. */
function connect(server: FaultServer, secure = false): TestClient {
  const socket = secure
    ? tls.connect({ host: server.host, port: server.port, rejectUnauthorized: false })
    : net.connect({ host: server.host, port: server.port });
  const client = new TestClient(socket);
  clients.push(client);
  return client;
}

/** Polls `condition` until it holds, failing after a deadline. */
async function until(condition: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Waits until the server has read `line`, then lets a quiet window pass: an answer that is never
 * sent can only be observed as time passing without it. The server answers synchronously when it
 * reads a line, so 150 ms on loopback is ample for any answer to have arrived.
 */
async function expectNoAnswerTo(server: FaultServer, client: TestClient, line: string): Promise<void> {
  const before = client.bytes().length;
  await until(() => server.received().includes(line), `the server to read ${JSON.stringify(line)}`);
  await new Promise((resolve) => setTimeout(resolve, 150));
  expect(client.bytes().subarray(before).toString('latin1')).toBe('');
  expect(client.closed).toBe(false);
}

/** Network handles, by type, as `process.getActiveResourcesInfo()` lists them. */
function networkHandles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((type) => /TCP|TLS|Pipe/.test(type))
    .sort();
}

describe('fault server: stalls', () => {
  it('accept-and-stall accepts the connection and never writes', async () => {
    const server = await start({ kind: 'accept-and-stall' });
    const client = connect(server);
    client.send('A1 CAPABILITY');
    await expectNoAnswerTo(server, client, 'A1 CAPABILITY');
    expect(server.connections()).toBe(1);
  });

  it('greeting-then-stall sends exactly one line', async () => {
    const server = await start({ kind: 'greeting-then-stall' });
    const client = connect(server);
    expect(await client.line(0)).toBe('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready');
    client.send('A1 CAPABILITY');
    client.send('A2 LOGIN u {1}');
    await expectNoAnswerTo(server, client, 'A2 LOGIN u {1}');
    expect(client.text()).toBe('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n');
  });

  it.each([['A3 LOGIN u p'], ['A3 AUTHENTICATE PLAIN']])(
    'greeting-then-stall-after-login answers CAPABILITY and ID but not %j',
    async (login) => {
      const server = await start({ kind: 'greeting-then-stall-after-login' });
      const client = connect(server);
      expect(await client.line(0)).toBe('* OK [CAPABILITY IMAP4rev1 ID NAMESPACE AUTH=PLAIN] ready');
      client.send('A1 CAPABILITY');
      expect(await client.line(1)).toBe('* CAPABILITY IMAP4rev1 ID NAMESPACE AUTH=PLAIN');
      expect(await client.line(2)).toMatch(/^A1 OK /);
      client.send('A2 ID ("name" "test")');
      expect(await client.line(3)).toBe('* ID NIL');
      expect(await client.line(4)).toMatch(/^A2 OK /);
      client.send(login);
      await expectNoAnswerTo(server, client, login);
      expect(server.loginAttempts()).toBe(1);
    },
  );

  /** Ways to log in as u / p, each ending once the tagged answer to A1 has arrived. */
  const logins: Array<[string, (client: TestClient) => Promise<string>]> = [
    [
      'LOGIN',
      async (client) => {
        client.send('A1 LOGIN "u" "p"');
        return client.line(1);
      },
    ],
    [
      'LOGIN with synchronizing literals',
      async (client) => {
        client.send('A1 LOGIN {1}');
        expect(await client.line(1)).toMatch(/^\+ /);
        client.send('u {1}');
        expect(await client.line(2)).toMatch(/^\+ /);
        client.send('p');
        return client.line(3);
      },
    ],
    [
      'AUTHENTICATE PLAIN',
      async (client) => {
        client.send('A1 AUTHENTICATE PLAIN');
        expect(await client.line(1)).toBe('+ ');
        client.send(PLAIN_U_P);
        return client.line(2);
      },
    ],
    [
      'AUTHENTICATE PLAIN with SASL-IR',
      async (client) => {
        client.send(`A1 AUTHENTICATE PLAIN ${PLAIN_U_P}`);
        return client.line(1);
      },
    ],
    [
      'AUTHENTICATE LOGIN',
      async (client) => {
        client.send('A1 AUTHENTICATE LOGIN');
        expect(await client.line(1)).toBe('+ VXNlcm5hbWU6');
        client.send(Buffer.from('u').toString('base64'));
        expect(await client.line(2)).toBe('+ UGFzc3dvcmQ6');
        client.send(Buffer.from('p').toString('base64'));
        return client.line(3);
      },
    ],
  ];

  it.each(logins)('login-ok-then-stall accepts %s, then never answers', async (_name, logIn) => {
    const server = await start({ kind: 'login-ok-then-stall' });
    const client = connect(server);
    expect(await client.line(0)).toMatch(/^\* OK /);
    expect(await logIn(client)).toBe('A1 OK Logged in');
    client.send('A2 CAPABILITY');
    await expectNoAnswerTo(server, client, 'A2 CAPABILITY');
  });

  it('login-ok-then-stall keeps answering the commands it is told to', async () => {
    const server = await start({ kind: 'login-ok-then-stall', keepAnswering: ['CAPABILITY', 'NAMESPACE'] });
    const client = connect(server);
    client.send('A1 LOGIN u p');
    expect(await client.line(1)).toBe('A1 OK Logged in');
    client.send('A2 CAPABILITY');
    // Login-only capabilities are gone after login
    expect(await client.line(2)).toBe('* CAPABILITY IMAP4rev1 ID NAMESPACE');
    expect(await client.line(3)).toMatch(/^A2 OK /);
    client.send('A3 NAMESPACE');
    expect(await client.line(4)).toBe('* NAMESPACE (("" "/")) NIL NIL');
    expect(await client.line(5)).toMatch(/^A3 OK /);
    client.send('A4 SELECT INBOX');
    await expectNoAnswerTo(server, client, 'A4 SELECT INBOX');
  });
});

describe('fault server: not IMAP', () => {
  it('garbage-greeting sends non-IMAP bytes and keeps the connection open', async () => {
    const server = await start({ kind: 'garbage-greeting' });
    const client = connect(server);
    await client.line(1);
    const [binary = '', junk] = client.lines();
    expect(binary.startsWith('* ')).toBe(false);
    expect(binary.length).toBe(48);
    expect([...binary].some((char) => char.charCodeAt(0) >= 0x80)).toBe(true);
    expect(junk).toBe('?? 0xDEADBEEF garbage ahead ??');
    client.send('A1 CAPABILITY');
    await expectNoAnswerTo(server, client, 'A1 CAPABILITY');
  });

  it('garbage-greeting sends the given bytes, without adding a line end', async () => {
    const server = await start({ kind: 'garbage-greeting', data: Uint8Array.of(0x16, 0x03, 0x01, 0x00) });
    const client = connect(server);
    await until(() => client.bytes().length >= 4, 'the garbage');
    expect([...client.bytes()]).toEqual([0x16, 0x03, 0x01, 0x00]);
  });

  it('smtp-greeting greets with 220 and answers every line with 502', async () => {
    const server = await start({ kind: 'smtp-greeting' });
    const client = connect(server);
    expect(await client.line(0)).toBe('220 mail.example.test ESMTP Postfix');
    client.send('A1 CAPABILITY');
    expect(await client.line(1)).toBe('502 5.5.2 Error: command not recognized');
    client.send('A2 LOGIN u p');
    expect(await client.line(2)).toBe('502 5.5.2 Error: command not recognized');
    expect(server.received()).toEqual(['A1 CAPABILITY', 'A2 LOGIN u p']);
  });

  it('http-server says nothing until spoken to, then answers 400 and closes', async () => {
    const server = await start({ kind: 'http-server' });
    const client = connect(server);
    await until(() => server.connections() === 1, 'the connection');
    expect(client.bytes().length).toBe(0);
    client.send('A1 CAPABILITY');
    await until(() => client.closed, 'the server to close');
    expect(client.error).toBeUndefined();
    expect(client.ended).toBe(true);
    expect(client.lines()[0]).toBe('HTTP/1.1 400 Bad Request');
    const [head = '', body] = client.text().split('\r\n\r\n');
    expect(head).toMatch(/\r\nContent-Length: (\d+)/);
    expect(Buffer.byteLength(body ?? '')).toBe(Number(/Content-Length: (\d+)/.exec(head)?.[1]));
  });

  it('ssh-banner sends the SSH identification line and waits', async () => {
    const server = await start({ kind: 'ssh-banner' });
    const client = connect(server);
    expect(await client.line(0)).toBe('SSH-2.0-OpenSSH_9.2p1 Debian-2');
    client.send('A1 CAPABILITY');
    await expectNoAnswerTo(server, client, 'A1 CAPABILITY');
  });
});

describe('fault server: resets and BYE', () => {
  it('reset-on-connect gives the client ECONNRESET', async () => {
    const server = await start({ kind: 'reset-on-connect' });
    const client = connect(server);
    await until(() => client.closed, 'the reset');
    expect(client.error?.code).toBe('ECONNRESET');
    expect(client.bytes().length).toBe(0);
    expect(server.connections()).toBe(1);
  });

  it.each([['A2 LOGIN u p'], ['A2 AUTHENTICATE PLAIN']])(
    'reset-on-login greets, answers CAPABILITY and resets on %j',
    async (login) => {
      const server = await start({ kind: 'reset-on-login' });
      const client = connect(server);
      expect(await client.line(0)).toMatch(/^\* OK \[CAPABILITY /);
      client.send('A1 CAPABILITY');
      expect(await client.line(2)).toMatch(/^A1 OK /);
      client.send(login);
      await until(() => client.closed, 'the reset');
      expect(client.error?.code).toBe('ECONNRESET');
      expect(client.lines()).toHaveLength(3);
    },
  );

  it('bye-on-connect sends BYE instead of a greeting and closes', async () => {
    const server = await start({ kind: 'bye-on-connect' });
    const client = connect(server);
    await until(() => client.closed, 'the close');
    expect(client.text()).toBe('* BYE [UNAVAILABLE] Server shutting down for maintenance\r\n');
    expect(client.error).toBeUndefined();
  });

  it('bye-on-login sends BYE on LOGIN and closes', async () => {
    const server = await start({ kind: 'bye-on-login' });
    const client = connect(server);
    expect(await client.line(0)).toMatch(/^\* OK /);
    client.send('A1 LOGIN u p');
    await until(() => client.closed, 'the close');
    expect(client.lines()).toEqual([
      expect.stringMatching(/^\* OK /),
      '* BYE Too many connections from your IP',
    ]);
  });
});

describe('fault server: login answers and TLS policies', () => {
  it.each([
    ['NO [UNAVAILABLE] Temporary authentication failure'],
    ['NO [CONTACTADMIN] Account locked'],
    ['NO [EXPIRED] Password expired'],
    ['NO [PRIVACYREQUIRED] TLS required'],
    ['NO [LIMIT] Too many sessions'],
    ['NO [INUSE] mailbox locked'],
    ['NO Invalid login or password'],
    ['NO [AUTHENTICATIONFAILED] Authentication failed.'],
  ])('login-response answers LOGIN with %j, then LOGOUT properly', async (response) => {
    const server = await start({ kind: 'login-response', response });
    const client = connect(server);
    await client.line(0);
    client.send('A1 LOGIN u p');
    expect(await client.line(1)).toBe(`A1 ${response}`);
    client.send('A2 LOGOUT');
    await until(() => client.closed, 'the close after LOGOUT');
    expect(client.lines().slice(2)).toEqual(['* BYE Logging out', 'A2 OK Logout completed.']);
  });

  it('login-response answers AUTHENTICATE PLAIN after the credentials, with custom capabilities', async () => {
    const response = 'NO [AUTHENTICATIONFAILED] Authentication failed.';
    const server = await start({
      kind: 'login-response',
      response,
      capabilities: 'IMAP4rev1 SASL-IR AUTH=PLAIN',
    });
    const client = connect(server);
    expect(await client.line(0)).toBe('* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready');
    client.send('A1 AUTHENTICATE PLAIN');
    expect(await client.line(1)).toBe('+ ');
    client.send(PLAIN_U_P);
    expect(await client.line(2)).toBe(`A1 ${response}`);
    expect(server.received()).toEqual(['A1 AUTHENTICATE PLAIN', PLAIN_U_P]);
  });

  it('logindisabled advertises LOGINDISABLED without STARTTLS and refuses LOGIN', async () => {
    const server = await start({ kind: 'logindisabled' });
    const client = connect(server);
    expect(await client.line(0)).toBe('* OK [CAPABILITY IMAP4rev1 LOGINDISABLED] ready');
    client.send('A1 CAPABILITY');
    expect(await client.line(1)).toBe('* CAPABILITY IMAP4rev1 LOGINDISABLED');
    client.send('A2 LOGIN u p');
    expect(await client.line(3)).toMatch(/^A2 NO \[PRIVACYREQUIRED\] /);
  });

  it('no-starttls never advertises STARTTLS and records login attempts', async () => {
    const server = await start({ kind: 'no-starttls' });
    const client = connect(server);
    expect(await client.line(0)).toBe('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready');
    client.send('A1 CAPABILITY');
    expect(await client.line(1)).toBe('* CAPABILITY IMAP4rev1 AUTH=PLAIN');
    expect(await client.line(2)).toMatch(/^A1 OK /);
    expect(server.loginAttempts()).toBe(0);
    client.send('A2 STARTTLS');
    expect(await client.line(3)).toMatch(/^A2 BAD /);
    client.send('A3 LOGIN u p');
    expect(await client.line(4)).toBe('A3 OK Logged in');
    expect(server.loginAttempts()).toBe(1);
    expect(server.received()).toContain('A3 LOGIN u p');
  });

  it('starttls-refused advertises STARTTLS and answers it with NO', async () => {
    const server = await start({ kind: 'starttls-refused' });
    const client = connect(server);
    expect(await client.line(0)).toBe('* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready');
    client.send('A1 STARTTLS');
    expect(await client.line(1)).toBe('A1 NO Not now');
  });
});

describe('fault server: IMAP subset and scripting', () => {
  it('answers NOOP, rejects unknown and untagged input, and wants a login before NAMESPACE', async () => {
    const server = await start({ kind: 'login-response', response: 'OK Logged in' });
    const client = connect(server);
    await client.line(0);
    client.send('A1 NOOP');
    expect(await client.line(1)).toMatch(/^A1 OK /);
    client.send('A2 FROBNICATE');
    expect(await client.line(2)).toMatch(/^A2 BAD /);
    client.send('garbage');
    expect(await client.line(3)).toMatch(/^\* BAD /);
    client.send('A3 NAMESPACE');
    expect(await client.line(4)).toMatch(/^A3 BAD /);
    client.send('A4 LOGIN u p');
    client.send('A5 LOGIN u p');
    expect(await client.line(6)).toMatch(/^A5 BAD /);
    expect(server.received()).toEqual([
      'A1 NOOP',
      'A2 FROBNICATE',
      'garbage',
      'A3 NAMESPACE',
      'A4 LOGIN u p',
      'A5 LOGIN u p',
    ]);
  });

  it('runs a script with write, onLine, end and reset', async () => {
    const server = await start({
      kind: 'script',
      run: (conn) => {
        conn.write(`* OK connection ${conn.id}`);
        conn.onLine((line) => {
          if (line === 'reset') conn.reset();
          else if (line === 'end') conn.end();
          else conn.write(`echo ${line}`);
        });
      },
    });
    const first = connect(server);
    expect(await first.line(0)).toBe('* OK connection 1');
    first.send('hello');
    expect(await first.line(1)).toBe('echo hello');
    first.send('end');
    await until(() => first.closed, 'the end');
    expect(first.error).toBeUndefined();

    const second = connect(server);
    expect(await second.line(0)).toBe('* OK connection 2');
    second.send('reset');
    await until(() => second.closed, 'the reset');
    expect(second.error?.code).toBe('ECONNRESET');
    expect(server.received()).toEqual(['hello', 'end', 'reset']);
    expect(server.connections()).toBe(2);
    expect(server.transcript().filter((entry) => entry.direction === 'out')).toEqual([
      { connection: 1, direction: 'out', text: '* OK connection 1\r\n' },
      { connection: 1, direction: 'out', text: 'echo hello\r\n' },
      { connection: 2, direction: 'out', text: '* OK connection 2\r\n' },
    ]);
  });
});

describe('fault server: close()', () => {
  it('destroys open connections, stops listening and leaves no handle behind', async () => {
    const before = networkHandles();
    const server = await startFaultServer({ kind: 'login-ok-then-stall' });
    const idle = connect(server);
    const loggedIn = connect(server);
    await idle.line(0);
    loggedIn.send('A1 LOGIN u p');
    expect(await loggedIn.line(1)).toBe('A1 OK Logged in');

    await server.close();
    // The server side is gone when close() resolves; what is left is the two client sockets
    expect(networkHandles().filter((type) => type === 'TCPServerWrap')).toEqual(
      before.filter((type) => type === 'TCPServerWrap'),
    );
    expect(networkHandles().length).toBeLessThanOrEqual(before.length + 2);
    await until(() => idle.closed && loggedIn.closed, 'the clients to see the close');
    await Promise.all([idle.destroy(), loggedIn.destroy()]);
    expect(networkHandles()).toEqual(before);

    await server.close();
    const late = connect(server);
    await until(() => late.closed, 'the refused connection');
    expect(late.error?.code).toBe('ECONNREFUSED');
    await late.destroy();
  });
});

const certificate = makeSelfSignedCertificate();

describe.skipIf(certificate === undefined)('fault server over implicit TLS', () => {
  const tlsOptions = (): FaultServerOptions => (certificate ? { tls: certificate } : {});

  it('plays IMAP over TLS', async () => {
    const server = await start(
      { kind: 'login-response', response: 'NO [EXPIRED] Password expired' },
      tlsOptions(),
    );
    const client = connect(server, true);
    expect(await client.line(0)).toMatch(/^\* OK \[CAPABILITY /);
    client.send('A1 LOGIN u p');
    expect(await client.line(1)).toBe('A1 NO [EXPIRED] Password expired');
  });

  it('resets the TCP connection under TLS', async () => {
    const server = await start({ kind: 'reset-on-login' }, tlsOptions());
    const client = connect(server, true);
    await client.line(0);
    client.send('A1 LOGIN u p');
    await until(() => client.closed, 'the reset');
    expect(client.error?.code).toBe('ECONNRESET');
  });

  it('survives a plaintext client and closes without leaving handles', async () => {
    const before = networkHandles();
    const server = await startFaultServer({ kind: 'greeting-then-stall' }, tlsOptions());
    const secure = connect(server, true);
    const plain = connect(server);
    plain.send('A1 CAPABILITY');
    expect(await secure.line(0)).toMatch(/^\* OK /);
    await until(() => plain.closed, 'the failed handshake to close the plaintext client');
    await server.close();
    await until(() => secure.closed, 'the TLS client to see the close');
    await secure.destroy();
    expect(networkHandles()).toEqual(before);
  });
});

describe('imapflow 2.10.2 against the fault server', () => {
  async function imapflowConnect(server: FaultServer, extra: Partial<ImapFlowOptions> = {}) {
    const client = new ImapFlow({
      host: server.host,
      port: server.port,
      secure: false,
      auth: { user: 'u', pass: 'p' },
      logger: false,
      doSTARTTLS: false,
      greetingTimeout: 1_000,
      socketTimeout: 1_000,
      ...extra,
    });
    const errors: unknown[] = [];
    client.on('error', (error: unknown) => errors.push(error));
    const connected = client.connect().then(
      () => undefined,
      (error: unknown) => error,
    );
    return { client, errors, failure: await connected };
  }

  it('logs in and completes connect(); the commands it sends are recorded', async () => {
    const server = await start({ kind: 'login-response', response: 'OK Logged in' });
    const { client, failure } = await imapflowConnect(server, { doSTARTTLS: undefined });
    expect(failure).toBeUndefined();
    await client.logout();
    const id = expect.stringMatching(/^\d+ ID \("name" "imapflow" "version" "2\.10\.2"/);
    expect(server.received()).toEqual([
      id,
      '2 AUTHENTICATE PLAIN',
      PLAIN_U_P,
      '3 CAPABILITY',
      id,
      '5 NAMESPACE',
      '6 LOGOUT',
    ]);
  });

  it('gets through the login of login-ok-then-stall and then times out', async () => {
    const server = await start({ kind: 'login-ok-then-stall' });
    const { client, failure } = await imapflowConnect(server);
    client.close();
    expect(failure).toMatchObject({ code: 'ETIMEOUT' });
    expect(server.transcript()).toContainEqual({
      connection: 1,
      direction: 'out',
      text: '2 OK Logged in\r\n',
    });
    expect(server.received().at(-1)).toBe('3 CAPABILITY');
  });

  it('completes connect() when login-ok-then-stall keeps answering, and stalls the next command', async () => {
    const server = await start({
      kind: 'login-ok-then-stall',
      keepAnswering: ['CAPABILITY', 'ID', 'NAMESPACE'],
    });
    const { client, errors, failure } = await imapflowConnect(server);
    expect(failure).toBeUndefined();
    // noop() swallows its own failure; the socket timeout surfaces as an 'error' event
    await client.noop();
    await until(() => errors.length > 0, 'the timeout error');
    client.close();
    expect(errors[0]).toMatchObject({ code: 'ETIMEOUT' });
    expect(server.received().at(-1)).toMatch(/^\d+ NOOP$/);
  });

  it('gets the configured NO from login-response', async () => {
    const server = await start({
      kind: 'login-response',
      response: 'NO [AUTHENTICATIONFAILED] Authentication failed.',
    });
    const { client, failure } = await imapflowConnect(server);
    client.close();
    expect(failure).toMatchObject({
      authenticationFailed: true,
      serverResponseCode: 'AUTHENTICATIONFAILED',
      responseText: 'Authentication failed.',
    });
  });

  it('never logs in on no-starttls when STARTTLS is required', async () => {
    const server = await start({ kind: 'no-starttls' });
    const { client, failure } = await imapflowConnect(server, { doSTARTTLS: true });
    client.close();
    expect(failure).toBeInstanceOf(Error);
    expect(server.loginAttempts()).toBe(0);
  });
});
