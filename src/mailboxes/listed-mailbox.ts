/** A mailbox as the server listed it, in plain data. */
export interface ListedMailbox {
  /** The full path, decoded from modified UTF-7. */
  readonly path: string;
  /** The hierarchy delimiter, or `undefined` for a flat namespace. */
  readonly delimiter: string | undefined;
  /** The LIST attributes (`\Noselect`, `\Sent`, `\HasChildren`, ...). */
  readonly flags: readonly string[];
  /** The special-use attribute imapflow assigned (`\Sent`, ...), if any. */
  readonly specialUse: string | undefined;
  /** How imapflow knew: the SPECIAL-USE extension, the mailbox name, or a hint. */
  readonly specialUseSource: 'extension' | 'name' | 'user' | undefined;
}
