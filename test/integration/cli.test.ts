/**
 * The `imap-connector` executable, built as published and run as a child process with pipes (no
 * terminal), against the shared Dovecot and the fault server: output, JSON, exit statuses, and that the
 * password shows up nowhere.
 */

import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errorCatalog, type SignalCounts } from '../../src/index.js';
import { type BuiltCli, buildCli, type CliRun, runCli } from '../cli/cli-binary.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import { createMailUser, type DovecotEndpoint, type MailUser } from '../harness/dovecot/dovecot-server.js';
import { type FaultServer, startFaultServer } from '../harness/fault-server.js';
import { seedMailboxes } from '../harness/mail-seeder.js';

let cli: BuiltCli;
beforeAll(async () => {
  cli = await buildCli();
}, 120_000);
afterAll(() => cli?.remove());

const at = (iso: string) => Date.parse(iso);

/** Environment for a Dovecot account over implicit TLS, trusting the test CA. */
function dovecotEnv(endpoint: DovecotEndpoint, user: MailUser, caFile: string): Record<string, string> {
  return {
    IMAP_HOST: endpoint.host,
    IMAP_PORT: String(endpoint.tlsPort),
    IMAP_SECURITY: 'tls',
    IMAP_USERNAME: user.username,
    IMAP_PASSWORD: user.password,
    IMAP_CA_FILE: caFile,
  };
}

function expectNoSecret(run: CliRun, secret: string): void {
  expect(run.stdout).not.toContain(secret);
  expect(run.stderr).not.toContain(secret);
}

