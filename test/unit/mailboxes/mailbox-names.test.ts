import { describe, expect, it } from 'vitest';
import type { ListedMailbox } from '../../../src/mailboxes/listed-mailbox.js';
import { partitionByMailboxName } from '../../../src/mailboxes/mailbox-names.js';

const mailbox = (path: string): ListedMailbox => ({
  path,
  delimiter: '/',
  flags: [],
  specialUse: undefined,
  specialUseSource: undefined,
});

describe('partitionByMailboxName', () => {
  it('keeps ordinary names, including non-ASCII, spaces and TAB-free punctuation, in listing order', () => {
    const names = ['INBOX', 'Sent Items', 'Gesendete Objekte', 'Корзина', 'a&b "quoted"'];
    const { usable, unusable } = partitionByMailboxName(names.map(mailbox));
    expect(usable.map((entry) => entry.path)).toEqual(names);
    expect(unusable).toEqual([]);
  });

  it.each([
    ['Bad\r\nName', 'Bad\uFFFD\uFFFDName'],
    ['Bad\u0000Name', 'Bad\uFFFDName'],
    ['Tab\tName', 'Tab\uFFFDName'],
    ['Del\u007fName', 'Del\uFFFDName'],
  ])('leaves out %j, shown as %j', (path, displayPath) => {
    const { usable, unusable } = partitionByMailboxName([mailbox('INBOX'), mailbox(path)]);
    expect(usable.map((entry) => entry.path)).toEqual(['INBOX']);
    expect(unusable).toEqual([{ displayPath, reason: expect.stringContaining(displayPath) }]);
  });
});
