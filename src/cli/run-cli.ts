/** The CLI's dispatcher: picks the command, runs it, and turns every failure into a message and an exit status. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatCatalogMessage, ImapConnectorError } from '../index.js';
import { type CliIo, UsageError, writeLines } from './cli-io.js';
import { countCommand } from './commands/count-command.js';
import { discoverCommand } from './commands/discover-command.js';
import { testCommand } from './commands/test-command.js';
import { exitCodeOf, exitCodes } from './exit-codes.js';
import { reportFailure } from './failure-report.js';
import { countHelp, discoverHelp, mainHelp, testHelp } from './help-text.js';
import { PromptCancelled } from './password-prompt.js';

const commands = {
  discover: { run: discoverCommand, help: discoverHelp },
  test: { run: testCommand, help: testHelp },
  count: { run: countCommand, help: countHelp },
} as const;

type CommandName = keyof typeof commands;
const isCommandName = (value: string | undefined): value is CommandName =>
  value !== undefined && Object.hasOwn(commands, value);

/**
 * Runs one CLI invocation.
 *
 * @param argv - The arguments after the program name.
 * @param io - Streams, environment, and the signal Ctrl-C aborts.
 * @returns The exit status (see `exitCodes`).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout.write(mainHelp);
    return name === undefined ? exitCodes.usage : exitCodes.ok;
  }
  if (name === '-v' || name === '--version') {
    writeLines(io.stdout, packageVersion());
    return exitCodes.ok;
  }
  if (!isCommandName(name)) {
    writeLines(io.stderr, `Unknown command "${name}". Commands: ${Object.keys(commands).join(', ')}.`);
    writeLines(io.stderr, 'Run with --help for usage and examples.');
    return exitCodes.usage;
  }
  const command = commands[name];
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.help);
    return exitCodes.ok;
  }
  const json = rest.includes('--json');
  try {
    return await command.run(rest, io);
  } catch (error) {
    return reportThrown(error, { command: name, json }, io);
  }
}

function reportThrown(error: unknown, context: { command: CommandName; json: boolean }, io: CliIo): number {
  if (error instanceof PromptCancelled) {
    writeLines(io.stderr, error.message);
    return exitCodes.interrupted;
  }
  if (error instanceof UsageError || isParseArgsError(error)) {
    const message = error instanceof Error ? error.message : String(error);
    writeLines(io.stderr, message, `Run "${context.command} --help" for usage and examples.`);
    return exitCodes.usage;
  }
  const failure =
    error instanceof ImapConnectorError
      ? error
      : new ImapConnectorError({
          code: 'UNKNOWN',
          message: formatCatalogMessage('UNKNOWN', {
            bodyExcerpt: error instanceof Error ? error.message : String(error),
          }),
        });
  if (context.json) {
    writeLines(io.stdout, JSON.stringify({ ok: false, ...failure.toJSON() }, null, 2));
    return exitCodeOf(failure.code);
  }
  return reportFailure(failure, io);
}

// node:util parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed flags.
function isParseArgsError(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    'code' in error &&
    typeof error.code === 'string' &&
    error.code.startsWith('ERR_PARSE_ARGS_')
  );
}

// The version of the package this file belongs to: dist/cli.js and src/cli/run-cli.ts both find it above them.
function packageVersion(): string {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(directory, 'package.json');
    if (existsSync(candidate)) {
      const parsed: unknown = JSON.parse(readFileSync(candidate, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && 'version' in parsed) return String(parsed.version);
    }
    const parent = path.dirname(directory);
    if (parent === directory) return 'unknown';
    directory = parent;
  }
}
