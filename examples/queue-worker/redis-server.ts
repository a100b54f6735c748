/**
 * A throw-away Redis for the example and its test: Debian's `redis-server` on a free loopback port,
 * with its files in a temporary directory and nothing persisted, stopped and removed by `stop()`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A Redis this process started. */
export interface LocalRedis {
  readonly host: '127.0.0.1';
  readonly port: number;
  stop(): Promise<void>;
}

const STARTUP_LIMIT_MS = 10_000;
const STOP_LIMIT_MS = 5_000;

/**
 * Where `redis-server` is: Debian puts it in /usr/bin.
 *
 * @returns The binary's path, or undefined when it is not installed.
 */
export function findRedisServer(): string | undefined {
  const candidates = [
    '/usr/bin/redis-server',
    ...(process.env['PATH'] ?? '').split(':').map((dir) => path.join(dir, 'redis-server')),
  ];
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Starts `redis-server` on 127.0.0.1 and a free port, in the foreground, without snapshots or an
 * append-only file, and waits until it answers PING.
 *
 * @returns The running server.
 */
export async function startLocalRedis(): Promise<LocalRedis> {
  const binary = findRedisServer();
  if (binary === undefined)
    throw new Error('redis-server is not installed (apt-get install -y redis-server)');
  const directory = mkdtempSync(path.join(os.tmpdir(), 'imap-connector-redis-'));
  const port = await freePort();
  const child = spawn(
    binary,
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      directory,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
      // BullMQ's advice: never evict queue keys.
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = () => stopProcess(child, directory);
  try {
    await waitForPong(port, child);
  } catch (error) {
    await stop();
    throw new Error(`redis-server did not start: ${String(error)}\n${output}`);
  }
  return { host: '127.0.0.1', port, stop };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPong(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_LIMIT_MS;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error('the redis-server process exited');
    if (await pongs(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no PONG on port ${port} within ${STARTUP_LIMIT_MS} ms`);
}

function pongs(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.once('error', () => done(false));
  });
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
