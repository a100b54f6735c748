import { describe, expect, it } from 'vitest';
import {
  MAX_REMEMBERED_MAILBOXES,
  MailboxesCountedBefore,
} from '../../../src/counting/mailboxes-counted-before.js';

describe('MailboxesCountedBefore', () => {
  it('remembers nothing before the first count, then the last count’s paths only', () => {
    const countedBefore = new MailboxesCountedBefore();
    expect(countedBefore.paths).toEqual([]);
    countedBefore.remember(['INBOX', 'Sent', 'Clients']);
    countedBefore.remember(['INBOX', 'Sent']);
    expect(countedBefore.paths).toEqual(['INBOX', 'Sent']);
  });

  it('keeps at most MAX_REMEMBERED_MAILBOXES paths, and a copy of them', () => {
    const countedBefore = new MailboxesCountedBefore();
    const paths = Array.from({ length: MAX_REMEMBERED_MAILBOXES + 5 }, (_, index) => `Folder ${index}`);
    countedBefore.remember(paths);
    paths[0] = 'changed by the caller';
    expect(countedBefore.paths).toHaveLength(MAX_REMEMBERED_MAILBOXES);
    expect(countedBefore.paths[0]).toBe('Folder 0');
  });
});
