import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, nextWatermark, surelyPast } from '../../../src/counting/sync-cursor.js';

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
