/** What a command reads and writes: the process's streams and environment, passed in rather than reached for. */

/** The streams and environment of one CLI run. */
export interface CliIo {
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C, so a running test or count stops and closes its connection. */
  readonly signal: AbortSignal;
}

/** A wrong command line: the message says what to change; it exits with the `usage` status. */
export class UsageError extends Error {
  override readonly name = 'UsageError' as const;
}

/**
 * Writes lines to a stream.
 *
 * @param stream - stdout or stderr.
 * @param lines - Lines without endings.
 */
export function writeLines(stream: NodeJS.WritableStream, ...lines: readonly string[]): void {
  stream.write(`${lines.join('\n')}\n`);
}
