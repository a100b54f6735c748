// What a connector's last full count counted, kept in memory for its next one: the mailboxes to open
// before the list, alongside the subscribed ones, when a counted folder is not subscribed.

/** The most paths remembered: the same bound as the subscribed mailboxes a count opens before its list. */
export const MAX_REMEMBERED_MAILBOXES = 1_000;

/**
 * The mailboxes the last full count of one connector counted, so that its next count can open them
 * before the LIST even when LSUB does not name them (a folder a server-side filter created is often
 * not subscribed): one round trip less for such an account (docs/counting.md, "Subscribed mailboxes
 * before the list"). Paths only, in this process's memory, never persisted nor shown; a remembered
 * mailbox that is gone since is refused by its EXAMINE and left out by the list, as a subscription to
 * a deleted mailbox is.
 *
 * @example
 * ```ts
 * const countedBefore = new MailboxesCountedBefore();
 * countedBefore.remember(['INBOX', 'Sent', 'Clients']);
 * countedBefore.paths; // ['INBOX', 'Sent', 'Clients']
 * ```
 */
export class MailboxesCountedBefore {
  #paths: readonly string[] = [];

  /** The paths the last full count counted (none before the first). */
  get paths(): readonly string[] {
    return this.#paths;
  }

  /**
   * Replaces what is remembered.
   *
   * @param paths - The mailboxes a full count just counted (at most {@link MAX_REMEMBERED_MAILBOXES} are kept).
   */
  remember(paths: readonly string[]): void {
    this.#paths = paths.slice(0, MAX_REMEMBERED_MAILBOXES);
  }
}
