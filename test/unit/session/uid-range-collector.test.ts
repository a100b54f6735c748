import { describe, expect, it } from 'vitest';
import { examineCollector, fetchUidRangeCollector } from '../../../src/session/counting-channel.js';
import { channelUnderTest } from './channel-under-test.js';

const row = (uid: number, day = 10) =>
  `* ${uid} FETCH (UID ${uid} INTERNALDATE "${String(day).padStart(2, '0')}-Mar-2026 08:00:00 +0000")`;

// A mailbox of 5 messages, UIDs 1-7 used, UIDNEXT 8: the cursor's floor is 4, the span 100.
async function examinedThenFetched(rows: string[]) {
  const { channel, written, violations, feed } = channelUnderTest();
  const delivered: { uid: number; internalDateSeconds: number }[] = [];
  const malformed: number[] = [];
  const [examined, fetched] = channel.send([
    { command: 'EXAMINE "INBOX"', collector: examineCollector() },
    {
      command: 'UID FETCH 4:103 (UID INTERNALDATE)',
      collector: fetchUidRangeCollector(
        4,
        103,
        (uid, internalDateSeconds) => delivered.push({ uid, internalDateSeconds }),
        (uid) => malformed.push(uid),
      ),
    },
  ]);
  await feed('* 5 EXISTS', '* OK [UIDVALIDITY 42] ok', '* OK [UIDNEXT 8] ok', 'S1 OK [READ-ONLY] done');
  await feed(...rows, 'S2 OK done');
  const outcome = await Promise.allSettled([examined, fetched]);
  return { written, violations, delivered, malformed, outcome };
}

describe('fetchUidRangeCollector: a UID FETCH sent before UIDNEXT is known', () => {
  it('sends EXAMINE and FETCH in one write and delivers each UID below UIDNEXT once', async () => {
    const { written, violations, delivered, outcome } = await examinedThenFetched([
      row(4),
      row(5, 11),
      row(5, 11),
      // Delivered after the EXAMINE: at or above UIDNEXT 8, read next time.
      row(8),
      row(9),
      '* 6 FETCH (FLAGS (\\Seen))',
      row(7, 12),
    ]);
    expect(written).toEqual(['S1 EXAMINE "INBOX"\r\nS2 UID FETCH 4:103 (UID INTERNALDATE)']);
    expect(violations).toEqual([]);
    expect(delivered.map((dated) => dated.uid)).toEqual([4, 5, 7]);
    expect(delivered[1]?.internalDateSeconds).toBe(Date.UTC(2026, 2, 11, 8) / 1000);
    expect(outcome[1]).toEqual({ status: 'fulfilled', value: 3 });
  });

  it('refuses a row below the floor, as an answer to `1:*` would have (PROTOCOL_ERROR)', async () => {
    const { violations, delivered, outcome } = await examinedThenFetched([row(4), row(1)]);
    expect(violations.map((violation) => [violation.message, violation.tooLarge])).toEqual([
      ['a FETCH row for UID 1, which was not asked for', false],
    ]);
    expect(delivered.map((dated) => dated.uid)).toEqual([4]);
    expect(outcome[1]?.status).toBe('rejected');
  });

  it('refuses a row past the span asked for', async () => {
    const { violations } = await examinedThenFetched([row(104)]);
    expect(violations.map((violation) => violation.message)).toEqual([
      'a FETCH row for UID 104, which was not asked for',
    ]);
  });

  it('refuses more distinct messages than the mailbox holds (RESPONSE_TOO_LARGE)', async () => {
    // A mailbox of 2 messages below UIDNEXT 8 answering 3 of them.
    const { channel, violations, feed } = channelUnderTest();
    const [, fetched] = channel.send([
      { command: 'EXAMINE "INBOX"', collector: examineCollector() },
      {
        command: 'UID FETCH 4:103 (UID INTERNALDATE)',
        collector: fetchUidRangeCollector(
          4,
          103,
          () => undefined,
          () => undefined,
        ),
      },
    ]);
    await feed('* 2 EXISTS', '* OK [UIDVALIDITY 42] ok', '* OK [UIDNEXT 8] ok', 'S1 OK done');
    await feed(row(4), row(5), row(6));
    await expect(fetched).rejects.toThrow();
    expect(violations.map((violation) => [violation.message, violation.tooLarge])).toEqual([
      ['FETCH returned more than 2 messages for a mailbox of 2', true],
    ]);
  });
});
