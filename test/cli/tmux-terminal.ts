/**
 * A real terminal for CLI tests: a detached tmux pane running one command, its screen read with
 * `capture-pane` and everything written to it recorded byte for byte with `pipe-pane`.
 *
 * The command waits for a start file before it runs, so the recording misses nothing; it then prints
 * `[exit N]` and stays, so its last screen can still be read.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Why terminal tests skip here, or undefined when tmux is installed (CI installs it: .ci/run). */
export const tmuxSkipReason: string | undefined = (process.env['PATH'] ?? '')
  .split(':')
  .some((directory) => existsSync(path.join(directory, 'tmux')))
  ? undefined
  : 'SKIPPED: tmux is not installed (apt-get install -y tmux)';
let sessionCounter = 0;

/** One pane of a private tmux server. */
export interface TmuxTerminal {
  /** The visible screen and its scrollback, as text (no escape sequences). */
  screen(): Promise<string>;
  /** Everything the program (and the terminal's echo) wrote, with escape sequences and carriage returns. */
  recording(): string;
  /** Resolves with the screen once `pattern` appears on it; rejects with the screen after `withinMs`. */
  waitFor(pattern: RegExp, withinMs?: number): Promise<string>;
  /** Types `text` literally. */
  type(text: string): Promise<void>;
  /** Presses keys by tmux name, e.g. `Enter`, `C-c`. */
  press(...keys: string[]): Promise<void>;
  /** The exit status once the command ended (waits for it). */
  exitCode(withinMs?: number): Promise<number>;
  close(): Promise<void>;
}

/** What to run. */
export interface TmuxCommand {
  /** Program and arguments. */
  readonly argv: readonly string[];
  /** The whole environment of the command (PATH and TERM are added). */
  readonly env: Record<string, string>;
  readonly columns?: number;
  readonly rows?: number;
}

const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * Starts `command` in a new tmux pane and starts recording before the command runs.
 *
 * @param command - What to run, in which environment and terminal size.
 * @returns The terminal.
 */
export async function startInTmux(command: TmuxCommand): Promise<TmuxTerminal> {
  sessionCounter += 1;
  const directory = mkdtempSync(path.join(os.tmpdir(), 'imap-connector-tmux-'));
  const socket = `imap-connector-${process.pid}-${sessionCounter}`;
  const go = path.join(directory, 'go');
  const log = path.join(directory, 'pane.log');
  writeFileSync(log, '');
  const tmux = (...args: string[]) => run('tmux', ['-L', socket, '-f', '/dev/null', ...args]);
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', TERM: 'xterm-256color', ...command.env };
  // Ctrl-C signals the whole foreground group: the wrapper shell traps it (its child gets the default
  // disposition back) so that it survives to print the exit status.
  const script = `trap : INT; while [ ! -e ${quote(go)} ]; do sleep 0.02; done; ${command.argv.map(quote).join(' ')}; echo "[exit $?]"; exec sleep 3600`;
  const shell = [
    'env',
    '-i',
    ...Object.entries(env).map(([key, value]) => `${key}=${value}`),
    'sh',
    '-c',
    script,
  ];
  await tmux(
    'new-session',
    '-d',
    '-s',
    'cli',
    '-x',
    String(command.columns ?? 120),
    '-y',
    String(command.rows ?? 50),
    shell.map(quote).join(' '),
  );
  await tmux('pipe-pane', '-t', 'cli', '-o', `cat >> ${quote(log)}`);
  writeFileSync(go, '');

  const screen = async () => (await tmux('capture-pane', '-p', '-J', '-t', 'cli', '-S', '-200')).stdout;
  const waitFor = async (pattern: RegExp, withinMs = 30_000) => {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const text = await screen();
      if (pattern.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`${pattern} did not appear; the screen:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return {
    screen,
    recording: () => readFileSync(log, 'utf8'),
    waitFor,
    type: async (text) => void (await tmux('send-keys', '-t', 'cli', '-l', text)),
    press: async (...keys) => void (await tmux('send-keys', '-t', 'cli', ...keys)),
    exitCode: async (withinMs) => {
      const match = /\[exit (\d+)\]/.exec(await waitFor(/\[exit \d+\]/, withinMs));
      return Number(match?.[1]);
    },
    close: async () => {
      await tmux('kill-server').catch(() => undefined);
      if (existsSync(directory)) rmSync(directory, { recursive: true, force: true });
    },
  };
}
