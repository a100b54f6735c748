import { describe, expect, it } from 'vitest';
import { planMailboxes } from '../../../src/counting/counting-plan.js';
import type { ListedMailbox } from '../../../src/mailboxes/listed-mailbox.js';
import { detectMailboxRoles } from '../../../src/mailboxes/role-detection.js';

const box = (path: string, flags: string[] = [], name?: string, delimiter = '/'): ListedMailbox => ({
  path,
  delimiter,
  flags,
  specialUse: name,
  specialUseSource: name === undefined ? undefined : 'name',
});

// ProtonMail Bridge: LIST attributes without the SPECIAL-USE capability, labels as folders.
const bridge = [
  box('INBOX'),
  box('Drafts', ['\\Drafts']),
  box('Sent', ['\\Sent']),
  box('Starred', ['\\Flagged']),
  box('Archive', ['\\Archive']),
  box('Spam', ['\\Junk']),
  box('Trash', ['\\Trash']),
  box('All Mail', ['\\All']),
  box('Folders', ['\\Noselect']),
  box('Folders/Clients'),
  box('Labels', ['\\Noselect']),
  box('Labels/Work'),
];
const bridgeCapabilities = ['IMAP4REV1', 'IDLE', 'UNSELECT', 'UIDPLUS', 'MOVE', 'ID'];

describe('role detection', () => {
  it('trusts attributes without the capability, and says so', () => {
    const roles = detectMailboxRoles(bridge, bridgeCapabilities);
    expect(roles).toContainEqual({ role: 'sent', path: 'Sent', source: 'attribute' });
    expect(roles).toContainEqual({ role: 'all', path: 'All Mail', source: 'attribute' });
    expect(roles[0]).toEqual({ role: 'inbox', path: 'INBOX', source: 'standard' });
  });

  it('recognises All Mail and Starred by name when nothing else tells', () => {
    const roles = detectMailboxRoles(
      [box('INBOX'), box('All Mail'), box('Starred'), box('Gesendet', [], '\\Sent')],
      [],
    );
    expect(roles).toContainEqual({ role: 'all', path: 'All Mail', source: 'name' });
    expect(roles).toContainEqual({ role: 'flagged', path: 'Starred', source: 'name' });
    expect(roles).toContainEqual({ role: 'sent', path: 'Gesendet', source: 'name' });
  });

  it('lets host overrides win over the server', () => {
    const roles = detectMailboxRoles(
      [box('INBOX'), box('Sent', ['\\Sent']), box('Outbox')],
      ['SPECIAL-USE'],
      {
        sent: ['Outbox'],
      },
    );
    expect(roles).toContainEqual({ role: 'sent', path: 'Outbox', source: 'override' });
    expect(roles).toContainEqual({ role: 'sent', path: 'Sent', source: 'special-use' });
  });
});

describe('counting plan', () => {
  it('counts Bridge folders once: views and labels skipped, Archive and user folders received', () => {
    const plan = planMailboxes(bridge, detectMailboxRoles(bridge, bridgeCapabilities), []);
    const summary = Object.fromEntries(plan.map((entry) => [entry.path, entry.skipReason ?? entry.counts]));
    expect(summary).toEqual({
      INBOX: 'received',
      Drafts: 'drafts',
      Sent: 'sent',
      Starred: 'flagged_view',
      Archive: 'received',
      Spam: 'junk',
      Trash: 'trash',
      'All Mail': 'all_mail_view',
      Folders: 'not_selectable',
      'Folders/Clients': 'received',
      Labels: 'not_selectable',
      'Labels/Work': 'label_view',
    });
  });

  it('treats a Labels folder as ordinary where there is no All Mail view', () => {
    const mailboxes = [box('INBOX'), box('Labels/Work')];
    expect(planMailboxes(mailboxes, detectMailboxRoles(mailboxes, []), [])[1]?.counts).toBe('received');
  });

  it('skips host exclusions', () => {
    const mailboxes = [box('INBOX'), box('Newsletters')];
    expect(planMailboxes(mailboxes, detectMailboxRoles(mailboxes, []), ['Newsletters'])[1]).toMatchObject({
      counts: 'skipped',
      skipReason: 'excluded',
    });
  });
});
