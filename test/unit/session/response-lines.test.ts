import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  imapDateTimeMs,
  parseResponseLine,
  ResponseViolation,
  readEsearch,
  readFetchRow,
  readNumberList,
  type ScannedRow,
  scanDatedFetchRow,
  uint32Of,
} from '../../../src/session/response-lines.js';
import { MAX_LISTED_UIDS, UidList } from '../../../src/session/uid-list.js';

const line = (text: string) => Buffer.from(text, 'latin1');
const noYield = async () => {};
const bounds = { maxValue: 100, maxLength: 40, ascending: false };

async function esearch(text: string, listBounds = bounds) {
  const raw = line(text);
  const parsed = parseResponseLine(raw);
  if (parsed.kind !== 'data') throw new Error('not data');
  return readEsearch(raw, parsed.start, listBounds, noYield);
}

describe('response line classification', () => {
  it.each([
    ['+ go ahead', { kind: 'continuation' }],
    ['S4 OK [READ-ONLY] Examine completed.', { kind: 'tagged', tag: 'S4', status: 'OK', code: 'READ-ONLY' }],
    ['S5 no [NONEXISTENT] gone', { kind: 'tagged', status: 'NO', code: 'NONEXISTENT', text: 'gone' }],
    ['* OK [UIDNEXT 42] Predicted', { kind: 'status', status: 'OK', code: 'UIDNEXT', codeValue: '42' }],
    ['* BYE shutting down', { kind: 'status', status: 'BYE', text: 'shutting down' }],
    ['* 17 EXISTS', { kind: 'message', number: 17, name: 'EXISTS' }],
    ['* SEARCH 1 2', { kind: 'data', name: 'SEARCH' }],
  ])('%j', (text, expected) => {
    expect(parseResponseLine(line(text))).toMatchObject(expected);
  });

  it.each([['S1 MAYBE done'], ['*SEARCH 1'], ['* 99999999999 EXISTS'], ['* -5 EXISTS'], ['']])(
    'refuses %j',
    (text) => {
      expect(() => parseResponseLine(line(text))).toThrow(ResponseViolation);
    },
  );
});

describe('numbers', () => {
  it.each([
    ['0', 0],
    ['4294967295', 4294967295],
    ['4294967296', undefined],
    ['-5', undefined],
    ['abc', undefined],
    ['1e3', undefined],
    ['', undefined],
    ['00000000001', undefined],
  ])('%j is %s', (text, expected) => {
    expect(uint32Of(text)).toBe(expected);
  });
});

describe('ESEARCH answers', () => {
  it('reads the correlator, UID, COUNT, MIN, MAX and ALL as runs', async () => {
    const answer = await esearch('* ESEARCH (TAG "S7") UID COUNT 6 MIN 2 MAX 30 ALL 2:4,30,10:8');
    expect(answer).toMatchObject({ tag: 'S7', uid: true, count: 6, min: 2, max: 30 });
    expect(answer.all?.length).toBe(7);
    expect(answer.all?.runs).toBe(3);
    expect([0, 3, 4, 5, 6].map((position) => answer.all?.at(position))).toEqual([2, 30, 10, 9, 8]);
  });

  it.each([
    ['COUNT abc', null],
    ['COUNT -5', null],
    ['COUNT 4294967296', null],
    ['COUNT 4294967295', 4294967295],
  ])('reports %j as count %s (plausibility is the caller’s)', async (item, count) => {
    expect((await esearch(`* ESEARCH (TAG "S1") UID ${item}`)).count).toBe(count);
  });

  it.each([
    ['ALL 1:4294967295', /beyond the mailbox/],
    ['ALL 1:100000000', /beyond the mailbox/],
    ['ALL 4294967295:1', /beyond the mailbox/],
    ['ALL 1:4294967296', /over 32 bits|not a valid/],
    ['ALL 0:5', /not a valid/],
    ['ALL 1:50,60:100', /more than 40 UIDs/],
    ['ALL 1,,2', /malformed/],
    ['ALL *', /malformed/],
    ['COUNT 1 COUNT 2', /twice/],
  ])('refuses %j without expanding it', async (item, message) => {
    await expect(esearch(`* ESEARCH (TAG "S1") UID ${item}`)).rejects.toThrow(message);
  });

  it('keeps a range as one run, whatever its span', async () => {
    const answer = await esearch('* ESEARCH UID ALL 1:4000000', {
      maxValue: 4_000_000,
      maxLength: 4_000_000,
      ascending: true,
    });
    expect(answer.all?.runs).toBe(1);
    expect(answer.all?.at(3_999_999)).toBe(4_000_000);
  });

  it('skips an extension item it does not read', async () => {
    const answer = await esearch('* ESEARCH (TAG "S1") UID PARTIAL (1:10 5:9) COUNT 3 MODSEQ 917');
    expect(answer.count).toBe(3);
  });
});

