import { describe, expect, it } from 'vitest';
import { ServerClock } from '../../../src/counting/server-clock.js';

// The local clock at 0 ms of `performance.now()` reads 1,795,000,000.25 s on the wall.
const WALL_AT_ZERO_MS = 1_795_000_000_250;

describe('ServerClock', () => {
  it('assumes the local wall clock until a probe says otherwise', () => {
    const clock = new ServerClock(WALL_AT_ZERO_MS, 0);
    expect(clock.observed).toBe(false);
    expect(clock.secondAt(0)).toBe(1_795_000_000);
    expect(clock.secondAt(800)).toBe(1_795_000_001);
  });

  it('narrows the offset to the tick the probes bracket', () => {
    const clock = new ServerClock(WALL_AT_ZERO_MS, 0);
    // The server is 3.6 s ahead: at 100 ms it read …003, at 500 ms already …004.
    clock.observe(100, 1_795_000_003, '>');
    clock.observe(100, 1_795_000_004, '<');
    clock.observe(100, 1_795_000_003, '=');
    clock.observe(500, 1_795_000_004, '=');
    expect(clock.observed).toBe(true);
    // The tick fell between 100 and 500 ms: 200 ms sits on either side of it; 600 ms after it.
    expect(clock.secondAt(600)).toBe(1_795_000_004);
    expect(clock.secondAt(1_090)).toBe(1_795_000_004);
    expect(clock.secondAt(1_510)).toBe(1_795_000_005);
  });

  it('trusts the newest observation over ones it contradicts (the server clock was set)', () => {
    const clock = new ServerClock(WALL_AT_ZERO_MS, 0);
    clock.observe(0, 1_795_000_000, '=');
    clock.observe(1_000, 1_795_000_101, '=');
    expect(clock.secondAt(1_000)).toBe(1_795_000_101);
    expect(clock.secondAt(2_000)).toBe(1_795_000_102);
  });

  it('predicts the search time from the speed it measured, per message', () => {
    const clock = new ServerClock(WALL_AT_ZERO_MS, 0);
    const before = clock.searchMs(65_000);
    clock.observeSearchSpeed(65_000, 100, 100 * 29.3);
    expect(clock.searchMs(65_000)).toBeCloseTo(29.3, 5);
    expect(clock.searchMs(6_500)).toBeCloseTo(0.3 + 29 / 10, 5);
    expect(before).not.toBeCloseTo(29.3, 0);
    // Too few searches to tell: ignored.
    clock.observeSearchSpeed(65_000, 3, 3);
    expect(clock.searchMs(65_000)).toBeCloseTo(29.3, 5);
  });

  it('keeps its margin between 40 and 150 ms', () => {
    const clock = new ServerClock(WALL_AT_ZERO_MS, 0);
    expect(clock.uncertaintyMs(0)).toBe(150);
    clock.observe(100, 1_795_000_000, '=');
    clock.observe(700, 1_795_000_001, '=');
    // Only 600 ms of offsets remain; looking far ahead widens the margin again.
    expect(clock.uncertaintyMs(0)).toBeLessThan(150);
    expect(clock.uncertaintyMs(0)).toBeGreaterThanOrEqual(40);
    expect(clock.uncertaintyMs(10_000)).toBe(150);
  });
});
