/** The roles a host can assign to mailbox paths explicitly. */
export type OverridableRole = 'sent' | 'drafts' | 'junk' | 'trash' | 'archive' | 'all' | 'flagged';

/** The role names accepted in `mailboxes.roles`. */
export const overridableRoles: readonly OverridableRole[] = [
  'sent',
  'drafts',
  'junk',
  'trash',
  'archive',
  'all',
  'flagged',
];

/**
 * When a message seen in several counted mailboxes counts once:
 * `auto` (default) when the server has "All Mail"-style views (Gmail, ProtonMail Bridge), `always`, or `never`.
 */
export type DeduplicationMode = 'auto' | 'always' | 'never';

/** Which mailboxes count as what, as the host configured it. */
export interface MailboxSelectionInput {
  /** Explicit paths per role; they win over what the server says (e.g. `{ sent: 'INBOX.Sent Items' }`). */
  readonly roles?: Partial<Record<OverridableRole, string | readonly string[]>> | undefined;
  /** Paths never counted (e.g. a shared folder, a newsletter archive). */
  readonly exclude?: readonly string[] | undefined;
  /** Cross-mailbox deduplication; see {@link DeduplicationMode}. Default `auto`. */
  readonly deduplicate?: DeduplicationMode | undefined;
}

/** The mailbox selection after validation. */
export interface MailboxSelection {
  /** Explicit paths per role. */
  readonly roles: Partial<Record<OverridableRole, readonly string[]>>;
  /** Paths never counted. */
  readonly exclude: readonly string[];
  /** Cross-mailbox deduplication mode. */
  readonly deduplicate: DeduplicationMode;
}
