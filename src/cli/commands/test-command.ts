/** `test`: the drawer's Test button on the command line. */
import { parseArgs } from 'node:util';
import type { CliIo } from '../cli-io.js';
import { writeLines } from '../cli-io.js';
import { connectionOptions, connectorFromSettings } from '../connection-settings.js';
import { exitCodeOf, exitCodes } from '../exit-codes.js';
import { reportFailure, reportWarnings } from '../failure-report.js';
import { terminalStyleOf } from '../terminal-style.js';

/**
 * Runs `test`: connect, TLS, login, capabilities, folders, logout; prints `✅ Authenticated as …` or the
 * catalog's error and fix.
 *
 * @param args - The arguments after `test`.
 * @param io - Streams, environment, Ctrl-C signal.
 * @returns The exit status.
 */
export async function testCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { ...connectionOptions, json: { type: 'boolean' } },
    strict: true,
    allowPositionals: false,
  });
  const connector = await connectorFromSettings(values, io);
  const result = await connector.testConnection({ signal: io.signal });
  if (values.json === true) {
    writeLines(io.stdout, JSON.stringify(result, null, 2));
    return result.ok ? exitCodes.ok : exitCodeOf(result.code);
  }
  reportWarnings(result.warnings, io);
  if (!result.ok) return reportFailure(result, io);
  const style = terminalStyleOf(io.stdout, io.env);
  const { server } = result;
  writeLines(
    io.stdout,
    style.green(`✅ ${result.message}`),
    `   server   ${server.host}:${server.port} (${server.security}${result.insecure ? ', NOT VERIFIED' : ''})${server.greeting === undefined ? '' : ` — ${server.greeting}`}`,
    `   folders  ${result.mailboxes.map((mailbox) => `${mailbox.path} (${mailbox.role})`).join(', ')}`,
    `   time     ${result.elapsedMs} ms`,
  );
  return exitCodes.ok;
}