describe('plain SEARCH and SORT answers', () => {
  async function numbers(text: string, listBounds = bounds) {
    const raw = line(text);
    const parsed = parseResponseLine(raw);
    if (parsed.kind !== 'data') throw new Error('not data');
    const list = new UidList(listBounds);
    await readNumberList(raw, parsed.start, list, noYield);
    return list;
  }

  it('reads numbers in their order, as runs', async () => {
    const list = await numbers('* SORT 5 6 7 3 9');
    expect([0, 1, 2, 3, 4].map((position) => list.at(position))).toEqual([5, 6, 7, 3, 9]);
    expect(list.runs).toBe(3);
  });

  it.each([
    ['* SEARCH 1 x 3', /malformed number/],
    ['* SEARCH 1 -2', /malformed number/],
    ['* SEARCH 101', /beyond the mailbox/],
    ['* SEARCH 12345678901', /malformed number/],
    [`* SORT ${'1 '.repeat(41)}`, /more than 40 UIDs/],
  ])('refuses %j', async (text, message) => {
    await expect(numbers(text)).rejects.toThrow(message);
  });

  it('stops at the documented cap even when the mailbox claims more', async () => {
    const list = new UidList({ maxValue: 4_294_967_295, maxLength: 4_294_967_295, ascending: false });
    expect(() => list.addRange(1, MAX_LISTED_UIDS + 1)).toThrow(/more than 5000000 UIDs/);
  });

  it('yields between chunks of a long answer', async () => {
    const text = `* SEARCH ${Array.from({ length: 40_000 }, (_, index) => index * 2 + 1).join(' ')}`;
    let yields = 0;
    const raw = line(text);
    const list = new UidList({ maxValue: 100_000, maxLength: 100_000, ascending: true });
    await readNumberList(raw, 8, list, async () => {
      yields += 1;
    });
    expect(list.length).toBe(40_000);
    expect(yields).toBeGreaterThanOrEqual(Math.floor(raw.length / (64 * 1024)));
  });
});

describe('FETCH rows', () => {
  function row(text: string) {
    const raw = line(text);
    const parsed = parseResponseLine(raw);
    if (parsed.kind !== 'message') throw new Error('not a message');
    return readFetchRow(raw, parsed.number, parsed.start);
  }

  it('reads UID and INTERNALDATE in any order, skipping other items', () => {
    expect(
      row('* 12 FETCH (FLAGS (\\Seen $X) INTERNALDATE "01-Feb-2026 10:00:00 +0100" UID 45 MODSEQ (9))'),
    ).toEqual({
      sequence: 12,
      uid: 45,
      internalDateMs: Date.UTC(2026, 1, 1, 9),
    });
  });

  it('marks a malformed INTERNALDATE instead of dropping it', () => {
    expect(row('* 1 FETCH (UID 3 INTERNALDATE "31-Feb-2026 10:00:00 +0100")').internalDateMs).toBeNull();
  });

  it.each([
    ['* 1 FETCH (UID 0 INTERNALDATE "01-Feb-2026 10:00:00 +0100")'],
    ['* 1 FETCH (UID 1 UID 2)'],
    ['* 1 FETCH (UID 1'],
    ['* 1 FETCH UID 1'],
    [`* 1 FETCH (X ${'('.repeat(20)}${')'.repeat(20)})`],
  ])('refuses %j', (text) => {
    expect(() => row(text)).toThrow(ResponseViolation);
  });
});

