/** Sorts out the mailboxes whose names no IMAP command can carry back to the server. */
import type { ListedMailbox } from './listed-mailbox.js';

/** A listed mailbox left out because of its name, with that name made safe to show. */
export interface UnusableMailboxName {
  /** The name with each control character replaced by U+FFFD (`�`), safe for logs and forms. */
  readonly displayPath: string;
  /** A sentence for the warning. */
  readonly reason: string;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Separates the mailboxes that can be opened from those whose name holds a control character (CR, LF,
 * NUL, ...). RFC 3501 §9 allows no CR or LF in a quoted string and no NUL anywhere, so such a name (a
 * literal with a line break, or modified UTF-7 such as `&AA0ACg-` that decodes to one) cannot be sent
 * back in EXAMINE: a real server does not produce it, and one odd name must not fail a whole count.
 *
 * @param mailboxes - The LIST result.
 * @returns The usable mailboxes in listing order, and the others with a displayable name.
 *
 * @example
 * ```ts
 * const { usable, unusable } = partitionByMailboxName(await session.listMailboxes());
 * for (const odd of unusable) warnings.push({ code: 'mailbox_name_unusable', message: odd.reason, mailbox: odd.displayPath });
 * ```
 */
export function partitionByMailboxName(mailboxes: readonly ListedMailbox[]): {
  usable: ListedMailbox[];
  unusable: UnusableMailboxName[];
} {
  const usable: ListedMailbox[] = [];
  const unusable: UnusableMailboxName[] = [];
  for (const mailbox of mailboxes) {
    if (!CONTROL_CHARACTER.test(mailbox.path)) {
      usable.push(mailbox);
      continue;
    }
    const displayPath = mailbox.path.replace(CONTROL_CHARACTERS, '\uFFFD');
    unusable.push({
      displayPath,
      reason: `The server listed a mailbox whose name contains a line break or another control character ("${displayPath}"); it cannot be opened and was skipped.`,
    });
  }
  return { usable, unusable };
}
