/** A list of UIDs a server sent, kept as runs (`4:9` is one entry, not six), never expanded. */

/**
 * The most UIDs one answer may list, whatever the mailbox claims to hold: a mailbox of five million
 * messages lists in ~60 MiB at worst (every UID its own run); past it the answer is refused as
 * `RESPONSE_TOO_LARGE` (docs/reliability.md).
 */
export const MAX_LISTED_UIDS = 5_000_000;
const MAX_UID = 4_294_967_295;
const INITIAL_RUNS = 16;

/** A list that broke the rules it was built under (order, bounds, size); the message says which. */
export class UidListViolation extends Error {
  constructor(
    message: string,
    /** `true` for a size limit (`RESPONSE_TOO_LARGE`), `false` for a malformed or implausible list. */
    readonly tooLarge: boolean,
  ) {
    super(message);
  }
}

/** What a server-sent list must respect. */
export interface UidListBounds {
  /** The largest value a member may have (UIDNEXT − 1 for UIDs, EXISTS for sequence numbers). */
  readonly maxValue: number;
  /** The most members the list may have (EXISTS, capped by {@link MAX_LISTED_UIDS}). */
  readonly maxLength: number;
  /** Whether members must be strictly ascending (a SEARCH result) or may come in any order (a SORT). */
  readonly ascending: boolean;
  /**
   * UIDs above it are left out without error: mail delivered after the EXAMINE whose UIDNEXT the count
   * reads up to, which the mailbox announced since with EXISTS (the next count reads it).
   */
  readonly keepAtMost?: number | undefined;
}

/** One sequence set of a {@link UidList} (`1:5,9`), with its first UID and how many UIDs it holds. */
export interface UidSequenceSet {
  readonly text: string;
  readonly firstUid: number;
  readonly size: number;
}

/**
 * UIDs in the order a server sent them, as runs: memory grows with the number of runs, never with
 * the span of a range, so `1:4294967295` costs 12 bytes (and is refused long before: no mailbox has
 * that many UIDs below its UIDNEXT). Position lookups are a binary search over run offsets.
 *
 * @example
 * ```ts
 * const list = new UidList({ maxValue: 100, maxLength: 50, ascending: false });
 * list.addRange(7, 9); // ESORT may send descending runs too: 9:7
 * list.add(3);
 * list.length; // 4
 * list.at(3); // 3
 * ```
 */
export class UidList {
  readonly #bounds: UidListBounds;
  #starts = new Uint32Array(INITIAL_RUNS);
  #ends = new Uint32Array(INITIAL_RUNS);
  // Members before each run.
  #offsets = new Uint32Array(INITIAL_RUNS);
  #runs = 0;
  #length = 0;

  constructor(bounds: UidListBounds) {
    this.#bounds = { ...bounds, maxLength: Math.min(bounds.maxLength, MAX_LISTED_UIDS) };
  }

  /** How many UIDs the list holds. */
  get length(): number {
    return this.#length;
  }

  /** How many runs it is stored as. */
  get runs(): number {
    return this.#runs;
  }

  /**
   * Appends one UID.
   *
   * @param value - The UID.
   * @throws {@link UidListViolation} when it breaks the bounds.
   */
  add(value: number): void {
    this.addRange(value, value);
  }

