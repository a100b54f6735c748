/**
 * Answers of a pipelined flight are read by the command they belong to, or refused: a plain answer has
 * no correlator, so a completion without it, or an answer before the EXAMINE its command follows, would
 * move results from one mailbox to another (fuzz seed 808: Sent counted 0 and Archive 3 of 2 messages).
 */
import { describe, expect, it } from 'vitest';
import {
  examineCollector,
  fetchDatesCommands,
  searchCollector,
  sortCollector,
} from '../../../src/session/counting-channel.js';
import { UidList, uidListOf } from '../../../src/session/uid-list.js';
import { channelUnderTest } from './channel-under-test.js';

const examined = (exists: number, uidNext: number, tag: string) => [
  `* ${exists} EXISTS`,
  '* OK [UIDVALIDITY 7] ok',
  `* OK [UIDNEXT ${uidNext}] ok`,
  `${tag} OK [READ-ONLY] done`,
];
const row = (uid: number) => `* ${uid} FETCH (UID ${uid} INTERNALDATE "12-Jan-2026 16:17:00 +0000")`;

// Sent (4 messages, UIDNEXT 5) and Archive (2 messages, UIDNEXT 3), searched in one flight.
function twoMailboxSearches() {
  const under = channelUnderTest();
  const answers = under.channel.send([
    { command: 'EXAMINE "Sent"', collector: examineCollector() },
    { command: 'UID SEARCH SINCE 31-Dec-2025', collector: searchCollector() },
    { command: 'EXAMINE "Archive"', collector: examineCollector() },
    { command: 'UID SEARCH SINCE 31-Dec-2025', collector: searchCollector() },
  ]);
  const found = async () =>
    (await Promise.allSettled(answers)).map((settled) =>
      settled.status === 'rejected'
        ? 'rejected'
        : settled.value instanceof UidList
          ? settled.value.ascending().toSequenceSets(100)
          : 'examined',
    );
  return { ...under, found };
}

describe('a pipelined flight over two mailboxes', () => {
  it('reads each plain answer as its own command’s', async () => {
    const { feed, violations, found } = twoMailboxSearches();
    await feed(...examined(4, 5, 'S1'), '* SEARCH 1 2 3', 'S2 OK done');
    await feed(...examined(2, 3, 'S3'), '* SEARCH 1', 'S4 OK done');
    expect(violations).toEqual([]);
    expect(await found()).toEqual(['examined', ['1:3'], 'examined', ['1']]);
  });

  it('refuses a SEARCH completed before its * SEARCH (seed 808), instead of giving it to the next', async () => {
    const { feed, violations, found } = twoMailboxSearches();
    await feed(...examined(4, 5, 'S1'), 'S2 OK done', '* SEARCH 1 2 3');
    await feed(...examined(2, 3, 'S3'), '* SEARCH 1', 'S4 OK done');
    expect(violations.map((violation) => violation.message)).toEqual([
      'a SEARCH completed without its * SEARCH answer',
    ]);
    expect(await found()).toEqual(['examined', 'rejected', 'rejected', 'rejected']);
  });

  it('refuses an answer sent before the EXAMINE its search follows completed', async () => {
    const { feed, violations, found } = twoMailboxSearches();
    await feed(...examined(4, 5, 'S1'), '* SEARCH 1 2 3', 'S2 OK done', '* SEARCH 1');
    expect(violations.map((violation) => violation.message)).toEqual([
      'an answer to UID SEARCH (S4) came before the EXAMINE it follows (S3) completed',
    ]);
    expect(await found()).toEqual(['examined', ['1:3'], 'rejected', 'rejected']);
  });

  it('refuses a dated FETCH row before its EXAMINE completed, but lets a flag update through', async () => {
    const { channel, feed, violations } = channelUnderTest();
    const requested = new UidList({ maxValue: 10, maxLength: 10, ascending: true });
    requested.addRange(1, 2);
    const [, fetched] = channel.send([
      { command: 'EXAMINE "Archive"', collector: examineCollector() },
      ...fetchDatesCommands(
        requested,
        () => {},
        () => {},
        100,
      ),
    ]);
    await feed('* 1 FETCH (FLAGS (\\Seen))');
    expect(violations).toEqual([]);
    await feed(row(1));
    expect(violations.map((violation) => violation.message)).toEqual([
      'an answer to UID FETCH (S2) came before the EXAMINE it follows (S1) completed',
    ]);
    await expect(fetched).rejects.toThrow(/before the EXAMINE/);
  });

  it('refuses a SORT completed without an answer', async () => {
    const { channel, feed, violations } = channelUnderTest();
    const [, sorted] = channel.send([
      { command: 'EXAMINE "INBOX"', collector: examineCollector() },
      { command: 'UID SORT (ARRIVAL) UTF-8 ALL', collector: sortCollector() },
    ]);
    await feed(...examined(2, 3, 'S1'), 'S2 OK done');
    expect(violations.map((violation) => violation.message)).toEqual(['a SORT completed without its answer']);
    await expect(sorted).rejects.toThrow(/without its answer/);
  });
});