describe('the command line itself', () => {
  it('prints help with examples and the exit statuses, and exits 0', async () => {
    const run = await runCli(cli, ['--help']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toMatch(/^\s+3\s+authentication/m);
    for (const command of ['discover', 'test', 'count']) {
      const help = await runCli(cli, [command, '--help']);
      expect(help.exitCode).toBe(0);
      expect(help.stdout).toContain(`npx @perfcopilot/imap-connector ${command}`);
    }
  });

  it.each([
    [['frobnicate'], /Unknown command "frobnicate"/],
    [['test', '--hots', 'x'], /Unknown option '--hots'/],
    [['count', '--granularity', 'hour', '--host', 'h', '-u', 'u'], /--granularity must be one of/],
    [['count', '--tz', 'Mars/Olympus', '--host', 'h', '-u', 'u'], /not an IANA time zone/],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const run = await runCli(cli, args, { env: { IMAP_PASSWORD: 'x' } });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('refuses a password on the command line unless forced, without repeating it', async () => {
    const secret = `argv-canary-${process.pid}`;
    const run = await runCli(cli, [
      'test',
      '--host',
      '127.0.0.1',
      '-u',
      'a@example.test',
      '--password',
      secret,
    ]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--allow-argv-password');
    expectNoSecret(run, secret);
  });

  it('says where a password can come from when there is none and no terminal to ask on', async () => {
    const run = await runCli(cli, ['test', '--host', '127.0.0.1', '-u', 'a@example.test']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('IMAP_PASSWORD');
    expect(run.stderr).toContain('--password-stdin');
  });

  it('lists every invalid field, before asking for a password (exit 2, CONFIG_INVALID)', async () => {
    const run = await runCli(cli, ['test', '--port', '99999999', '--json']);
    expect(run.exitCode).toBe(2);
    const output = JSON.parse(run.stdout) as {
      ok: boolean;
      code: string;
      detail: { issues: { field: string }[] };
    };
    expect(output).toMatchObject({ ok: false, code: 'CONFIG_INVALID' });
    expect(output.detail.issues.map((issue) => issue.field)).toEqual(
      expect.arrayContaining(['host', 'username', 'port']),
    );
    const text = await runCli(cli, ['test', '--port', '99999999']);
    expect(text.exitCode).toBe(2);
    expect(text.stderr).toContain(`❌ ${errorCatalog.CONFIG_INVALID.message}`);
    expect(text.stderr).toMatch(/^ {3}host: /m);
    expect(text.stderr).toContain(`Fix: ${errorCatalog.CONFIG_INVALID.fix}`);
  });
});

describeWithDovecot('imap-connector test, against Dovecot', () => {
  let endpoint: DovecotEndpoint;
  let caFile: string;
  beforeAll(() => {
    endpoint = sharedDovecot();
    caFile = path.join(path.dirname(cli.file), 'ca.pem');
    writeFileSync(caFile, endpoint.caPem);
  });

  it('prints "✅ Authenticated as …" and exits 0', async () => {
    const user = createMailUser(endpoint, 'cli-ok');
    const run = await runCli(cli, ['test'], { env: dovecotEnv(endpoint, user, caFile) });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(`✅ Authenticated as ${user.username}`);
    expect(run.stdout).toMatch(/folders {2}INBOX \(inbox\), .*Sent \(sent\)/);
    expectNoSecret(run, user.password);
  });

  it('takes flags over the environment, and the password from stdin with --password-stdin', async () => {
    const user = createMailUser(endpoint, 'cli-stdin');
    const env = { IMAP_HOST: 'wrong.invalid', IMAP_USERNAME: 'nobody@example.test' };
    const args = ['test', '--host', endpoint.host, '--port', String(endpoint.tlsPort), '--ca-file', caFile];
    const run = await runCli(cli, [...args, '-u', user.username, '--password-stdin', '--json'], {
      env,
      input: `${user.password}\n`,
    });
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, authenticatedAs: user.username });
    expectNoSecret(run, user.password);
  });

  it('shows the catalog message and fix for a wrong password and exits 3', async () => {
    const user = createMailUser(endpoint, 'cli-wrong');
    const wrong = `wrong-${process.pid}-canary`;
    const env = { ...dovecotEnv(endpoint, user, caFile), IMAP_PASSWORD: wrong };
    const text = await runCli(cli, ['test'], { env });
    expect(text.exitCode).toBe(3);
    expect(text.stdout).toBe('');
    expect(text.stderr).toContain(`❌ ${errorCatalog.AUTHENTICATION_FAILED.message}`);
    expect(text.stderr).toContain(`Fix: ${errorCatalog.AUTHENTICATION_FAILED.fix}`);
    expectNoSecret(text, wrong);
    const json = await runCli(cli, ['test', '--json'], { env });
    expect(json.exitCode).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      code: 'AUTHENTICATION_FAILED',
      fix: errorCatalog.AUTHENTICATION_FAILED.fix,
    });
    expectNoSecret(json, wrong);
  });

  it('exits 4 with the certificate error when the CA is left out', async () => {
    const user = createMailUser(endpoint, 'cli-ca');
    const { IMAP_CA_FILE: _, ...env } = dovecotEnv(endpoint, user, caFile);
    const run = await runCli(cli, ['test'], { env });
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toContain(`❌ ${errorCatalog.CERTIFICATE_UNTRUSTED.message}`);
  });
});

describe('imap-connector test, against the fault server and closed ports', () => {
  let server: FaultServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const plainEnv = (port: number) => ({
    IMAP_HOST: '127.0.0.1',
    IMAP_PORT: String(port),
    IMAP_SECURITY: 'none',
    IMAP_USERNAME: 'alice@example.test',
    IMAP_PASSWORD: `fault-canary-${process.pid}`,
  });

  it('exits 4 with "Connection refused" on a closed port', async () => {
    const port = await closedPort();
    const run = await runCli(cli, ['test', '--json'], { env: plainEnv(port) });
    expect(run.exitCode).toBe(4);
    expect(JSON.parse(run.stdout)).toMatchObject({
      code: 'CONNECTION_REFUSED',
      message: errorCatalog.CONNECTION_REFUSED.message,
    });
  });

  it("exits 3 with the server's words when it rejects the login without a response code", async () => {
    server = await startFaultServer({ kind: 'login-response', response: 'NO Login failed.' });
    const env = plainEnv(server.port);
    const run = await runCli(cli, ['test'], { env });
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain('❌ HTTP 401: Login failed.');
    expect(run.stderr).toContain(`Fix: ${errorCatalog.CREDENTIALS_REJECTED.fix}`);
    expectNoSecret(run, env.IMAP_PASSWORD);
  });

  it('exits 5 when an SMTP server answers on the port', async () => {
    server = await startFaultServer({ kind: 'smtp-greeting' });
    const run = await runCli(cli, ['test', '--json'], { env: plainEnv(server.port) });
    expect(run.exitCode).toBe(5);
    expect(JSON.parse(run.stdout)).toMatchObject({
      code: 'NOT_IMAP_SERVER',
      detail: { detectedProtocol: 'smtp' },
    });
    expect(server.loginAttempts()).toBe(0);
  });
});

describeWithDovecot('imap-connector count, against Dovecot', () => {
  let endpoint: DovecotEndpoint;
  let user: MailUser;
  let env: Record<string, string>;
  beforeAll(async () => {
    endpoint = sharedDovecot();
    user = createMailUser(endpoint, 'cli-count');
    const caFile = path.join(path.dirname(cli.file), 'count-ca.pem');
    writeFileSync(caFile, endpoint.caPem);
    env = dovecotEnv(endpoint, user, caFile);
    // Berlin: DST starts Sun 2026-03-29 02:00 CET → 03:00 CEST, so Mar 28 starts at 23:00Z on Mar 27,
    // Mar 29 at 23:00Z on Mar 28, Mar 30 at 22:00Z on Mar 29 and Mar 31 at 22:00Z on Mar 30.
    await seedMailboxes(endpoint, user, [
      { mailbox: 'INBOX', atMs: at('2026-03-27T22:59:59Z') }, // Mar 27, before the range
      { mailbox: 'INBOX', atMs: at('2026-03-27T23:00:00Z') }, // Mar 28 00:00 CET
      { mailbox: 'INBOX', atMs: at('2026-03-28T22:59:59Z'), offsetMinutes: 60 }, // Mar 28 23:59:59 CET
      { mailbox: 'INBOX', atMs: at('2026-03-28T23:00:00Z') }, // Mar 29 00:00 CET
      { mailbox: 'Sent', atMs: at('2026-03-29T21:59:59Z') }, // Mar 29 23:59:59 CEST
      { mailbox: 'Sent', atMs: at('2026-03-29T22:00:00Z'), offsetMinutes: 120 }, // Mar 30 00:00 CEST
      { mailbox: 'Archive', atMs: at('2026-03-30T12:00:00Z') }, // Mar 30
      { mailbox: 'INBOX', atMs: at('2026-03-30T22:00:00Z') }, // Mar 31 00:00 CEST: after the range
      { mailbox: 'Junk', atMs: at('2026-03-29T10:00:00Z') }, // never counted
      { mailbox: 'Drafts', atMs: at('2026-03-29T10:00:00Z'), flags: ['\\Draft'] }, // never counted
    ]);
  });

  // Three Berlin days, both ends included.
  const rangeArgs = ['count', '--from', '2026-03-28', '--to', '2026-03-30', '--tz', 'Europe/Berlin'];

  it('counts each Berlin day of a DST week exactly (--json)', async () => {
    const run = await runCli(cli, [...rangeArgs, '--json'], { env });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const counts = JSON.parse(run.stdout) as SignalCounts;
    expect(counts.range).toEqual({ since: '2026-03-27T23:00:00.000Z', until: '2026-03-30T22:00:00.000Z' });
    expect(
      counts.buckets.map(({ label, start, end, sent, received }) => ({ label, start, end, sent, received })),
    ).toEqual([
      {
        label: '2026-03-28',
        start: '2026-03-27T23:00:00.000Z',
        end: '2026-03-28T23:00:00.000Z',
        sent: 0,
        received: 2,
      },
      {
        label: '2026-03-29',
        start: '2026-03-28T23:00:00.000Z',
        end: '2026-03-29T22:00:00.000Z',
        sent: 1,
        received: 1,
      },
      {
        label: '2026-03-30',
        start: '2026-03-29T22:00:00.000Z',
        end: '2026-03-30T22:00:00.000Z',
        sent: 1,
        received: 1,
      },
    ]);
    expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 2, received: 4 });
    expectNoSecret(run, user.password);
  });

  it('draws the days as a chart, without a progress bar when stderr is not a terminal', async () => {
    const run = await runCli(cli, rangeArgs, { env });
    expect(run.exitCode).toBe(0);
    expect(run.stderr).not.toContain('mailboxes ·');
    expect(run.stderr).not.toContain('\r');
    const lines = run.stdout.split('\n');
    expect(lines).toContain('sent      ·██');
    expect(lines).toContain('received  █▄▄');
    expect(run.stdout).toContain('sent 2 · received 4');
    // One row per day: label, sent, its bar, received, its bar.
    const rows = lines
      .map((line) => /^(\d{4}-\d{2}-\d{2}) +(\d+) +([█▏▎▍▌▋▊▉]*) +(\d+) *([█▏▎▍▌▋▊▉]*)$/u.exec(line))
      .filter((match) => match !== null)
      .map((match) => [match[1], Number(match[2]), Number(match[4]), match[5]]);
    expect(rows).toEqual([
      ['2026-03-28', 0, 2, '█'.repeat(24)],
      ['2026-03-29', 1, 1, '█'.repeat(12)],
      ['2026-03-30', 1, 1, '█'.repeat(12)],
    ]);
    expect(run.stdout).toMatch(/not counted: .*Drafts.*Junk/);
  });

  it('gives totals only with --granularity none', async () => {
    const run = await runCli(cli, [...rangeArgs, '--granularity', 'none', '--json'], { env });
    expect(run.exitCode).toBe(0);
    const counts = JSON.parse(run.stdout) as SignalCounts;
    expect(counts.granularity).toBeNull();
    expect(counts.buckets).toHaveLength(1);
    expect({ sent: counts.sent, received: counts.received }).toEqual({ sent: 2, received: 4 });
  });

  it('takes instants with offsets, the end excluded', async () => {
    const args = ['count', '--from', '2026-03-28T23:00:00Z', '--to', '2026-03-29T22:00:00Z', '--json'];
    const run = await runCli(cli, args, { env: { ...env, TZ: 'Europe/Berlin' } });
    expect(run.exitCode).toBe(0);
    const counts = JSON.parse(run.stdout) as SignalCounts;
    expect(counts.buckets.map(({ label, sent, received }) => ({ label, sent, received }))).toEqual([
      { label: '2026-03-29', sent: 1, received: 1 },
    ]);
  });

  it('counts a month given as a calendar period', async () => {
    const args = [
      'count',
      '--from',
      '2026-03',
      '--to',
      '2026-03',
      '--granularity',
      'month',
      '--tz',
      'Europe/Berlin',
    ];
    const run = await runCli(cli, [...args, '--json'], { env });
    expect(run.exitCode).toBe(0);
    const counts = JSON.parse(run.stdout) as SignalCounts;
    // March in Berlin runs from Mar 1 00:00 CET to Apr 1 00:00 CEST: every seeded Sent, INBOX and Archive message.
    expect(counts.buckets.map(({ label, sent, received }) => ({ label, sent, received }))).toEqual([
      { label: '2026-03', sent: 2, received: 6 },
    ]);
  });

  it.each([
    [
      ['--from', '2026-03-28T00:00:00', '--to', '2026-03-31T00:00:00'],
      'since must be an ISO-8601 date-time with an offset',
    ],
    [['--from', '2026-03-28', '--to', '2026-03-31T00:00:00Z'], 'both as calendar periods'],
    [['--from', '2026-03-30', '--to', '2026-03-28'], 'to must not be before from'],
  ])('exits 2 for %j', async (args, message) => {
    const run = await runCli(cli, ['count', ...args], { env });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(message);
  });
});

/** A port on 127.0.0.1 that nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
