import type { ListedMailbox } from './listed-mailbox.js';

/**
 * The part a mailbox plays for counting. `all` and `flagged` are virtual views (Gmail's and ProtonMail
 * Bridge's "All Mail", Bridge's "Starred") that repeat messages stored elsewhere.
 */
export type MailboxRole = 'inbox' | 'sent' | 'drafts' | 'junk' | 'trash' | 'archive' | 'all' | 'flagged';

/**
 * How a role was known, from most to least certain:
 * - `override`: the host configured the path;
 * - `standard`: INBOX, which the IMAP standard itself names;
 * - `special-use`: an RFC 6154 attribute on a server that advertises SPECIAL-USE;
 * - `attribute`: the same attribute from a server that does not advertise it (ProtonMail Bridge does this);
 * - `name`: a well-known or localized name (`Sent Items`, `Gesendet`, `All Mail`, ...).
 */
export type RoleSource = 'override' | 'standard' | 'special-use' | 'attribute' | 'name';

/** Which mailbox plays which role. */
export interface MailboxRoleAssignment {
  /** The role. */
  readonly role: MailboxRole;
  /** The mailbox's full path as the server names it. */
  readonly path: string;
  /** How the role was known. */
  readonly source: RoleSource;
}

const ROLE_OF_ATTRIBUTE: Readonly<Record<string, MailboxRole>> = {
  '\\SENT': 'sent',
  '\\DRAFTS': 'drafts',
  '\\JUNK': 'junk',
  '\\TRASH': 'trash',
  '\\ARCHIVE': 'archive',
  '\\ALL': 'all',
  '\\FLAGGED': 'flagged',
};

// imapflow's name table knows Sent, Drafts, Junk, Trash and Archive in many languages, but not the
// virtual views: without these, "All Mail" and "Starred" would be counted as received mail.
const VIRTUAL_VIEW_NAMES: ReadonlyArray<readonly [RegExp, MailboxRole]> = [
  [
    /^(all mail|all messages|alle nachrichten|tous les messages|todos|tutti i messaggi|alle e-mails)$/i,
    'all',
  ],
  [/^(starred|flagged|markiert|suivis|destacados|speciali|met ster)$/i, 'flagged'],
];

/**
 * Decides the role of every listed mailbox.
 *
 * @param mailboxes - The LIST result.
 * @param capabilities - The server's capabilities (to know whether SPECIAL-USE attributes are advertised).
 * @param overrides - Paths the host assigned to roles; they win over everything the server says.
 * @returns One assignment per mailbox that has a role, INBOX first, then in listing order.
 */
export function detectMailboxRoles(
  mailboxes: readonly ListedMailbox[],
  capabilities: readonly string[],
  overrides: Partial<Readonly<Record<MailboxRole, readonly string[]>>> = {},
): MailboxRoleAssignment[] {
  const advertisesSpecialUse = capabilities.includes('SPECIAL-USE') || capabilities.includes('IMAP4REV2');
  const overridden = new Map<string, MailboxRole>();
  for (const [role, paths] of Object.entries(overrides) as [MailboxRole, readonly string[]][]) {
    for (const path of paths) overridden.set(path, role);
  }
  const assignments: MailboxRoleAssignment[] = [];
  for (const mailbox of mailboxes) {
    const assignment = roleOf(mailbox, advertisesSpecialUse, overridden);
    if (assignment) assignments.push(assignment);
  }
  return assignments.sort((a, b) => Number(b.role === 'inbox') - Number(a.role === 'inbox'));
}

function roleOf(
  mailbox: ListedMailbox,
  advertisesSpecialUse: boolean,
  overridden: ReadonlyMap<string, MailboxRole>,
): MailboxRoleAssignment | undefined {
  const { path } = mailbox;
  const override = overridden.get(path);
  if (override) return { role: override, path, source: 'override' };
  if (path.toUpperCase() === 'INBOX') return { role: 'inbox', path, source: 'standard' };
  for (const flag of mailbox.flags) {
    const role = ROLE_OF_ATTRIBUTE[flag.toUpperCase()];
    if (role) return { role, path, source: advertisesSpecialUse ? 'special-use' : 'attribute' };
  }
  if (mailbox.specialUse && mailbox.specialUseSource === 'name') {
    const role = ROLE_OF_ATTRIBUTE[mailbox.specialUse.toUpperCase()];
    if (role) return { role, path, source: 'name' };
  }
  const leaf = mailbox.delimiter ? (path.split(mailbox.delimiter).pop() ?? path) : path;
  for (const [pattern, role] of VIRTUAL_VIEW_NAMES) {
    if (pattern.test(leaf)) return { role, path, source: 'name' };
  }
  return undefined;
}
