// Wall-clock arithmetic in one IANA zone (offsets, local midnights, local ISO strings), with the
// platform's Intl (ICU tz data) and one cached formatter per zone: ~1.6 µs per offset look-up, where a
// Luxon DateTime costs tens of microseconds, so 100,000 bucket edges stay cheap.

const DAY_MS = 86_400_000;
// How many recent offset look-ups a clock remembers: bucketsOf asks for each instant again within a
// few calls (a day's start is the next bucket's end; a day's neighbour midnights are its neighbours').
const RECENT_LOOKUPS = 8;
// One formatter per zone name, the most recently used last. Bounded: zone names are case-insensitive
// (`europe/BERLIN` is accepted), so the spellings a host's users could send are without number.
const MAX_CACHED_FORMATTERS = 256;
const formatters = new Map<string, Intl.DateTimeFormat>();
// en-US with numeric fields and a 23-hour clock formats as `3/29/2026, 01:00:00`.
const WALL_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{4,6}),? (\d{2}):(\d{2}):(\d{2})$/;

// UTC, the default zone, by its two IANA names: its offset is always 0, so its clock needs no formatter
// (a process's first costs ~20 ms).
const UTC_NAMES = /^(etc\/)?utc$/i;

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter !== undefined) {
    formatters.delete(timeZone);
  } else {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    if (formatters.size >= MAX_CACHED_FORMATTERS) {
      const oldest = formatters.keys().next().value;
      if (oldest !== undefined) formatters.delete(oldest);
    }
  }
  formatters.set(timeZone, formatter);
  return formatter;
}

/**
 * How many zone formatters are cached (at most 256), for tests of the bound.
 *
 * @returns The number of cached formatters.
 */
export function cachedFormatterCount(): number {
  return formatters.size;
}

/**
 * Whether the platform's time-zone database knows an IANA zone name (`Europe/Berlin`, `UTC`).
 *
 * @param timeZone - The name to check.
 * @returns `true` when counts can be bucketed in it.
 *
 * @example
 * ```ts
 * isKnownTimeZone('Europe/Berlin'); // true
 * isKnownTimeZone('Europe/Atlantis'); // false
 * ```
 */
