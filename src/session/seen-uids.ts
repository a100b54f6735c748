// The UIDs a FETCH answer has delivered, so that each counts once, in memory that does not grow with
// the mailbox while the server sends its rows in ascending UID order (as servers do for UID FETCH).

/**
 * Remembers which UIDs were delivered. While they arrive in ascending order — every server measured
 * answers a `UID FETCH` that way — it keeps only the runs of consecutive UIDs (two numbers per gap
 * between the UIDs of a date window), not one entry per UID; the first UID at or below the highest
 * seen (a repeat, or rows out of order) turns it into a `Set` of every UID once, and it stays exact
 * either way.
 *
 * @example
 * ```ts
 * const seen = new SeenUids();
 * seen.add(4); // true
 * seen.add(5); // true
 * seen.add(4); // false: a repeat
 * seen.size; // 2
 * ```
 */
export class SeenUids {
  // Ascending mode: [first, last] of each run of consecutive UIDs, flat, in order.
  #runs: number[] = [];
  #unordered: Set<number> | undefined;
  #size = 0;

  /** How many distinct UIDs were added. */
  get size(): number {
    return this.#size;
  }

  /** Whether it still keeps runs (every UID came in ascending order), not one entry per UID. */
  get inRuns(): boolean {
    return this.#unordered === undefined;
  }

  /**
   * Whether a UID was added before.
   *
   * @param uid - A UID.
   * @returns True when it was.
   */
  has(uid: number): boolean {
    if (this.#unordered !== undefined) return this.#unordered.has(uid);
    const runs = this.#runs;
    let low = 0;
    let high = runs.length / 2 - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (uid < (runs[middle * 2] as number)) high = middle - 1;
      else if (uid > (runs[middle * 2 + 1] as number)) low = middle + 1;
      else return true;
    }
    return false;
  }

  /**
   * Adds a UID.
   *
   * @param uid - A UID (a positive integer).
   * @returns True when it is new, false for a repeat.
   */
  add(uid: number): boolean {
    const runs = this.#runs;
    const last = runs.length === 0 ? 0 : (runs[runs.length - 1] as number);
    if (this.#unordered === undefined && uid > last) {
      if (runs.length > 0 && uid === last + 1) runs[runs.length - 1] = uid;
      else runs.push(uid, uid);
      this.#size += 1;
      return true;
    }
    if (this.#unordered === undefined) {
      if (this.has(uid)) return false;
      this.#unordered = this.#expandRuns();
    }
    if (this.#unordered.has(uid)) return false;
    this.#unordered.add(uid);
    this.#size += 1;
    return true;
  }

  // Out of order: from now on one entry per UID (bounded by the rows the command may deliver).
  #expandRuns(): Set<number> {
    const all = new Set<number>();
    for (let index = 0; index < this.#runs.length; index += 2) {
      const first = this.#runs[index] as number;
      const last = this.#runs[index + 1] as number;
      for (let uid = first; uid <= last; uid += 1) all.add(uid);
    }
    this.#runs = [];
    return all;
  }
}

/**
 * Remembers which UIDs the pipelined FETCH commands of one list of sequence sets delivered, one
 * {@link SeenUids} per set. A server may answer such commands in parallel — Dovecot starts the next
 * pipelined `UID FETCH` while the client is slow to read the previous one's rows, and interleaves their
 * rows — so the rows of the whole list need not ascend, while those of each set still do. Routing each
 * UID to its set by the sets' first UIDs keeps every set in runs; a single {@link SeenUids} would turn
 * into one entry per UID at the first interleaved row.
 *
 * @example
 * ```ts
 * const seen = new SeenUidsBySet([1, 500]); // sets `1:499` and `500:900`
 * seen.add(500); // true
 * seen.add(1); // true: the first set's rows, still in order
 * seen.add(500); // false: a repeat
 * seen.size; // 2
 * ```
 */
export class SeenUidsBySet {
  readonly #firstUids: readonly number[];
  readonly #sets: SeenUids[];
  #size = 0;

  /**
   * @param firstUids - The first UID of each set, ascending (the sets are disjoint and in UID order).
   */
  constructor(firstUids: readonly number[]) {
    this.#firstUids = firstUids;
    this.#sets = firstUids.map(() => new SeenUids());
    if (this.#sets.length === 0) this.#sets.push(new SeenUids());
  }

  /** How many distinct UIDs were added. */
  get size(): number {
    return this.#size;
  }

  /** Whether every set still keeps runs (each set's UIDs came in ascending order). */
  get inRuns(): boolean {
    return this.#sets.every((set) => set.inRuns);
  }

  /**
   * Whether a UID was added before.
   *
   * @param uid - A UID.
   * @returns True when it was.
   */
  has(uid: number): boolean {
    return this.#setOf(uid).has(uid);
  }

  /**
   * Adds a UID.
   *
   * @param uid - A UID (a positive integer).
   * @returns True when it is new, false for a repeat.
   */
  add(uid: number): boolean {
    if (!this.#setOf(uid).add(uid)) return false;
    this.#size += 1;
    return true;
  }

  // The last set whose first UID is at or below `uid` (the first set for a UID below them all).
  #setOf(uid: number): SeenUids {
    const firstUids = this.#firstUids;
    let low = 0;
    let high = firstUids.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((firstUids[middle] as number) <= uid) low = middle;
      else high = middle - 1;
    }
    return this.#sets[low] as SeenUids;
  }
}
