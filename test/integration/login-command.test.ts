import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImapConnector } from '../../src/index.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import { createMailUser, type DovecotEndpoint, type MailUser } from '../harness/dovecot/dovecot-server.js';
import { type FaultServer, startFaultServer } from '../harness/fault-server.js';
import { loopbackConnector } from '../harness/loopback-connector.js';
import { type RecordingProxy, startRecordingProxy } from '../harness/recording-proxy.js';

// What the SDK logs in with: one LOGIN (one round trip) for credentials a quoted string carries
// everywhere, AUTHENTICATE PLAIN (base64: any byte) for the others and where LOGINDISABLED is advertised.
describeWithDovecot('logging in on Dovecot with LOGIN or AUTHENTICATE', () => {
  let server: DovecotEndpoint;
  let proxy: RecordingProxy;

  beforeAll(async () => {
    server = sharedDovecot();
    proxy = await startRecordingProxy(server.plainPort);
  });

  afterAll(async () => {
    await proxy?.close();
  });

  function recordingLogger(logs: string[]) {
    const record = (entry: unknown) => logs.push(JSON.stringify(entry));
    return { debug: record, info: record, warn: record, error: record };
  }

  function connectorFor(user: MailUser, logs: string[]): ImapConnector {
    return loopbackConnector(proxy.port, user, { logger: recordingLogger(logs) });
  }

  it.each([
    ['a double quote', 'say "hi" now', 'LOGIN'],
    ['a backslash', 'back\\slash\\', 'LOGIN'],
    ['quotes and backslashes together', '\\"\\\\"x', 'LOGIN'],
    ['spaces, braces and parentheses', ' {5} (x) [y] * % ', 'LOGIN'],
    ['non-ASCII letters', 'grüße-äöü', 'AUTHENTICATE'],
    ['characters outside the BMP', 'pass-🔑-パス', 'AUTHENTICATE'],
  ])('logs in with a password holding %s (%s), tests and counts', async (_name, password, method) => {
    const user = createMailUser(server, 'login-chars', password);
    const logs: string[] = [];
    const before = proxy.clientLines().length;
    const tested = await connectorFor(user, logs).testConnection();
    expect(tested).toMatchObject({ ok: true, authenticatedAs: user.username });
    if (tested.ok) expect(tested.commands).toContain(method);
    // The side connection forced: `auto` would decline it for a small INBOX, or on a slow link (a loaded machine).
    const counted = await connectorFor(user, logs).countSignals(
      { since: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00Z' },
      { mailboxListing: 'side-connection' },
    );
    expect(counted).toMatchObject({ sent: 0, received: 0 });
    const sent = proxy.clientLines().slice(before);
    const logins = sent.filter((line) => /^\S+ (?:LOGIN|AUTHENTICATE)(?: |$)/i.test(line));
    // The Test button exercises what counting uses: the same command, once for the test and once for
    // each connection of the count (the counting one and the side connection that lists).
    expect(logins).toHaveLength(3);
    for (const line of logins) expect(line.split(' ')[1]?.toUpperCase()).toBe(method);
    if (method === 'LOGIN') {
      // RFC 3501 §4.3: a quoted string with `"` and `\` escaped, and nothing else changed.
      const quoted = `"${password.replace(/[\\"]/g, '\\$&')}"`;
      for (const line of logins) expect(line.endsWith(` ${quoted}`)).toBe(true);
    }
    // The debug trace shows the command with its password hidden, and no form of it anywhere.
    const traced = logs.filter((line) => /\b(?:LOGIN|AUTHENTICATE)\b/.test(line));
    expect(traced.length).toBeGreaterThan(0);
    if (method === 'LOGIN') expect(traced.some((line) => line.includes('(* value hidden *)'))).toBe(true);
    for (const text of [...logs, JSON.stringify(tested), JSON.stringify(counted), inspect(tested)]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(JSON.stringify(password).slice(1, -1));
      expect(text).not.toContain(password.replace(/[\\"]/g, '\\$&'));
    }
  });

  it('maps a wrong password sent with LOGIN to AUTHENTICATION_FAILED, as with AUTHENTICATE', async () => {
    const victim = createMailUser(server, 'login-wrong', 'right "one"');
    const logs: string[] = [];
    const result = await connectorFor({ ...victim, password: 'wrong "one"' }, logs).testConnection();
    expect(result).toMatchObject({
      ok: false,
      code: 'AUTHENTICATION_FAILED',
      message: 'HTTP 401: AUTHENTICATIONFAILED',
      httpStatus: 401,
      retryable: false,
    });
    if (!result.ok) expect(result.detail.phase).toBe('login');
    const named = proxy.clientLines().filter((line) => line.includes(victim.username));
    expect(named).toEqual([expect.stringMatching(/^\S+ LOGIN /)]);
    for (const text of logs) expect(text).not.toContain('wrong "one"');
  });
});

describe('logging in where LOGINDISABLED is advertised', () => {
  let fault: FaultServer | undefined;
  afterEach(async () => {
    await fault?.close();
    fault = undefined;
  });

  it('uses AUTHENTICATE PLAIN when the server advertises LOGINDISABLED next to AUTH=PLAIN', async () => {
    fault = await startFaultServer({
      kind: 'login-response',
      response: 'OK Logged in',
      capabilities: 'IMAP4rev1 NAMESPACE LOGINDISABLED AUTH=PLAIN',
    });
    const result = await new ImapConnector({
      host: fault.host,
      port: fault.port,
      security: 'none',
      username: 'alice@example.test',
      password: 'plain-ascii',
      timeouts: { testConnectionMs: 5_000 },
    }).testConnection();
    expect(result).toMatchObject({ ok: true });
    const logins = fault.received().filter((line) => /^\S+ (?:LOGIN|AUTHENTICATE)(?: |$)/i.test(line));
    expect(logins).toEqual([expect.stringMatching(/^\S+ AUTHENTICATE PLAIN$/)]);
  });
});