describe('INTERNALDATE', () => {
  it.each([
    ['01-Jan-2026 05:45:00 +0545', '2026-01-01T00:00:00.000Z'],
    [' 1-Jan-2026 00:00:00 -1200', '2026-01-01T12:00:00.000Z'],
    ['1-Jan-2026 00:00:00 +0000', '2026-01-01T00:00:00.000Z'],
    ['31-Dec-2025 23:59:59 +1400', '2025-12-31T09:59:59.000Z'],
    [' 1-Mar-2026 23:59:60 -1200', '2026-03-02T12:00:00.000Z'],
  ])('reads %j as %s', (text, iso) => {
    expect(new Date(imapDateTimeMs(text) ?? Number.NaN).toISOString()).toBe(iso);
  });

  it.each([
    ['2026-01-01'],
    ['01-Foo-2026 00:00:00 +0000'],
    ['01-Jan-2026 24:00:00 +0000'],
    ['30-Feb-2026 00:00:00 +0000'],
    ['01-Jan-2026 00:00:00 0000'],
    ['01-Jan-2026 00:00:00 +0000 '],
    ['0x-Jan-2026 00:00:00 +0000'],
  ])('refuses %j', (text) => {
    expect(imapDateTimeMs(text)).toBeUndefined();
  });
});