describe('fetchDatesCommands: rows bounded by the EXAMINE before them', () => {
  async function fetched(exists: number, uidNext: number, rows: number[]) {
    const { channel, feed, violations } = channelUnderTest();
    const requested = new UidList({ maxValue: 100, maxLength: 100, ascending: true });
    requested.addRange(1, 3);
    const delivered: { uid: number; internalDateSeconds: number }[] = [];
    const answers = channel.send([
      { command: 'EXAMINE "Archive"', collector: examineCollector() },
      ...fetchDatesCommands(
        requested,
        (uid, internalDateSeconds) => delivered.push({ uid, internalDateSeconds }),
        () => {},
        100,
      ),
    ]);
    await feed(...examined(exists, uidNext, 'S1'), ...rows.map(row), 'S2 OK done');
    await Promise.allSettled(answers);
    return { violations: violations.map((violation) => violation.message), delivered: delivered.length };
  }

  it('accepts the rows of UIDs asked for below UIDNEXT, as many as EXISTS', async () => {
    expect(await fetched(3, 4, [1, 2, 3])).toEqual({ violations: [], delivered: 3 });
  });

  it('refuses a row at or above UIDNEXT', async () => {
    expect(await fetched(2, 3, [1, 3])).toEqual({
      violations: ['a FETCH row for UID 3, beyond the mailbox'],
      delivered: 1,
    });
  });

  it('refuses more rows than the mailbox holds', async () => {
    expect(await fetched(2, 10, [1, 2, 3])).toEqual({
      violations: ['FETCH returned more than 2 messages for a mailbox of 2'],
      delivered: 2,
    });
  });
});

describe('fetchDatesCommands: commands a server answers in parallel', () => {
  // Dovecot starts the next pipelined UID FETCH while the client is slow to read, interleaving rows.
  it('takes interleaved rows of two sets once each, whichever command completes first', async () => {
    const { channel, feed, violations, written } = channelUnderTest();
    const requested = uidListOf([1, 2, 3, 10, 11, 12]);
    const delivered: number[] = [];
    const answers = channel.send([
      { command: 'EXAMINE "INBOX"', collector: examineCollector() },
      ...fetchDatesCommands(
        requested,
        (uid) => delivered.push(uid),
        () => {},
        5,
      ),
    ]);
    expect(written.join('')).toContain('S2 UID FETCH 1:3 (UID INTERNALDATE)');
    expect(written.join('')).toContain('S3 UID FETCH 10:12 (UID INTERNALDATE)');
    await feed(...examined(6, 13, 'S1'), row(10), row(1), row(11), row(2), row(11), 'S3 OK done');
    await feed(row(3), row(12), 'S2 OK done');
    await Promise.all(answers);
    expect(violations).toEqual([]);
    expect(delivered).toEqual([10, 1, 11, 2, 3, 12]);
  });

  it('still refuses a row for a UID between the sets, which no command asked for', async () => {
    const { channel, feed, violations } = channelUnderTest();
    const answers = channel.send([
      { command: 'EXAMINE "INBOX"', collector: examineCollector() },
      ...fetchDatesCommands(
        uidListOf([1, 2, 3, 10, 11, 12]),
        () => {},
        () => {},
        5,
      ),
    ]);
    await feed(...examined(12, 13, 'S1'), row(10), row(5));
    await Promise.allSettled(answers);
    expect(violations.map((violation) => violation.message)).toEqual([
      'a FETCH row for UID 5, which was not asked for',
    ]);
  });
});

describe('a mailbox that grows while it is counted (mail delivered after its EXAMINE)', () => {
  async function searched(lines: string[]) {
    const { channel, feed, violations } = channelUnderTest();
    const [, found] = channel.send([
      { command: 'EXAMINE "INBOX"', collector: examineCollector() },
      { command: 'UID SEARCH SINCE 1-Mar-2026', collector: searchCollector() },
    ]);
    await feed(...examined(3, 4, 'S1'), ...lines, 'S2 OK done');
    const settled = await Promise.allSettled([found]);
    const value = settled[0]?.status === 'fulfilled' ? settled[0].value.toSequenceSets(100) : 'rejected';
    return { found: value, violations: violations.map((violation) => violation.message) };
  }

  it('leaves out the UIDs at or above the EXAMINE’s UIDNEXT once the server announced them', async () => {
    expect(await searched(['* 5 EXISTS', '* SEARCH 1 2 3 4 5'])).toEqual({ found: ['1:3'], violations: [] });
  });

  it('still refuses them when the mailbox never said it grew', async () => {
    expect(await searched(['* SEARCH 1 2 3 4'])).toEqual({
      found: 'rejected',
      violations: ['UID 4 is beyond the mailbox (at most 3)'],
    });
  });

  it('reads an EXISTS that comes before the EXAMINE is first in line as the open mailbox’s, not the EXAMINE’s', async () => {
    const { channel, feed, violations } = channelUnderTest();
    const [, , opened] = channel.send([
      { command: 'EXAMINE "INBOX"', collector: examineCollector() },
      { command: 'UID SEARCH SINCE 1-Mar-2026', collector: searchCollector() },
      { command: 'EXAMINE "Sent"', collector: examineCollector() },
    ]);
    await feed(...examined(3, 4, 'S1'), '* 4 EXISTS', '* SEARCH 1 2 3 4', 'S2 OK done');
    await feed(...examined(2, 3, 'S3'));
    expect(violations).toEqual([]);
    await expect(opened).resolves.toMatchObject({ exists: 2, uidNext: 3 });
  });
});