  /**
   * Appends a run `first:last` (RFC 3501 §9 `seq-range`; RFC 5267 §3.2: in a SORT answer `9:7` lists
   * 9, 8, 7 in that order).
   *
   * @param first - The first UID of the run.
   * @param last - The last UID of the run.
   * @throws {@link UidListViolation} when it breaks the bounds.
   */
  addRange(from: number, to: number): void {
    const { maxValue, maxLength, ascending, keepAtMost } = this.#bounds;
    if (!isUid(from) || !isUid(to)) throw new UidListViolation(`${from}:${to} is not a valid UID`, false);
    if (from > maxValue || to > maxValue)
      throw new UidListViolation(
        `UID ${Math.max(from, to)} is beyond the mailbox (at most ${maxValue})`,
        false,
      );
    let first = from;
    let last = to;
    if (keepAtMost !== undefined && Math.max(first, last) > keepAtMost) {
      if (Math.min(first, last) > keepAtMost) return;
      if (first <= last) last = keepAtMost;
      else first = keepAtMost;
    }
    const size = Math.abs(last - first) + 1;
    if (this.#length + size > maxLength)
      throw new UidListViolation(`more than ${maxLength} UIDs listed`, maxLength === MAX_LISTED_UIDS);
    if (ascending) {
      if (last < first)
        throw new UidListViolation(`a descending range ${first}:${last} in a search result`, false);
      const previous = this.#runs > 0 ? (this.#ends[this.#runs - 1] ?? 0) : 0;
      if (first <= previous) throw new UidListViolation(`UID ${first} is out of order or repeated`, false);
    }
    const lastRun = this.#runs - 1;
    if (lastRun >= 0) {
      const runStart = this.#starts[lastRun] ?? 0;
      const runEnd = this.#ends[lastRun] ?? 0;
      // Extend the last run when the new one continues it in the same direction.
      if (first <= last && runStart <= runEnd && first === runEnd + 1) {
        this.#ends[lastRun] = last;
        this.#length += size;
        return;
      }
    }
    if (this.#runs === this.#starts.length) this.#grow();
    this.#starts[this.#runs] = first;
    this.#ends[this.#runs] = last;
    this.#offsets[this.#runs] = this.#length;
    this.#runs += 1;
    this.#length += size;
  }

  /**
   * The UID at a position.
   *
   * @param position - From 0.
   * @returns The UID, or `undefined` outside the list.
   */
  at(position: number): number | undefined {
    if (!Number.isInteger(position) || position < 0 || position >= this.#length) return undefined;
    let low = 0;
    let high = this.#runs - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((this.#offsets[middle] ?? 0) <= position) low = middle;
      else high = middle - 1;
    }
    const start = this.#starts[low] ?? 0;
    const end = this.#ends[low] ?? 0;
    const step = position - (this.#offsets[low] ?? 0);
    return end >= start ? start + step : start - step;
  }

  /**
   * Whether the list holds a UID (binary search: for ascending lists only).
   *
   * @param uid - The UID.
   * @returns `true` when it is a member.
   */
  includes(uid: number): boolean {
    if (!this.#bounds.ascending) throw new Error('includes() needs an ascending list');
    let low = 0;
    let high = this.#runs - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if ((this.#ends[middle] ?? 0) < uid) low = middle + 1;
      else if ((this.#starts[middle] ?? 0) > uid) high = middle - 1;
      else return true;
    }
    return false;
  }

  /**
   * The list as IMAP sequence sets (`1:5,9`) no longer than `maxLength` characters each, for a FETCH.
   *
   * @param maxLength - The longest set, in characters.
   * @returns The sets, in list order.
   */
  toSequenceSets(maxLength: number): string[] {
    return this.sequenceSets(maxLength).map((set) => set.text);
  }

  /**
   * The list as IMAP sequence sets no longer than `maxLength` characters each, with the first UID and
   * the size of each: what a collector needs to tell the rows of pipelined FETCH commands apart when
   * the server answers them in parallel.
   *
   * @param maxLength - The longest set, in characters.
   * @returns The sets, in list order.
   */
  sequenceSets(maxLength: number): UidSequenceSet[] {
    const sets: UidSequenceSet[] = [];
    let parts: string[] = [];
    let length = 0;
    let firstUid = 0;
    let size = 0;
    for (let run = 0; run < this.#runs; run += 1) {
      const start = this.#starts[run] ?? 0;
      const end = this.#ends[run] ?? 0;
      const part = start === end ? `${start}` : `${start}:${end}`;
      if (parts.length > 0 && length + part.length + 1 > maxLength) {
        sets.push({ text: parts.join(','), firstUid, size });
        parts = [];
      }
      if (parts.length === 0) {
        firstUid = start;
        length = part.length;
        size = 0;
      } else length += part.length + 1;
      parts.push(part);
      size += Math.abs(end - start) + 1;
    }
    if (parts.length > 0) sets.push({ text: parts.join(','), firstUid, size });
    return sets;
  }

  /**
   * The same UIDs in ascending order, each once (a plain SEARCH answer need not be sorted). Holds the
   * values once while sorting: bounded by the list's own limit.
   *
   * @returns This list when it already is ascending, else a sorted copy.
   */
  ascending(): UidList {
    if (this.#bounds.ascending) return this;
    let sorted = true;
    for (let run = 0; run < this.#runs; run += 1) {
      const start = this.#starts[run] ?? 0;
      const end = this.#ends[run] ?? 0;
      if (end < start || (run > 0 && start <= (this.#ends[run - 1] ?? 0))) {
        sorted = false;
        break;
      }
    }
    const copy = new UidList({ ...this.#bounds, ascending: true });
    if (sorted) {
      for (let run = 0; run < this.#runs; run += 1)
        copy.addRange(this.#starts[run] ?? 0, this.#ends[run] ?? 0);
      return copy;
    }
    const values = new Uint32Array(this.#length);
    for (let position = 0; position < this.#length; position += 1) values[position] = this.at(position) ?? 0;
    values.sort();
    let previous = 0;
    for (const value of values) {
      if (value !== previous) copy.add(value);
      previous = value;
    }
    return copy;
  }

  #grow(): void {
    const size = this.#starts.length * 2;
    const grown = (from: Uint32Array) => {
      const to = new Uint32Array(size);
      to.set(from);
      return to;
    };
    this.#starts = grown(this.#starts);
    this.#ends = grown(this.#ends);
    this.#offsets = grown(this.#offsets);
  }
}

/**
 * An ascending list of UIDs the client chose (the UIDs a FETCH asks for), in the same run form.
 *
 * @param uids - Ascending, distinct UIDs.
 * @returns The list.
 */
export function uidListOf(uids: readonly number[]): UidList {
  const list = new UidList({ maxValue: MAX_UID, maxLength: MAX_LISTED_UIDS, ascending: true });
  for (const uid of uids) list.add(uid);
  return list;
}

function isUid(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= MAX_UID;
}
