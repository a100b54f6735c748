/**
 * The CLI in a real terminal (tmux): the password prompt echoes nothing, Ctrl-C at it exits 130, and
 * `count` draws a progress bar on stderr that it erases before the chart.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltCli, buildCli } from '../cli/cli-binary.js';
import { startInTmux, type TmuxTerminal, tmuxSkipReason } from '../cli/tmux-terminal.js';
import { dovecotSkipReason, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import { createMailUser, type DovecotEndpoint } from '../harness/dovecot/dovecot-server.js';
import { startFaultServer } from '../harness/fault-server.js';
import { seedMailboxes } from '../harness/mail-seeder.js';

let cli: BuiltCli;
let endpoint: DovecotEndpoint;
let caFile: string;
let terminal: TmuxTerminal | undefined;

if (tmuxSkipReason && process.env['CI']) throw new Error(`${tmuxSkipReason} — not allowed in CI`);
const skipReason = dovecotSkipReason ?? tmuxSkipReason;
const describeInTerminal = (name: string, body: () => void) =>
  skipReason ? describe.skip(`${name} — ${skipReason}`, body) : describe(name, body);

describeInTerminal('the CLI in a terminal', () => {
  beforeAll(async () => {
    cli = await buildCli();
    endpoint = sharedDovecot();
    caFile = path.join(path.dirname(cli.file), 'ca.pem');
    writeFileSync(caFile, endpoint.caPem);
  }, 120_000);
  afterAll(() => cli?.remove());
  afterEach(async () => {
    await terminal?.close();
    terminal = undefined;
  });

  const settings = (username: string) => ({
    IMAP_HOST: endpoint.host,
    IMAP_PORT: String(endpoint.tlsPort),
    IMAP_SECURITY: 'tls',
    IMAP_USERNAME: username,
    IMAP_CA_FILE: caFile,
  });

  it('asks for the password without echoing it, then authenticates', async () => {
    const user = createMailUser(endpoint, 'cli-prompt');
    terminal = await startInTmux({
      argv: [process.execPath, cli.file, 'test'],
      env: settings(user.username),
    });
    await terminal.waitFor(new RegExp(`Password for ${user.username.replaceAll('.', '\\.')}: `));
    await terminal.type(user.password);
    await terminal.press('Enter');
    expect(await terminal.exitCode()).toBe(0);
    const screen = await terminal.screen();
    expect(screen).toContain(`✅ Authenticated as ${user.username}`);
    expect(screen).not.toContain(user.password);
    expect(terminal.recording()).not.toContain(user.password);
  });

  it('treats backspace as an edit at the prompt', async () => {
    const user = createMailUser(endpoint, 'cli-backspace');
    terminal = await startInTmux({
      argv: [process.execPath, cli.file, 'test'],
      env: settings(user.username),
    });
    await terminal.waitFor(/Password for /);
    await terminal.type(`${user.password}xy`);
    await terminal.press('BSpace', 'BSpace', 'Enter');
    expect(await terminal.exitCode()).toBe(0);
  });

  it('exits 130 on Ctrl-C at the prompt', async () => {
    terminal = await startInTmux({
      argv: [process.execPath, cli.file, 'test'],
      env: settings('nobody@example.test'),
    });
    await terminal.waitFor(/Password for /);
    await terminal.type('half-typed');
    await terminal.press('C-c');
    expect(await terminal.exitCode()).toBe(130);
    expect(await terminal.screen()).not.toContain('half-typed');
  });

  it('draws a progress bar on stderr while counting and erases it before the chart', async () => {
    const user = createMailUser(endpoint, 'cli-progress');
    const day = Date.parse('2026-02-10T12:00:00Z');
    await seedMailboxes(endpoint, user, [
      { mailbox: 'INBOX', atMs: day },
      { mailbox: 'INBOX', atMs: day + 3_600_000 },
      { mailbox: 'Sent', atMs: day },
      { mailbox: 'Archive', atMs: day + 86_400_000 },
    ]);
    terminal = await startInTmux({
      argv: [
        process.execPath,
        cli.file,
        'count',
        '--from',
        '2026-02-09',
        '--to',
        '2026-02-13',
        '--tz',
        'UTC',
      ],
      env: { ...settings(user.username), IMAP_PASSWORD: user.password },
    });
    expect(await terminal.exitCode()).toBe(0);
    const recording = terminal.recording();
    // INBOX, Sent and Archive are counted (Drafts, Junk and Trash are not): three frames, in order.
    const frames = [...recording.matchAll(/\r\[([█░]{20})\] (\d)\/(\d) mailboxes · (\S+)/g)].map((match) => [
      [...(match[1] ?? '')].filter((cell) => cell === '█').length,
      Number(match[2]),
      Number(match[3]),
    ]);
    expect(frames.map(([, done, total]) => `${done}/${total}`)).toEqual(['1/3', '2/3', '3/3']);
    expect(frames.map(([filled]) => filled)).toEqual([7, 13, 20]);
    // The last frame, then a carriage return and erase-line (ESC [K): the bar is gone before the chart.
    const lastFrameEnd = recording.lastIndexOf('3/3 mailboxes · ');
    expect(recording.indexOf('\r\u001b[K', lastFrameEnd)).toBeGreaterThan(lastFrameEnd);
    const screen = await terminal.screen();
    expect(screen).not.toContain('mailboxes ·');
    expect(screen).toContain('sent 1 · received 3');
    expect(screen).toMatch(/^2026-02-10 +1 █+ +2 █+$/m);
    expect(screen).toMatch(/^2026-02-11 +0 +1 █+$/m);
  });

  it('cancels a running count on Ctrl-C and exits 130', async () => {
    // Logs in, then never answers: the count waits on its first command until Ctrl-C.
    const server = await startFaultServer({
      kind: 'login-ok-then-stall',
      keepAnswering: ['CAPABILITY', 'ID'],
    });
    try {
      terminal = await startInTmux({
        argv: [process.execPath, cli.file, 'count', '--from', '2026-01-01', '--to', '2026-02-01'],
        env: {
          IMAP_HOST: '127.0.0.1',
          IMAP_PORT: String(server.port),
          IMAP_SECURITY: 'none',
          IMAP_USERNAME: 'alice@example.test',
          IMAP_PASSWORD: 'stall-password',
        },
      });
      const deadline = Date.now() + 20_000;
      while (server.loginAttempts() === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(server.loginAttempts()).toBe(1);
      await terminal.press('C-c');
      expect(await terminal.exitCode(10_000)).toBe(130);
      expect(await terminal.screen()).toContain('The operation was cancelled');
    } finally {
      await server.close();
    }
  });
});
