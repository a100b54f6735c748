import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it, vi } from 'vitest';
import { cachedFormatterCount, isKnownTimeZone, ZoneClock } from '../../../src/counting/zone-clock.js';

const DAY = 86_400_000;
// Zones whose days are not all 24 hours or start at odd instants: DST at 02:00 and at midnight, half-hour
// and 45-minute offsets, a 30-minute DST, the date line crossed (Samoa skipped 2011-12-30), a DST of two
// hours (Troll), southern-hemisphere DST.
const zones = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'America/Santiago',
  'America/Havana',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'Pacific/Apia',
  'Antarctica/Troll',
  'Asia/Tehran',
  'Africa/Casablanca',
] as const;
const zone = fc.constantFrom(...zones);
const civilDay = fc
  .integer({ min: Date.UTC(1971, 0, 1) / DAY, max: Date.UTC(2037, 11, 31) / DAY })
  .map((day) => day * DAY);

// The local calendar date of an instant, by luxon, as UTC midnight of that date.
const localDateOf = (instantMs: number, timeZone: string) => {
  const local = DateTime.fromMillis(instantMs, { zone: timeZone });
  return Date.UTC(local.year, local.month - 1, local.day);
};

// The instants of 2026 at which the zone's offset changes, by luxon, to the hour.
const changesByZone = new Map<string, number[]>();
const offsetChangesIn2026 = (timeZone: string): number[] => {
  let changes = changesByZone.get(timeZone);
  if (changes === undefined) {
    changes = [];
    let previous = DateTime.fromMillis(Date.UTC(2026, 0, 1), { zone: timeZone }).offset;
    for (let hour = Date.UTC(2026, 0, 1); hour < Date.UTC(2027, 0, 1); hour += 3_600_000) {
      const offset = DateTime.fromMillis(hour, { zone: timeZone }).offset;
      if (offset !== previous) changes.push(hour);
      previous = offset;
    }
    changesByZone.set(timeZone, changes);
  }
  return changes;
};

describe('ZoneClock', () => {
  it('starts a day at the first instant that reads as that date (checked with luxon)', () => {
    fc.assert(
      fc.property(zone, civilDay, (timeZone, dayMs) => {
        const clock = new ZoneClock(timeZone);
        const start = clock.startOfDay(dayMs);
        // Samoa has no 2011-12-30: the day "starts" where the next one does; every other day reads as itself.
        if (localDateOf(start, timeZone) !== dayMs) {
          expect(localDateOf(start, timeZone)).toBeGreaterThan(dayMs);
        }
        expect(localDateOf(start - 1000, timeZone)).toBeLessThan(dayMs);
      }),
      { numRuns: 3_000 },
    );
  });

  it('answers a repeated look-up as a fresh clock does, whatever came between', () => {
    // Instants a few hours either side of the zone's offset changes in 2026, revisited in any order:
    // what the remembered look-ups serve, where a wrong one would show.
    const nearChanges = fc.tuple(zone, fc.nat()).chain(([timeZone, pick]) => {
      const changes = offsetChangesIn2026(timeZone);
      const anchor = changes.length === 0 ? Date.UTC(2026, 5, 1) : (changes[pick % changes.length] ?? 0);
      const instant = fc.integer({ min: -4 * 3600, max: 4 * 3600 }).map((seconds) => anchor + seconds * 1000);
      return fc.tuple(fc.constant(timeZone), fc.array(instant, { minLength: 1, maxLength: 40 }));
    });
    fc.assert(
      fc.property(nearChanges, ([timeZone, sequence]) => {
        const clock = new ZoneClock(timeZone);
        for (const instantMs of [...sequence, ...sequence.toReversed()]) {
          expect(clock.offsetAt(instantMs)).toBe(new ZoneClock(timeZone).offsetAt(instantMs));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps at most 256 zone formatters, however many spellings of a zone arrive', () => {
    // Zone names are case-insensitive: every casing of Europe/Berlin is a valid zone.
    const letters = 'europe/berlin';
    for (let variant = 0; variant < 2_000; variant += 1) {
      const spelled = [...letters]
        .map((letter, index) => ((variant >> (index % 11)) & 1 ? letter.toUpperCase() : letter))
        .join('');
      expect(isKnownTimeZone(spelled)).toBe(true);
    }
    expect(cachedFormatterCount()).toBeLessThanOrEqual(256);
    expect(new ZoneClock('Europe/Berlin').offsetAt(Date.UTC(2026, 6, 1))).toBe(7_200_000);
  });

  it('reads UTC, the default zone, without a formatter, as a formatter would', () => {
    const built = vi.spyOn(Intl, 'DateTimeFormat');
    const clocks = ['UTC', 'utc', 'Etc/UTC', 'etc/utc'].map((name) => new ZoneClock(name));
    expect(['UTC', 'utc', 'Etc/UTC', 'etc/utc'].every(isKnownTimeZone)).toBe(true);
    for (const clock of clocks) clock.localIso(Date.UTC(2026, 2, 29, 1));
    expect(built).not.toHaveBeenCalled();
    built.mockRestore();
    const reference = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', timeZoneName: 'longOffset' });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 11, 30) }), (instantMs) => {
        expect(reference.format(instantMs)).toMatch(/GMT(\+00:00)?$/);
        for (const clock of clocks) {
          expect(clock.offsetAt(instantMs)).toBe(0);
          expect(clock.localIso(instantMs)).toBe(
            new Date(instantMs).toISOString().replace(/(\.000)?Z$/, '+00:00'),
          );
          expect(clock.startOfDay(Math.floor(instantMs / DAY) * DAY)).toBe(Math.floor(instantMs / DAY) * DAY);
        }
      }),
      { numRuns: 300 },
    );
  });
});
