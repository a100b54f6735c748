import { describe, expect, it } from 'vitest';
import {
  decodeCursor,
  encodeCursor,
  FloorOfDates,
  nextWatermark,
  openEndedWindowOf,
  surelyPast,
} from '../../../src/counting/sync-cursor.js';

const state = {
  account: '0123456789abcdef',
  watermarkMs: Date.parse('2026-03-29T22:00:00Z'),
  mailboxes: [
    { path: 'INBOX', counts: 'r' as const, uidValidity: '1700000000', floorUid: 42 },
    { path: 'Sent Items/Ärchiv', counts: 's' as const, uidValidity: '7', floorUid: 1 },
    { path: 'Junk', counts: '-' as const, uidValidity: '', floorUid: 1 },
  ],
};

describe('cursor strings', () => {
  it('round-trip, versioned and URL-safe', () => {
    const cursor = encodeCursor(state);
    expect(cursor).toMatch(/^imc1\.[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, state.account)).toEqual({ ok: true, state });
  });

  it.each([
    ['another account', (cursor: string) => cursor, 'ffffffffffffffff', 'cursor_account'],
    ['another version', (cursor: string) => `imc2.${cursor.slice(5)}`, state.account, 'cursor_version'],
    ['truncated', (cursor: string) => cursor.slice(0, 20), state.account, 'cursor_invalid'],
    ['not ours', () => 'hello', state.account, 'cursor_invalid'],
    [
      'valid JSON of another shape',
      () => `imc1.${Buffer.from('{"v":1}').toString('base64url')}`,
      state.account,
      'cursor_invalid',
    ],
    [
      'a floor below 1',
      () =>
        `imc1.${Buffer.from(JSON.stringify({ v: 1, a: state.account, w: 0, m: [['INBOX', 'r', '1', 0]] })).toString('base64url')}`,
      state.account,
      'cursor_invalid',
    ],
  ])('%s: %s', (_name, mutate, account, reason) => {
    expect(decodeCursor(mutate(encodeCursor(state)), account)).toMatchObject({ ok: false, reason });
  });
});

describe('nextWatermark', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  const day = (iso: string) => Date.parse(iso);
  it.each([
    // [case, previous, since, until, newest seen, expected]
    [
      'a range over a day ago ends the watermark at until',
      undefined,
      '2026-11-28T00:00:00Z',
      '2026-11-29T00:00:00Z',
      undefined,
      '2026-11-29T00:00:00Z',
    ],
    [
      'a range not over stops at the newest mail seen',
      undefined,
      '2026-11-30T00:00:00Z',
      '2026-12-01T00:00:00Z',
      '2026-11-30T11:59:00Z',
      '2026-11-30T11:59:00Z',
    ],
    [
      '…and at since when nothing was seen',
      undefined,
      '2026-11-30T00:00:00Z',
      '2026-12-01T00:00:00Z',
      undefined,
      '2026-11-30T00:00:00Z',
    ],
    [
      'never moves back',
      '2026-11-29T00:00:00Z',
      '2026-11-01T00:00:00Z',
      '2026-11-02T00:00:00Z',
      undefined,
      '2026-11-29T00:00:00Z',
    ],
    [
      'never past until',
      undefined,
      '2026-11-30T00:00:00Z',
      '2026-11-30T06:00:00Z',
      '2026-11-30T11:00:00Z',
      '2026-11-30T06:00:00Z',
    ],
  ])('%s', (_name, previous, since, until, newest, expected) => {
    expect(
      nextWatermark(
        previous === undefined ? undefined : day(previous),
        { sinceMs: day(since), untilMs: day(until) },
        newest === undefined ? undefined : day(newest),
        now,
      ),
    ).toBe(day(expected));
  });

  it('treats only ranges ended more than a day ago as surely past', () => {
    expect(surelyPast(now - 86_400_000, now)).toBe(true);
    expect(surelyPast(now - 86_399_000, now)).toBe(false);
  });
});

describe('the floor read from a batch of dates', () => {
  const until = Date.UTC(2026, 10, 30, 6);
  const rows: [number, number][] = [
    [10, until - 1_000], // before the end
    [11, until + 3_600_000], // after
    [12, until], // at the end: not counted now, so the next count must read it
    [13, until - 60_000],
  ];

  it('is the lowest UID dated at or after the end, and the newest date read', () => {
    const floor = new FloorOfDates(until);
    for (const [uid, ms] of rows) floor.add(uid, ms / 1000);
    expect(floor.result(20, [])).toEqual({ floorUid: 11, newestMs: until + 3_600_000 });
  });

  it('is UIDNEXT when nothing is dated after the end, and lower for an unreadable date', () => {
    const floor = new FloorOfDates(until);
    floor.add(10, (until - 1_000) / 1000);
    expect(floor.result(20, [])).toEqual({ floorUid: 20, newestMs: until - 1_000 });
    expect(floor.result(20, [15, 17]).floorUid).toBe(15);
  });

  it('is 1 without UIDNEXT (the next count reads everything)', () => {
    expect(new FloorOfDates(until).result(null, [])).toEqual({ floorUid: 1, newestMs: undefined });
  });

  it('comes from a window open towards the future, from the range superset start', () => {
    // 12 h west of UTC, 1 Jan 2026 00:00 UTC is still 31 Dec 2025.
    expect(openEndedWindowOf({ sinceMs: Date.UTC(2026, 0, 1) })).toEqual({
      sinceDayMs: Date.UTC(2025, 11, 31),
      beforeDayMs: Date.UTC(9999, 11, 31),
    });
  });
});
