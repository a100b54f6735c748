/** The count's progress bar: one line on a TTY's stderr, redrawn after each mailbox, erased at the end. */

/** What the bar writes to: a TTY stream. */
export interface ProgressStream {
  write(text: string): boolean;
  readonly columns?: number;
}

/** A progress bar over a known number of steps. */
export interface ProgressBar {
  /** Redraws the bar at `done` of `total`, naming the step just finished. */
  update(done: number, total: number, label: string): void;
  /** Erases the bar, leaving the cursor at the start of an empty line. */
  finish(): void;
}

const FULL = '█';
const EMPTY = '░';

/**
 * One line of the bar, e.g. `[██████░░░░░░] 3/6 mailboxes · Sent`, cut to the terminal width.
 *
 * @param done - Steps done.
 * @param total - Steps in all (0 draws an empty bar).
 * @param label - The step just finished.
 * @param columns - Terminal width.
 * @returns The line, without a line ending.
 */
export function progressLine(done: number, total: number, label: string, columns: number): string {
  const width = 20;
  const filled = total > 0 ? Math.round((Math.min(done, total) / total) * width) : 0;
  const line = `[${FULL.repeat(filled)}${EMPTY.repeat(width - filled)}] ${done}/${total} mailboxes · ${label}`;
  return [...line].slice(0, Math.max(columns - 1, width + 2)).join('');
}

/**
 * A bar drawn on `stream` with carriage returns, so it stays on one line.
 *
 * @param stream - A TTY stream (stderr, so stdout stays clean for the result).
 * @returns The bar.
 */
export function progressBarOn(stream: ProgressStream): ProgressBar {
  let drawn = false;
  return {
    update(done, total, label) {
      // \r back to the start, ESC[K erases what a longer previous line left.
      stream.write(`\r${progressLine(done, total, label, stream.columns ?? 80)}\u001b[K`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\r\u001b[K');
      drawn = false;
    },
  };
}
