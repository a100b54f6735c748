import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type DovecotLayout, renderDovecotConfig } from './dovecot-config.js';
import type { DovecotVariant } from './dovecot-variants.js';
import { createTestCertificates } from './test-certificates.js';

/** What a test needs to reach a running instance; plain data, so it crosses vitest's worker boundary. */
export interface DovecotEndpoint {
  readonly variant: string;
  /** Dovecot treats connections from 127.0.0.1 to 127.0.0.1 as secure (no LOGINDISABLED). */
  readonly host: '127.0.0.1';
  /** The same listeners on 127.0.0.2: Dovecot behaves as for a remote client there. */
  readonly remoteHost: '127.0.0.2';
  readonly plainPort: number;
  /** Implicit TLS; 0 when the variant has no TLS. */
  readonly tlsPort: number;
  /** The CA that signed the server certificate. */
  readonly caPem: string;
  /** Where each account's passwd-file goes. */
  readonly passwdDirectory: string;
  readonly logFile: string;
  readonly timeZone: string;
}

/** A running instance that this process started. */
export interface DovecotServer extends DovecotEndpoint {
  stop(): Promise<void>;
}

/** One mail account on an instance. */
export interface MailUser {
  readonly username: string;
  readonly password: string;
}

/** How long an instance may take to greet before start-up counts as failed. */
export const STARTUP_LIMIT_MS = 5_000;
const STOP_LIMIT_MS = 5_000;
const LOG_EXCERPT_LINES = 30;
let instanceCounter = 0;

/**
 * The environment variable that decides which Dovecot the harness and the demo use: a path to a
 * `dovecot` binary, or `none` to act as if Dovecot were not installed (the demo then uses its
 * embedded server, and `npm test` skips the real-server tests).
 */
export const DOVECOT_ENV = 'IMAP_CONNECTOR_DOVECOT';

/**
 * Where Dovecot is, looked up in this order: `$IMAP_CONNECTOR_DOVECOT` (a path, or `none`), then
 * `/usr/sbin/dovecot` (Debian's `dovecot-imapd` puts it there, which an ordinary user's PATH may
 * lack), then each directory of `PATH`. (A copy unpacked from Debian's packages without root does not
 * run from another directory: see README.md, "Without Dovecot".)
 *
 * @returns The binary's path, or undefined.
 */
