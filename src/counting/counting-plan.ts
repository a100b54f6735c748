import type { ListedMailbox } from '../mailboxes/listed-mailbox.js';
import type { MailboxRole, MailboxRoleAssignment, RoleSource } from '../mailboxes/role-detection.js';

/** Why a mailbox is not counted. */
export type SkipReason =
  | 'not_selectable'
  | 'drafts'
  | 'junk'
  | 'trash'
  | 'all_mail_view'
  | 'flagged_view'
  | 'label_view'
  | 'excluded';

/** What one mailbox contributes to the count. */
export interface PlannedMailbox {
  readonly path: string;
  readonly role: MailboxRole | null;
  readonly roleSource: RoleSource | null;
  readonly counts: 'sent' | 'received' | 'skipped';
  readonly skipReason: SkipReason | null;
}

const SKIPPED_ROLES: Partial<Record<MailboxRole, SkipReason>> = {
  drafts: 'drafts',
  junk: 'junk',
  trash: 'trash',
  all: 'all_mail_view',
  flagged: 'flagged_view',
};

/**
 * Decides, for every listed mailbox, whether it counts as sent, as received, or not at all:
 * `\Sent` mailboxes are sent; INBOX, Archive and user folders are received; Drafts, Junk, Trash, the
 * virtual "All Mail" and "Starred"/flagged views, ProtonMail Bridge's label views and host exclusions are
 * skipped, each with its reason.
 *
 * @param mailboxes - The LIST result.
 * @param roles - From role detection.
 * @param excluded - Paths the host excluded.
 * @returns One entry per listed mailbox, in listing order.
 */
export function planMailboxes(
  mailboxes: readonly ListedMailbox[],
  roles: readonly MailboxRoleAssignment[],
  excluded: readonly string[],
): PlannedMailbox[] {
  const roleByPath = new Map(roles.map((assignment) => [assignment.path, assignment]));
  const labelRoots = labelViewRoots(mailboxes, roles);
  return mailboxes.map((mailbox) => {
    const assignment = roleByPath.get(mailbox.path);
    const role = assignment?.role ?? null;
    const base = { path: mailbox.path, role, roleSource: assignment?.source ?? null };
    const skip = (skipReason: SkipReason): PlannedMailbox => ({ ...base, counts: 'skipped', skipReason });
    if (isNotSelectable(mailbox)) return skip('not_selectable');
    if (excluded.includes(mailbox.path)) return skip('excluded');
    if (role === 'sent') return { ...base, counts: 'sent', skipReason: null };
    const skippedRole = role === null ? undefined : SKIPPED_ROLES[role];
    if (skippedRole) return skip(skippedRole);
    if (labelRoots.some((root) => isInside(mailbox, root))) return skip('label_view');
    return { ...base, counts: 'received', skipReason: null };
  });
}

/**
 * Whether messages may appear in several counted mailboxes: the server has an "All Mail" view (labels
 * as folders: Gmail, ProtonMail Bridge), so copies under user labels or folders are likely.
 *
 * @param roles - From role detection.
 * @returns Whether deduplication should apply in `auto` mode.
 */
export function hasMessageViews(roles: readonly MailboxRoleAssignment[]): boolean {
  return roles.some((assignment) => assignment.role === 'all' || assignment.role === 'flagged');
}

// ProtonMail Bridge lists every label as a mailbox under a top-level "Labels" folder, beside an
// "All Mail" view; each message there also lives in exactly one real folder.
function labelViewRoots(
  mailboxes: readonly ListedMailbox[],
  roles: readonly MailboxRoleAssignment[],
): string[] {
  if (!roles.some((assignment) => assignment.role === 'all')) return [];
  return mailboxes
    .filter((mailbox) => mailbox.path.toLowerCase() === 'labels' && mailbox.delimiter !== undefined)
    .map((mailbox) => mailbox.path);
}

function isInside(mailbox: ListedMailbox, root: string): boolean {
  return (
    mailbox.path === root ||
    (mailbox.delimiter !== undefined && mailbox.path.startsWith(`${root}${mailbox.delimiter}`))
  );
}

function isNotSelectable(mailbox: ListedMailbox): boolean {
  return mailbox.flags.some((flag) => ['\\NOSELECT', '\\NONEXISTENT'].includes(flag.toUpperCase()));
}

/**
 * Codes of the remarks the mailbox plan itself can cause.
 *
 * @example
 * ```ts
 * const guessed = result.warnings.filter((w) => w.code === 'role_guessed_by_name').map((w) => w.mailbox);
 * ```
 */
export type RoleWarningCode = 'role_guessed_by_name' | 'role_from_unadvertised_attribute' | 'no_sent_mailbox';

/** A remark on the plan (roles guessed, no Sent mailbox); it does not fail the count. */
export interface RoleWarning {
  readonly code: RoleWarningCode;
  readonly message: string;
  readonly mailbox: string | null;
}

/**
 * The remarks a host should see about the plan: no Sent mailbox at all, and every role taken from a
 * name or from an attribute the server does not advertise.
 *
 * @param plan - From {@link planMailboxes}.
 * @param roles - From role detection.
 * @returns The warnings, in order.
 */
export function roleWarningsOf(
  plan: readonly PlannedMailbox[],
  roles: readonly MailboxRoleAssignment[],
): RoleWarning[] {
  const warnings: RoleWarning[] = [];
  if (!plan.some((mailbox) => mailbox.counts === 'sent')) {
    warnings.push({
      code: 'no_sent_mailbox',
      message: 'No Sent mailbox was found, so sent is 0. Set mailboxes.roles.sent to its path if it exists.',
      mailbox: null,
    });
  }
  for (const assignment of roles) {
    if (assignment.source === 'name' || assignment.source === 'attribute') {
      warnings.push({
        code: assignment.source === 'name' ? 'role_guessed_by_name' : 'role_from_unadvertised_attribute',
        message: `"${assignment.path}" was taken as ${assignment.role} from its ${assignment.source === 'name' ? 'name' : 'LIST attribute'} (the server does not advertise SPECIAL-USE).`,
        mailbox: assignment.path,
      });
    }
  }
  return warnings;
}

/**
 * Which deduplication applies: none, or by the server's email id (RFC 8474 OBJECTID `EMAILID`, Gmail's
 * `X-GM-MSGID`), else by Message-ID.
 *
 * @param mode - The host's `mailboxes.deduplicate`.
 * @param roles - From role detection.
 * @param capabilities - The server's capabilities.
 * @returns The deduplication in force.
 */
export function deduplicationOf(
  mode: 'auto' | 'always' | 'never',
  roles: readonly MailboxRoleAssignment[],
  capabilities: readonly string[],
): 'none' | 'email-id' | 'message-id' {
  const active = mode === 'always' || (mode === 'auto' && hasMessageViews(roles));
  if (!active) return 'none';
  // imapflow asks for an email id whenever the server has one: RFC 8474 EMAILID, or Gmail's X-GM-MSGID.
  return capabilities.includes('OBJECTID') || capabilities.includes('X-GM-EXT-1') ? 'email-id' : 'message-id';
}
