/** `discover <email>`: the IMAP settings for an address, from public data only. */
import { parseArgs } from 'node:util';
import type { CliIo } from '../cli-io.js';
import { UsageError } from '../cli-io.js';

/**
 * Runs `discover`.
 *
 * @param args - The arguments after `discover`.
 * @param io - Streams, environment, Ctrl-C signal.
 * @returns The exit status.
 */
export async function discoverCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({
    args: [...args],
    options: { json: { type: 'boolean' }, 'timeout-ms': { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('discover takes one email address.');
  void io;
  throw new UsageError('discover needs discoverSettings(), which this build of the SDK does not have yet.');
}