export function isKnownTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '' || /^[+-]/.test(timeZone)) return false;
  if (UTC_NAMES.test(timeZone)) return true;
  try {
    formatterOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

// The zone names the platform lists, lower-cased, read once: `Intl.supportedValuesOf` answers from the
// time-zone list alone (~2 ms in a fresh process), where the first formatter of a process loads ICU's
// date-time data (~20 ms).
let listedZones: ReadonlySet<string> | undefined;

/**
 * Whether a zone name is one the platform lists (`Intl.supportedValuesOf('timeZone')`, any case) or
 * `UTC`: known to be accepted without building a formatter, which a fresh process pays ~20 ms for.
 * `false` says nothing: an alias such as `US/Eastern` is not listed, yet known ({@link isKnownTimeZone}).
 *
 * @param timeZone - The name to check.
 * @returns `true` when the name is certainly an IANA zone of the platform.
 *
 * @example
 * ```ts
 * isListedTimeZone('europe/berlin'); // true
 * isListedTimeZone('US/Eastern'); // false (an alias), though isKnownTimeZone('US/Eastern') is true
 * ```
 */
export function isListedTimeZone(timeZone: string): boolean {
  if (UTC_NAMES.test(timeZone)) return true;
  listedZones ??= new Set(Intl.supportedValuesOf('timeZone').map((zone) => zone.toLowerCase()));
  return listedZones.has(timeZone.toLowerCase());
}

const pad = (value: number, width = 2) => String(Math.abs(value)).padStart(width, '0');

/**
 * Formats a UTC offset the ISO-8601 way: `+01:00`, `-03:30`, `+00:00` (seconds only for the historical
 * offsets that have them, `-00:44:30`).
 *
 * @param offsetMs - Local time minus UTC.
 * @returns The offset string.
 *
 * @example
 * ```ts
 * formatOffset(3_600_000); // '+01:00'
 * ```
 */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const totalSeconds = Math.abs(Math.round(offsetMs / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return `${sign}${pad(hours)}:${pad(minutes)}${seconds === 0 ? '' : `:${pad(seconds)}`}`;
}

/**
 * The wall clock of one IANA zone: what offset is in force at an instant, when a local day starts,
 * and how an instant reads locally.
 *
 * @example
 * ```ts
 * const berlin = new ZoneClock('Europe/Berlin');
 * berlin.startOfDay(Date.UTC(2026, 2, 29)); // 2026-03-28T23:00:00Z, Sunday Mar 29 00:00 CET
 * berlin.localIso(Date.parse('2026-03-29T22:00:00Z')); // '2026-03-30T00:00:00+02:00'
 * ```
 */
export class ZoneClock {
  // None for UTC: its offset is 0 at every instant.
  readonly #formatter: Intl.DateTimeFormat | undefined;
  // The last few look-ups (whole seconds and their offsets), written round-robin.
  readonly #recentSeconds: number[] = new Array<number>(RECENT_LOOKUPS).fill(Number.NaN);
  readonly #recentOffsets: number[] = new Array<number>(RECENT_LOOKUPS).fill(0);
  #nextSlot = 0;

  /** @param timeZone - An IANA zone, checked beforehand with {@link isKnownTimeZone}. */
  constructor(readonly timeZone: string) {
    this.#formatter = UTC_NAMES.test(timeZone) ? undefined : formatterOf(timeZone);
  }

  /**
   * The offset in force at an instant (local time minus UTC), to the second.
   *
   * @param instantMs - The instant.
   * @returns Milliseconds, e.g. 3,600,000 for `+01:00`.
   */
  offsetAt(instantMs: number): number {
    const seconds = Math.floor(instantMs / 1000) * 1000;
    for (let slot = 0; slot < RECENT_LOOKUPS; slot += 1) {
      if (this.#recentSeconds[slot] === seconds) return this.#recentOffsets[slot] ?? 0;
    }
    const offset = this.#lookUpOffset(seconds);
    this.#recentSeconds[this.#nextSlot] = seconds;
    this.#recentOffsets[this.#nextSlot] = offset;
    this.#nextSlot = (this.#nextSlot + 1) % RECENT_LOOKUPS;
    return offset;
  }

  #lookUpOffset(seconds: number): number {
    if (this.#formatter === undefined) return 0;
    const match = WALL_TIME.exec(this.#formatter.format(seconds));
    if (match === null) throw new Error(`Unexpected wall time for ${this.timeZone}`);
    const [, month, day, year, hour, minute, second] = match.map(Number);
    const wall = new Date(0);
    wall.setUTCFullYear(year ?? 1970, (month ?? 1) - 1, day ?? 1);
    wall.setUTCHours(hour ?? 0, minute ?? 0, second ?? 0, 0);
    return wall.getTime() - seconds;
  }

  /**
   * The civil date an instant falls on in the zone, as the UTC midnight of that date (a day number ×
   * 86,400,000), the unit calendar arithmetic below works in.
   *
   * @param instantMs - The instant.
   * @returns UTC midnight of the local date.
   */
  civilDayOf(instantMs: number): number {
    const local = instantMs + this.offsetAt(instantMs);
    return Math.floor(local / DAY_MS) * DAY_MS;
  }

  /**
   * The first instant of a local calendar day. Across DST the day is 23 or 25 hours long; where local
   * midnight does not exist (DST starting at 00:00, `America/Santiago`) the day starts at the first
   * instant that does, the transition; where it exists twice, at the earlier one (as Temporal's
   * `compatible`).
   *
   * @param civilDayMs - UTC midnight of the local date (see {@link civilDayOf}).
   * @returns The instant, in epoch milliseconds.
   */
  startOfDay(civilDayMs: number): number {
    // Offsets a day either side: at most one transition lies between them in real tz data.
    const before = this.offsetAt(civilDayMs - DAY_MS);
    const after = this.offsetAt(civilDayMs + DAY_MS);
    // Midnight under the larger offset comes first: where it is valid too, midnight exists twice.
    const earlier = civilDayMs - Math.max(before, after);
    const later = civilDayMs - Math.min(before, after);
    if (this.offsetAt(earlier) + earlier === civilDayMs) return earlier;
    if (later !== earlier && this.offsetAt(later) + later === civilDayMs) return later;
    // A gap: the first instant whose wall time is at or after midnight, found to the second.
    let low = earlier;
    let high = later;
    while (high - low > 1000) {
      const middle = low + Math.floor((high - low) / 2000) * 1000;
      if (middle + this.offsetAt(middle) >= civilDayMs) high = middle;
      else low = middle;
    }
    return high;
  }

  /**
   * How an instant reads on the zone's clock, with its offset: `2026-03-29T03:00:00+02:00`
   * (milliseconds only when not zero).
   *
   * @param instantMs - The instant.
   * @returns An ISO-8601 local date-time with offset.
   */
  localIso(instantMs: number): string {
    const offset = this.offsetAt(instantMs);
    const wall = new Date(instantMs + offset).toISOString().slice(0, 23);
    const local = wall.endsWith('.000') ? wall.slice(0, 19) : wall;
    return `${local}${formatOffset(offset)}`;
  }
}
