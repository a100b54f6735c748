/**
 * The CLI as users run it: the `bin` file built by tsup with the package's own build options (the
 * `cli` entry of tsup.config.ts), into a directory of this test file's own, so parallel test files and
 * a stale `dist/` cannot get in each other's way. It sits inside the repository so that the bundle's
 * imports (imapflow, zod, luxon) resolve from node_modules exactly as they do from `dist/`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'tsup';
import { cli } from '../../tsup.config.js';

const repositoryRoot = path.resolve(import.meta.dirname, '../..');

/** A built CLI and a way to remove it. */
export interface BuiltCli {
  /** The executable file (`cli.js`). */
  readonly file: string;
  remove(): void;
}

/**
 * Builds `src/cli/main.ts` as `npm run build` does.
 *
 * @returns The built file.
 */
export async function buildCli(): Promise<BuiltCli> {
  const parent = path.join(repositoryRoot, '.tmp');
  // `.tmp/` is git-ignored: a fresh clone does not have it.
  mkdirSync(parent, { recursive: true });
  const outDir = mkdtempSync(path.join(parent, 'cli-build-'));
  await build({ ...cli, outDir, silent: true, sourcemap: false });
  return {
    file: path.join(outDir, 'cli.js'),
    remove: () => rmSync(outDir, { recursive: true, force: true }),
  };
}

/** What one run printed and how it ended. */
export interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** How to run the CLI. */
export interface CliRunOptions {
  /** Added to a minimal environment (PATH, TZ=UTC, no IMAP_* variables from the outer shell). */
  readonly env?: Record<string, string>;
  /** Written to stdin, which is then closed (stdin is a pipe, never a terminal, here). */
  readonly input?: string;
}

/**
 * Runs the built CLI with pipes for stdin, stdout and stderr (so it sees no terminal).
 *
 * @param built - The CLI.
 * @param args - Its arguments.
 * @param options - Environment and stdin.
 * @returns Exit status and output.
 */
export function runCli(
  built: BuiltCli,
  args: readonly string[],
  options: CliRunOptions = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [built.file, ...args],
      {
        cwd: repositoryRoot,
        env: { PATH: process.env['PATH'] ?? '', TZ: 'UTC', ...options.env },
        timeout: 60_000,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({ exitCode: child.exitCode ?? -1, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}
