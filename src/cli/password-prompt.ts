/** Reads the password from a terminal without echoing it, or from a pipe. */

/** The terminal the prompt talks to. */
export interface PromptTerminal {
  readonly input: NodeJS.ReadStream;
  readonly output: NodeJS.WriteStream;
}

/** Thrown when the person presses Ctrl-C or Ctrl-D at the prompt. */
export class PromptCancelled extends Error {
  override readonly name = 'PromptCancelled' as const;
}

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const CTRL_U = '\u0015';
const BACKSPACES = new Set(['\u007f', '\b']);

/**
 * Asks for a password on a TTY with echo off (raw mode: the terminal shows nothing as keys are typed),
 * and restores the terminal afterwards, whatever happens.
 *
 * @param terminal - stdin (a TTY) and the stream the prompt is written to (stderr).
 * @param question - The prompt, e.g. `Password for a@b.c: `.
 * @param signal - Cancels the prompt (a SIGINT that reached the process some other way).
 * @returns What was typed up to Enter.
 * @throws {@link PromptCancelled} on Ctrl-C or Ctrl-D, or when `signal` aborts.
 */
export function promptHidden(
  terminal: PromptTerminal,
  question: string,
  signal?: AbortSignal,
): Promise<string> {
  const { input, output } = terminal;
  return new Promise((resolve, reject) => {
    let typed = '';
    const wasRaw = input.isRaw;
    // Echo goes off before the question shows, so nothing typed after it appears can be echoed.
    input.setRawMode(true);
    input.setEncoding('utf8');
    output.write(question);
    const onAbort = () => done(() => reject(new PromptCancelled('Cancelled at the password prompt')));
    const done = (outcome: () => void) => {
      signal?.removeEventListener('abort', onAbort);
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      outcome();
    };
    const onData = (chunk: string) => {
      for (const key of chunk) {
        if (key === '\r' || key === '\n') return done(() => resolve(typed));
        if (key === CTRL_C || (key === CTRL_D && typed === '')) {
          return done(() => reject(new PromptCancelled('Cancelled at the password prompt')));
        }
        if (BACKSPACES.has(key)) typed = [...typed].slice(0, -1).join('');
        else if (key === CTRL_U) typed = '';
        else if (key >= ' ') typed += key;
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    input.on('data', onData);
    input.resume();
  });
}

/**
 * Reads all of stdin (for `--password-stdin`) and drops one trailing line ending, as `echo` adds one.
 *
 * @param input - stdin.
 * @returns The password.
 */
export async function readPasswordFromStream(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
