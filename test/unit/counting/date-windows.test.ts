import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interiorWindowOf, supersetWindowOf } from '../../../src/counting/date-windows.js';

const DAY = 86_400_000;
// A server compares SINCE/BEFORE on the local date of t + offset, for some offset in [-12 h, +14 h].
const serverDateOf = (instantMs: number, offsetMinutes: number) =>
  Math.floor((instantMs + offsetMinutes * 60_000) / DAY) * DAY;

const instant = fc
  .integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) })
  .map((ms) => Math.floor(ms / 1000) * 1000);
const offsetMinutes = fc.integer({ min: -12 * 60, max: 14 * 60 });
const range = fc
  .tuple(instant, fc.integer({ min: 1, max: 400 * DAY }))
  .map(([since, length]) => ({ since, until: since + Math.ceil(length / 1000) * 1000 }));

describe('date windows', () => {
  it('the superset window holds every message of the range, whatever the server zone', () => {
    fc.assert(
      fc.property(
        range,
        fc.integer({ min: 0, max: 1_000_000 }),
        offsetMinutes,
        ({ since, until }, fraction, offset) => {
          const t = since + Math.floor(((until - since - 1) * fraction) / 1_000_000);
          const window = supersetWindowOf(since, until);
          const date = serverDateOf(t, offset);
          expect(date).toBeGreaterThanOrEqual(window.sinceDayMs);
          expect(date).toBeLessThan(window.beforeDayMs);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('every message in the interior window is inside the range, whatever the server zone', () => {
    fc.assert(
      fc.property(range, instant, offsetMinutes, ({ since, until }, t, offset) => {
        const window = interiorWindowOf(since, until);
        if (window === undefined) return;
        const date = serverDateOf(t, offset);
        if (date >= window.sinceDayMs && date < window.beforeDayMs) {
          expect(t).toBeGreaterThanOrEqual(since);
          expect(t).toBeLessThan(until);
        }
      }),
      { numRuns: 20_000 },
    );
  });

  it('pins the edges: the interior starts at the first UTC midnight 14 h after since', () => {
    const since = Date.parse('2026-01-01T10:00:00Z');
    const until = Date.parse('2026-01-10T11:00:00Z');
    expect(interiorWindowOf(since, until)).toEqual({
      sinceDayMs: Date.parse('2026-01-02T00:00:00Z'),
      beforeDayMs: Date.parse('2026-01-09T00:00:00Z'),
    });
    expect(supersetWindowOf(since, until)).toEqual({
      sinceDayMs: Date.parse('2025-12-31T00:00:00Z'),
      beforeDayMs: Date.parse('2026-01-12T00:00:00Z'),
    });
    expect(interiorWindowOf(since, since + DAY)).toBeUndefined();
  });
});