export function findDovecot(): string | undefined {
  const chosen = process.env[DOVECOT_ENV];
  if (chosen !== undefined && chosen !== '') {
    return chosen === 'none' || !isExecutable(chosen) ? undefined : chosen;
  }
  const candidates = [
    '/usr/sbin/dovecot',
    ...(process.env['PATH'] ?? '')
      .split(':')
      .filter(Boolean)
      .map((dir) => path.join(dir, 'dovecot')),
  ];
  return candidates.find(isExecutable);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a Dovecot instance for tests: a fresh directory, CA and server certificate, config, and free
 * high ports on 127.0.0.1 and 127.0.0.2. Works as root (Dovecot's own accounts run the processes) and as
 * an ordinary user (everything runs as that user).
 *
 * @param variant - Capabilities, namespace, folders and time zone.
 * @returns The running server; `stop()` ends every process it started and removes its files.
 */
export async function startDovecot(variant: DovecotVariant): Promise<DovecotServer> {
  const binary = findDovecot();
  if (!binary) throw new Error('dovecot is not installed (apt-get install -y dovecot-imapd)');
  const directory = mkdtempSync(path.join(os.tmpdir(), `imap-connector-dovecot-${variant.name}-`));
  chmodSync(directory, 0o755);
  const accounts = processAccounts();
  const home = path.join(directory, 'home');
  mkdirSync(home);
  if (process.getuid?.() === 0) chownSync(home, accounts.mailUid, accounts.mailGid);
  const certificates = createTestCertificates(directory);
  chmodSync(certificates.serverKeyPath, 0o644);
  const [plainPort, tlsPort] = await freePorts(2);
  instanceCounter += 1;
  const layout: DovecotLayout = {
    directory,
    instanceName: `imap-connector-test-${process.pid}-${instanceCounter}`,
    passwdDirectory: path.join(directory, 'passwd'),
    logFile: path.join(directory, 'dovecot.log'),
    certificatePath: certificates.serverCertPath,
    keyPath: certificates.serverKeyPath,
    addresses: ['127.0.0.1', '127.0.0.2'],
    privileged: process.getuid?.() === 0,
    plainPort: plainPort ?? 0,
    tlsPort: tlsPort ?? 0,
    accounts,
  };
  mkdirSync(layout.passwdDirectory, { mode: 0o755 });
  const configFile = path.join(directory, 'dovecot.conf');
  writeFileSync(configFile, renderDovecotConfig(variant, layout));
  const timeZone = variant.timeZone ?? 'UTC';
  const child = spawn(binary, ['-F', '-c', configFile], {
    env: { ...process.env, TZ: timeZone },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = () => stopProcess(child, directory);
  try {
    await waitForGreeting(layout.plainPort, child);
  } catch (error) {
    // Read the log before stop() removes the directory it is in.
    const log = existsSync(layout.logFile) ? readFileSync(layout.logFile, 'utf8') : '';
    await stop();
    throw new Error(
      `Dovecot (${variant.name}) did not start: ${error instanceof Error ? error.message : String(error)}\n` +
        `--- dovecot output and ${layout.logFile} (last ${LOG_EXCERPT_LINES} lines) ---\n` +
        lastLines(`${output}${log}`, LOG_EXCERPT_LINES),
    );
  }
  return {
    variant: variant.name,
    host: '127.0.0.1',
    remoteHost: '127.0.0.2',
    plainPort: layout.plainPort,
    tlsPort: variant.tls === false ? 0 : layout.tlsPort,
    caPem: certificates.caPem,
    passwdDirectory: layout.passwdDirectory,
    logFile: layout.logFile,
    timeZone,
    stop,
  };
}

/**
 * Adds a mail account with a unique name and password, usable at once, so each test file works in a mailbox of its own on a shared server. Dovecot delays the
 * next logins of an account for seconds after a failed one (its auth penalty): give wrong-password
 * tests an account of their own.
 *
 * @param endpoint - The server.
 * @param prefix - Readable part of the name.
 * @param password - The password (random by default); passwd-file forbids `:` and line breaks in it.
 * @returns The new account's credentials.
 */
export function createMailUser(
  endpoint: DovecotEndpoint,
  prefix = 'user',
  password = `pw-${randomBytes(9).toString('base64url')}`,
): MailUser {
  const suffix = randomBytes(4).toString('hex');
  const username = `${prefix}-${suffix}@example.test`;
  // Dovecot re-reads a changed passwd-file at most once a second, so accounts added within the same
  // second would be missing; a file per account is read the first time the account logs in.
  const file = path.join(endpoint.passwdDirectory, username);
  writeFileSync(`${file}.tmp`, `${username}:{PLAIN}${password}::::::\n`, { mode: 0o644 });
  renameSync(`${file}.tmp`, file);
  return { username, password };
}

/**
 * The mail_log lines Dovecot wrote for one user: every save, copy, expunge, flag change, mailbox
 * creation... A read-only count must add none.
 *
 * @param endpoint - The server.
 * @param username - The account.
 * @returns Log lines about changes to that user's mail.
 */
export function mailChangesLoggedFor(endpoint: DovecotEndpoint, username: string): string[] {
  if (!existsSync(endpoint.logFile)) return [];
  return readFileSync(endpoint.logFile, 'utf8')
    .split('\n')
    .filter(
      (line) =>
        line.includes(`imap(${username})`) &&
        /: Info: (?:box=|[a-z_]+: )/.test(line) &&
        !line.includes('Disconnected'),
    );
}

function processAccounts(): DovecotLayout['accounts'] {
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'dovecot']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'dovecot']).toString().trim());
    return {
      internalUser: 'dovecot',
      internalGroup: 'dovecot',
      loginUser: 'dovenull',
      mailUid: uid,
      mailGid: gid,
    };
  }
  const user = os.userInfo();
  const group = execFileSync('id', ['-gn']).toString().trim();
  return {
    internalUser: user.username,
    internalGroup: group,
    loginUser: user.username,
    mailUid: user.uid,
    mailGid: user.gid,
  };
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/**
 * Polls the plain listener until it greets, and fails within {@link STARTUP_LIMIT_MS} otherwise: a
 * connection closed without a word (Dovecot's login process dying, e.g. when it cannot chroot) counts
 * as "not yet", never as a wait without end.
 */
async function waitForGreeting(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_LIMIT_MS;
  let lastAnswer = 'no connection accepted';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the dovecot process exited (${child.exitCode ?? child.signalCode})`);
    }
    const answer = await greeting(port, Math.max(1, Math.min(1_000, deadline - Date.now())));
    if (answer.startsWith('* OK')) return;
    lastAnswer = answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no greeting on port ${port} within ${STARTUP_LIMIT_MS} ms (last try: ${lastAnswer})`);
}

/** The first line the server sends, or a description of why there was none; settles within `limitMs`. */
function greeting(port: number, limitMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let settled = false;
    const done = (answer: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(`no answer within ${limitMs} ms`), limitMs);
    socket.once('data', (data) => done(data.toString().split('\r\n')[0] ?? ''));
    socket.once('error', (error) => done(error.message));
    socket.once('close', () => done('connection closed without a greeting'));
  });
}

function lastLines(text: string, count: number): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-count).join('\n') || '(empty)';
}

async function stopProcess(child: ChildProcess, directory: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_LIMIT_MS);
    await exited;
    clearTimeout(timer);
  }
  child.stdout?.destroy();
  child.stderr?.destroy();
  rmSync(directory, { recursive: true, force: true });
}
