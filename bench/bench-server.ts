import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { createMailUser, type DovecotServer, startDovecot } from '../test/harness/dovecot/dovecot-server.js';
import type { DovecotVariant } from '../test/harness/dovecot/dovecot-variants.js';
import { RawImapClient } from '../test/harness/raw-imap-client.js';
import type { CaseTarget } from './bench-cases.js';
import { CountingProxy } from './counting-proxy.js';

/** A Dovecot instance serving the cached Maildir, behind counting proxies. */
export interface BenchServer {
  readonly variant: string;
  readonly server: DovecotServer;
  readonly username: string;
  readonly password: string;
  /** In front of the plaintext port. */
  readonly plainProxy: CountingProxy;
  /** In front of the implicit-TLS port. */
  readonly tlsProxy: CountingProxy;
  stop(): Promise<void>;
}

/**
 * Starts a Dovecot variant whose only account's Maildir is the cached, pre-written one, and sets the
 * account's subscriptions: every folder of the Maildir is subscribed, as a mail client that created them
 * leaves them, but those named in `unsubscribed` (a full count opens the subscribed folders before it
 * lists, the others after the list: docs/counting.md). They are kept in the Maildir, so each start sets
 * them again.
 *
 * @param variant - Capabilities and time zone.
 * @param maildir - The cached Maildir.
 * @param options - `unsubscribed`: folders left unsubscribed.
 * @returns The server, the account and the proxies.
 */
export async function startBenchServer(
  variant: DovecotVariant,
  maildir: string,
  options: { readonly unsubscribed?: readonly string[] } = {},
): Promise<BenchServer> {
  const server = await startDovecot(variant);
  const user = createMailUser(server, 'bench');
  const home = path.join(path.dirname(server.passwdDirectory), 'home', user.username);
  mkdirSync(home, { recursive: true });
  const owner = statSync(path.dirname(home));
  chownSync(home, owner.uid, owner.gid);
  symlinkSync(maildir, path.join(home, 'Maildir'));
  if (process.getuid?.() === 0) {
    execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, path.dirname(maildir)]);
  }
  // Maildir++ folders are the dot-directories (the bench's are flat: `.Sent` is Sent).
  const folders = readdirSync(maildir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name.startsWith('.'))
    .map((entry) => entry.name.slice(1));
  const client = await RawImapClient.login(server.plainPort, user.username, user.password);
  try {
    for (const folder of folders)
      await client.command(
        `${options.unsubscribed?.includes(folder) ? 'UNSUBSCRIBE' : 'SUBSCRIBE'} "${folder}"`,
      );
  } finally {
    await client.logout();
  }
  const plainProxy = await CountingProxy.start(server.plainPort);
  const tlsProxy = await CountingProxy.start(server.tlsPort);
  return {
    variant: variant.name,
    server,
    username: user.username,
    password: user.password,
    plainProxy,
    tlsProxy,
    async stop() {
      await plainProxy.stop();
      await tlsProxy.stop();
      await server.stop();
    },
  };
}

/**
 * The bench account as a case connects to it: through the counting proxies (`npm run bench` reads
 * their bytes), or straight to Dovecot's ports (`direct`), or with a plaintext port of the caller's own
 * (a proxy of its own in front of `server.server.plainPort`).
 *
 * @param server - The running bench server.
 * @param route - `proxies` (default), `direct`, or `{ plainPort }`.
 * @returns Host, ports, CA and credentials.
 */
export function caseTargetOf(
  server: BenchServer,
  route: 'proxies' | 'direct' | { readonly plainPort: number } = 'proxies',
): CaseTarget {
  const proxied = route === 'proxies';
  return {
    host: '127.0.0.1',
    plainPort:
      typeof route === 'object'
        ? route.plainPort
        : proxied
          ? server.plainProxy.port
          : server.server.plainPort,
    tlsPort: proxied ? server.tlsProxy.port : server.server.tlsPort,
    caPem: server.server.caPem,
    username: server.username,
    password: server.password,
  };
}
