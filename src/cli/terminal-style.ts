/** Colours for a terminal that wants them: none when the stream is not a TTY or `NO_COLOR` is set. */

/** Wraps text in ANSI colours, or leaves it alone. */
export interface TerminalStyle {
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly bold: (text: string) => string;
}

const plain = (text: string): string => text;

/**
 * The style for one output stream.
 *
 * @param stream - The stream written to; colour only when it is a TTY.
 * @param env - The environment; `NO_COLOR` (https://no-color.org) turns colour off, `FORCE_COLOR` on.
 * @returns Functions that colour text, or return it unchanged.
 */
export function terminalStyleOf(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): TerminalStyle {
  const forced = env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0';
  const colour = forced || (stream.isTTY === true && env['NO_COLOR'] === undefined);
  if (!colour) return { red: plain, green: plain, dim: plain, bold: plain };
  const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
  return { red: wrap(31, 39), green: wrap(32, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}