describe('dated FETCH rows read straight from the bytes', () => {
  function general(
    text: string,
  ): { uid: number | undefined; internalDateMs: number | null | undefined } | 'refused' {
    try {
      const raw = line(text);
      const parsed = parseResponseLine(raw);
      if (parsed.kind !== 'message' || parsed.name !== 'FETCH') return 'refused';
      const { uid, internalDateMs } = readFetchRow(raw, parsed.number, parsed.start);
      return { uid, internalDateMs };
    } catch {
      return 'refused';
    }
  }
  function scanned(text: string): ScannedRow | undefined {
    const into: ScannedRow = { sequence: 0, uid: 0, internalDateSeconds: 0 };
    return scanDatedFetchRow(line(text), into) ? { ...into } : undefined;
  }

  it.each([
    ['* 12 FETCH (UID 45 INTERNALDATE "01-Feb-2026 10:00:00 +0100")', 12, 45, Date.UTC(2026, 1, 1, 9)],
    [
      '* 1 fetch (internaldate " 1-Jan-2026 00:00:00 -1200" uid 4294967295)',
      1,
      4294967295,
      Date.UTC(2026, 0, 1, 12),
    ],
    ['* 7 FETCH (UID 3 INTERNALDATE "1-Mar-2024 23:59:60 +0000")', 7, 3, Date.UTC(2024, 2, 2)],
    ['* 7 FETCH (UID 3 INTERNALDATE "29-Feb-2024 00:00:00 +0000")', 7, 3, Date.UTC(2024, 1, 29)],
  ])('reads %j', (text, sequence, uid, internalDateMs) => {
    expect(scanned(text)).toEqual({ sequence, uid, internalDateSeconds: internalDateMs / 1000 });
  });

  it.each([
    ['* 1 FETCH (UID 3 INTERNALDATE "31-Feb-2026 10:00:00 +0100")'],
    ['* 1 FETCH (UID 0 INTERNALDATE "01-Feb-2026 10:00:00 +0100")'],
    ['* 1 FETCH (UID 3 INTERNALDATE "01-Feb-2026 10:00:00 +0100" FLAGS (\\Seen))'],
    ['* 1 FETCH (UID 3 UID 3 INTERNALDATE "01-Feb-2026 10:00:00 +0100")'],
    ['* 1 FETCH (UID 3 INTERNALDATE "01-Feb-2026 10:00:00 +0100")x'],
    ['* 1 FETCH (UID 3  INTERNALDATE "01-Feb-2026 10:00:00 +0100")'],
    ['* 1 FETCH (UID 3 INTERNALDATE "01-Feb-2026 10:00:00 +0100"'],
    ['* 1 FETCH (UID 3 INTERNALDATE 01-Feb-2026)'],
    ['* 1 FETCH (UID 99999999999 INTERNALDATE "01-Feb-2026 10:00:00 +0100")'],
    ['* 99999999999 FETCH (UID 3 INTERNALDATE "01-Feb-2026 10:00:00 +0100")'],
    ['* 1 FETCH (UID 3 INTERNALDATE "01-Feb-2026 10:00:00 +0100" INTERNALDATE "01-Feb-2026 10:00:00 +0100")'],
  ])('leaves %j to the general reader', (text) => {
    expect(scanned(text)).toBeUndefined();
  });

  // The instant is computed without Date: checked here against Date.UTC, over every month and leap year.
  it('reads every valid date-time as Date.UTC does (fast-check)', () => {
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const two = (value: number) => String(value).padStart(2, '0');
    fc.assert(
      fc.property(
        fc.integer({ min: 1970, max: 2400 }),
        fc.integer({ min: 0, max: 11 }),
        fc.integer({ min: 1, max: 31 }),
        fc.tuple(
          fc.integer({ min: 0, max: 23 }),
          fc.integer({ min: 0, max: 59 }),
          fc.integer({ min: 0, max: 60 }),
        ),
        fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })),
        (year, month, dayWanted, [hour, minute, second], [west, zoneHours, zoneMinutes]) => {
          const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
          const day = Math.min(dayWanted, daysInMonth);
          const offsetMs = (zoneHours * 60 + zoneMinutes) * 60_000;
          const expected = Date.UTC(year, month, day, hour, minute, second) + (west ? offsetMs : -offsetMs);
          const text = `* 1 FETCH (UID 9 INTERNALDATE "${two(day)}-${months[month]}-${year} ${two(hour)}:${two(minute)}:${two(second)} ${west ? '-' : '+'}${two(zoneHours)}${two(zoneMinutes)}")`;
          expect(scanned(text)?.internalDateSeconds).toBe(expected / 1000);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  // The response tap hands it lines in place, inside the chunk they came in.
  describe('a line inside a larger buffer', () => {
    const row = '* 12 FETCH (UID 45 INTERNALDATE "01-Feb-2026 10:00:00 +0100")';
    const before = '* 11 FETCH (UID 44 INTERNALDATE "01-Feb-2026 09:00:00 +0100")\r\n';
    const after = '\r\n* 13 FETCH (UID 46 INTERNALDATE "01-Feb-2026 11:00:00 +0100")\r\n';
    const chunk = line(before + row + after);
    const into = (): ScannedRow => ({ sequence: 0, uid: 0, internalDateSeconds: 0 });

    it('reads the row between start and end', () => {
      const read = into();
      expect(scanDatedFetchRow(chunk, read, before.length, before.length + row.length)).toBe(true);
      expect(read).toEqual({ sequence: 12, uid: 45, internalDateSeconds: Date.UTC(2026, 1, 1, 9) / 1000 });
    });

    it('refuses the row cut short by end at any byte, though the buffer holds the rest', () => {
      const accepted = [];
      for (let end = before.length; end < before.length + row.length; end += 1)
        if (scanDatedFetchRow(chunk, into(), before.length, end)) accepted.push(end);
      expect(accepted).toEqual([]);
    });

    it('refuses a row that does not end at end', () => {
      expect(scanDatedFetchRow(chunk, into(), before.length, before.length + row.length + 1)).toBe(false);
    });
  });

  // Rows built from pieces that are mostly right: whenever the scanner reads one, the general reader
  // reads the same UID and date from it.
  // Each piece mostly valid, sometimes not (weights 4 : 1).
  const digits = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{1,${max}}$`));
  const padded = (min: number, max: number, width: number) =>
    fc.integer({ min, max }).map((value) => String(value).padStart(width, '0'));
  const mostly = (valid: fc.Arbitrary<string>, ...odd: string[]) =>
    fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: fc.constantFrom(...odd), weight: 1 });
  const date = fc
    .tuple(
      mostly(
        fc.oneof(
          padded(1, 31, 2),
          padded(1, 9, 1),
          padded(1, 9, 1).map((day) => ` ${day}`),
        ),
        '00',
        '32',
        'x1',
        '  1',
      ),
      mostly(fc.constantFrom('Jan', 'feb', 'MAR', 'Apr', 'jun', 'Dec'), 'Foo', 'ja', 'anf'),
      mostly(padded(1900, 2100, 4), '0000', '99', '20x6'),
      mostly(padded(0, 23, 2), '24', '1'),
      mostly(padded(0, 59, 2), '60'),
      mostly(padded(0, 60, 2), '61'),
      mostly(fc.constantFrom('+', '-'), ' ', 'x'),
      mostly(
        fc.tuple(padded(0, 23, 2), padded(0, 59, 2)).map(([hours, minutes]) => hours + minutes),
        '2400',
        '0060',
        '123',
      ),
    )
    .map(
      ([day, month, year, hour, minute, second, sign, zone]) =>
        `${day}-${month}-${year} ${hour}:${minute}:${second} ${sign}${zone}`,
    );
  const item = fc.oneof(
    mostly(
      digits(10).map((uid) => `UID ${uid}`),
      'UID 0',
      'UID 99999999999',
      'UID x',
    ),
    mostly(
      date.map((text) => `INTERNALDATE "${text}"`),
      'INTERNALDATE NIL',
      'INTERNALDATE "x\\"y"',
    ),
    fc.constantFrom('uid 5', 'FLAGS (\\Seen)', 'MODSEQ (3)'),
  );
  const rowText = fc
    .tuple(
      mostly(digits(10), '99999999999', ''),
      mostly(fc.constantFrom('FETCH', 'fetch'), 'FETCHX', 'FETC'),
      fc.array(item, { minLength: 1, maxLength: 3 }),
      mostly(fc.constant(' '), '  '),
      mostly(fc.constant(')'), ') ', '', '))'),
    )
    .map(
      ([sequence, name, items, separator, end]) => `* ${sequence} ${name} (${items.join(separator)}${end}`,
    );

  it('reads only what the general reader reads alike', () => {
    let read = 0;
    fc.assert(
      fc.property(rowText, (text) => {
        const fast = scanned(text);
        if (fast === undefined) return;
        read += 1;
        expect(general(text)).toEqual({ uid: fast.uid, internalDateMs: fast.internalDateSeconds * 1000 });
      }),
      { numRuns: 20_000 },
    );
    expect(read).toBeGreaterThan(20);
  });

  it('reads every well-formed dated row of the usual shape', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4_294_967_295 }),
        fc.integer({ min: 1, max: 4_294_967_295 }),
        fc.date({
          min: new Date('1970-01-01T00:00:00Z'),
          max: new Date('2099-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -12 * 60, max: 14 * 60 }),
        fc.boolean(),
        (sequence, uid, at, offsetMinutes, uidFirst) => {
          const local = new Date(Math.floor(at.getTime() / 1000) * 1000 + offsetMinutes * 60_000);
          const pad = (value: number) => String(value).padStart(2, '0');
          const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][
            local.getUTCMonth()
          ];
          const zone = `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}${pad(Math.abs(offsetMinutes) % 60)}`;
          const text = `${pad(local.getUTCDate())}-${month}-${local.getUTCFullYear()} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())} ${zone}`;
          const items = uidFirst ? `UID ${uid} INTERNALDATE "${text}"` : `INTERNALDATE "${text}" UID ${uid}`;
          expect(scanned(`* ${sequence} FETCH (${items})`)).toEqual({
            sequence,
            uid,
            internalDateSeconds: Math.floor(at.getTime() / 1000),
          });
        },
      ),
    );
  });
});
