/**
 * `within-counts`: the server counts, the client reads a few bytes a boundary. For each bucket boundary
 * `t`, RFC 5032's `UID SEARCH RETURN (COUNT) YOUNGER n` counts the messages dated at or after the
 * server's now minus `n` seconds: with `n` = now − t, the messages at or after `t`, to the second and
 * in no time zone. A bucket is the difference of its two boundaries' counts.
 *
 * The catch is "now": the server reads its clock when it starts each command and never says what it
 * read, and on a large mailbox a flight of searches runs for seconds. So the counts of a flight are
 * written for the second each is predicted to run in ({@link ServerClock}), in groups, and every group
 * is bracketed by probes that tell which second the server was in: a search restricted to two messages
 * of known dates, `OR (UID a NOT YOUNGER n₁) (UID b NOT YOUNGER n₂)`, counts 0, 1 or 2 as the server's
 * second is before, at or after the one predicted. A group is kept only when the probes before and after
 * it both say "at"; the server's second never goes back, so every count between them ran in it. The
 * rest is sent again. A wrong prediction costs bytes, never a wrong count.
 */
import type { ImapSession } from '../session/imap-session.js';
import type { MailboxStrategy } from './mailbox-strategies.js';
import type { ServerClock } from './server-clock.js';

// Counts per group between two probes: fewer probes against less to resend when a group straddles the
// server's tick. Halved after a flight that kept less than half of its counts (a server whose clock
// jumps more often than a group lasts), doubled back after one that kept all.
const GROUP_SIZE = 24;
const MIN_GROUP_SIZE = 2;
const NEAR_TICK_GROUP_SIZE = 4;
// How far ahead a flight's counts are written for the server's second.
const FLIGHT_MS = 600;
const FIRST_FLIGHT_MS = 300;
// Flights per mailbox (each sends at least a group; most keep all but a group a tick), and flights
// in a row that may keep nothing before the server is given up on.
const MAX_FLIGHTS = 200;
const MAX_FLIGHTS_KEEPING_NOTHING = 4;
const MAX_LOCATES = 3;
const MAX_LOCATING_FLIGHTS = 8;
// RFC 5032 interval: nz-number, at most 2³² − 1 seconds.
const MAX_INTERVAL = 4_294_967_295;
// A count costs ~40 bytes compressed where a date read costs ~15 and arrival order reads ~5 dates a
// boundary: counting pays once the mailbox holds a few messages a boundary.
const MIN_MESSAGES_PER_BOUNDARY = 2;
// A located second is refined one second at a time once fewer than this many remain.
const LINEAR_LOCATE_WIDTH = 64;

/** A message whose date the client knows: probes compare the server's clock with it. */
interface Anchor {
  readonly uid: number;
  /** INTERNALDATE, seconds since the epoch. */
  readonly second: number;
}

type Verdict = '<' | '=' | '>';

/**
 * Counts each mailbox with `YOUNGER` searches against the server's clock (see the module's comment).
 * Applies on servers with WITHIN and ESEARCH, to mailboxes of at least two messages per boundary, for
 * boundaries in the server's past; `undefined` otherwise (the next strategy counts), and with a
 * `server_clock_unusable` warning when the server's answers contradict each other.
 *
 * @example
 * ```ts
 * const strategy = { name: 'within-counts', count: withinCountsStrategy(new ServerClock()) };
 * ```
 *
 * @param clock - The server's clock as learned so far; shared by the mailboxes of one count.
 * @returns The strategy.
 */
export function withinCountsStrategy(clock: ServerClock): MailboxStrategy {
  return async ({ session, examined, warn }, range, buckets) => {
    const capabilities = session.capabilities;
    if (!capabilities.includes('WITHIN') || !capabilities.includes('ESEARCH')) return undefined;
    // INTERNALDATE has whole seconds: a message is at or after t exactly when it is at or after ⌈t⌉.
    const secondOf = (ms: number) => Math.ceil(ms / 1000);
    const boundaries = [...buckets.map((bucket) => bucket.startMs), range.untilMs].map(secondOf);
    const distinct = [...new Set(boundaries)].sort((a, b) => a - b);
    if (examined.exists < MIN_MESSAGES_PER_BOUNDARY * distinct.length) return undefined;
    const anchors = (await session.lastMessageDates(examined.exists, 2)).map((message) => ({
      uid: message.uid,
      second: Math.floor(message.internalDateMs / 1000),
    }));
    const [first, second] = anchors;
    if (first === undefined || second === undefined) return undefined;
    const counts = await new ClockedCounts(session, clock, [first, second], examined.exists).countAt(
      distinct,
    );
    if (counts === 'not-applicable') return undefined;
    // Mail delivered or expunged meanwhile may sit in some counts and not in others.
    if (session.openMailboxGrew || session.openMailboxShrank) return undefined;
    const atOrAfter = counts === 'unusable' ? undefined : consistentCounts(distinct, counts, examined.exists);
    if (atOrAfter === undefined) {
      warn(
        'server_clock_unusable',
        "The server's WITHIN counts could not be tied to its clock or contradicted each other; counted another way.",
      );
      return undefined;
    }
    return buckets.map(
      (bucket, index) =>
        (atOrAfter.get(secondOf(bucket.startMs)) ?? 0) -
        (atOrAfter.get(boundaries[index + 1] ?? secondOf(range.untilMs)) ?? 0),
    );
  };
}

// Counts at later boundaries can only be smaller, and none larger than the mailbox.
function consistentCounts(
  seconds: readonly number[],
  counts: ReadonlyMap<number, number>,
  exists: number,
): ReadonlyMap<number, number> | undefined {
  let previous = exists;
  for (const second of seconds) {
    const count = counts.get(second);
    if (count === undefined || count > previous) return undefined;
    previous = count;
  }
  return counts;
}

interface PlannedGroup {
  readonly second: number;
  readonly nearTick: boolean;
  readonly boundaries: number[];
  readonly countIndexes: number[];
  leadingProbe: number;
  trailingProbe: number;
}

class ClockedCounts {
  #flights = 0;
  #groupSize = GROUP_SIZE;

  constructor(
    private readonly session: ImapSession,
    private readonly clock: ServerClock,
    private readonly anchors: readonly [Anchor, Anchor],
    private readonly messages: number,
  ) {}

  /** Counts at or after each second, or why not. */
  async countAt(seconds: readonly number[]): Promise<Map<number, number> | 'not-applicable' | 'unusable'> {
    const found = new Map<number, number>();
    let locate = false;
    let locates = 0;
    let keptNothing = 0;
    for (let flight = 0; flight < MAX_FLIGHTS && keptNothing < MAX_FLIGHTS_KEEPING_NOTHING; flight += 1) {
      const pending = seconds.filter((second) => !found.has(second));
      if (pending.length === 0) return found;
      if (locate) {
        // A clock that has to be found again and again (it leaps) is given up on.
        locates += 1;
        if (locates > MAX_LOCATES) return 'unusable';
        const located = await this.#locate();
        if (located !== 'located') return located;
        locate = false;
        keptNothing = 0;
      }
      const before = found.size;
      const flown = await this.#flight(pending, found);
      if (flown === 'not-applicable' || flown === 'unusable') return flown;
      const { outcome, sent } = flown;
      const kept = found.size - before;
      keptNothing = kept === 0 ? keptNothing + 1 : 0;
      if (kept * 2 < sent) this.#groupSize = Math.max(MIN_GROUP_SIZE, this.#groupSize >> 1);
      else if (kept === sent) this.#groupSize = Math.min(GROUP_SIZE, this.#groupSize * 2);
      // No probe found the server in the second predicted: it is a second or more away.
      locate = outcome === 'missed';
    }
    return seconds.every((second) => found.has(second)) ? found : 'unusable';
  }

  // One pipelined flight: groups of counts, each written for its predicted second, between probes.
  // `sent`: how many counts it sent; `missed`: no probe found the server in the second predicted.
  async #flight(
    pending: readonly number[],
    found: Map<number, number>,
  ): Promise<{ outcome: 'sent' | 'missed'; sent: number } | 'not-applicable' | 'unusable'> {
    const halfRoundTripMs = (this.session.roundTripEstimateMs ?? 0) / 2;
    const searchMs = this.clock.searchMs(this.messages);
    // Until a probe has said "at", a small flight: a whole one written for the wrong second is wasted.
    // After that, flights of a second or two: a prediction errs by more the further ahead it looks.
    // The first flight of a mailbox also measures how fast the server searches it: a short one.
    const aheadMs = this.#flights === 0 ? FIRST_FLIGHT_MS : FLIGHT_MS;
    const sending = pending.slice(
      0,
      this.clock.observed ? Math.max(this.#groupSize, Math.floor(aheadMs / searchMs)) : this.#groupSize,
    );
    this.#flights += 1;
    const criteria: string[] = [];
    const probeSeconds = new Map<number, number>();
    const groups: PlannedGroup[] = [];
    const probe = (second: number): number | undefined => {
      const keys = this.#probeKeys(second);
      if (keys === undefined) return undefined;
      probeSeconds.set(criteria.length, second);
      return criteria.push(keys) - 1;
    };
    const sentAt = performance.now();
    let at = sentAt + halfRoundTripMs;
    let group: PlannedGroup | undefined;
    let lastProbe: number | undefined;
    for (const boundary of sending) {
      const middle = at + searchMs / 2;
      const second = this.clock.secondAt(middle);
      // Near a predicted tick, where it may fall on either side, small groups: a group the tick
      // falls in is sent again, and so are its counts only.
      const margin = this.clock.uncertaintyMs(middle - sentAt);
      const nearTick = this.clock.secondAt(middle - margin) !== this.clock.secondAt(middle + margin);
      const size = Math.min(this.#groupSize, nearTick ? NEAR_TICK_GROUP_SIZE : GROUP_SIZE);
      if (
        group === undefined ||
        group.second !== second ||
        group.boundaries.length >= size ||
        group.nearTick !== nearTick
      ) {
        if (group !== undefined) {
          const trailing = probe(group.second);
          if (trailing === undefined) return 'not-applicable';
          group.trailingProbe = trailing;
          lastProbe = trailing;
        }
        const leading =
          lastProbe !== undefined && probeSeconds.get(lastProbe) === second ? lastProbe : probe(second);
        if (leading === undefined) return 'not-applicable';
        group = {
          second,
          nearTick,
          boundaries: [],
          countIndexes: [],
          leadingProbe: leading,
          trailingProbe: -1,
        };
        groups.push(group);
      }
      const interval = second - boundary;
      // A boundary the server has not passed by a second cannot be written as YOUNGER.
      if (interval < 1 || interval > MAX_INTERVAL) return 'not-applicable';
      group.boundaries.push(boundary);
      group.countIndexes.push(criteria.push(`YOUNGER ${interval}`) - 1);
      at += searchMs;
    }
    if (group !== undefined) {
      const trailing = probe(group.second);
      if (trailing === undefined) return 'not-applicable';
      group.trailingProbe = trailing;
    }
    const answeredAt: number[] = [];
    const answers = await this.session.countEach(criteria, (index, atMs) => {
      answeredAt[index] = atMs;
    });
    // Dovecot runs a few pipelined searches at once and answers them together: a command started
    // when the answers before its own were sent, not when its own arrived.
    const answerTimes = [...new Set(answeredAt)].sort((a, b) => a - b);
    const startedAt = (index: number): number => {
      const own = answeredAt[index] ?? performance.now();
      let previous: number | undefined;
      for (const time of answerTimes) if (time < own) previous = time;
      return previous === undefined ? sentAt + halfRoundTripMs : previous - halfRoundTripMs;
    };
    const verdicts = new Map<number, Verdict>();
    // The latest second the probes so far prove the server reached: one said later, then one earlier,
    // means its clock went back (it was set), and the rule that kept a group no longer holds.
    let reached = Number.NEGATIVE_INFINITY;
    let wentBack = false;
    for (const [index, second] of probeSeconds) {
      const count = answers[index];
      if (count === undefined || count > 2) return 'unusable';
      const verdict: Verdict = count === 0 ? '<' : count === 1 ? '=' : '>';
      verdicts.set(index, verdict);
      this.clock.observe(startedAt(index), second, verdict);
      const atMost = verdict === '<' ? second - 1 : verdict === '=' ? second : Number.POSITIVE_INFINITY;
      if (atMost < reached) wentBack = true;
      reached = Math.max(reached, verdict === '>' ? second + 1 : verdict === '=' ? second : reached);
    }
    // Nothing of such a flight is kept; the next one is judged afresh.
    if (wentBack) return { outcome: 'missed', sent: sending.length };
    let firstAnswer = Number.POSITIVE_INFINITY;
    let lastAnswer = Number.NEGATIVE_INFINITY;
    let searches = 0;
    for (const planned of groups) {
      const kept = verdicts.get(planned.leadingProbe) === '=' && verdicts.get(planned.trailingProbe) === '=';
      for (const [position, index] of planned.countIndexes.entries()) {
        const count = answers[index];
        if (count === undefined) return 'unusable';
        searches += 1;
        firstAnswer = Math.min(firstAnswer, answeredAt[index] ?? firstAnswer);
        lastAnswer = Math.max(lastAnswer, answeredAt[index] ?? lastAnswer);
        const boundary = planned.boundaries[position];
        if (kept && boundary !== undefined) found.set(boundary, count);
      }
    }
    this.clock.observeSearchSpeed(this.messages, searches - 1, lastAnswer - firstAnswer);
    return { outcome: [...verdicts.values()].includes('=') ? 'sent' : 'missed', sent: sending.length };
  }

  // Counts 0, 1 or 2 as the server's second is before, at or after `second`: the first anchor matches
  // from `second` on, the second from `second + 1` on (NOT YOUNGER n: dated before now − n).
  #probeKeys(second: number): string | undefined {
    const [a, b] = this.anchors;
    const fromSecond = second - 1 - a.second;
    const fromNext = second - b.second;
    if (Math.min(fromSecond, fromNext) < 1 || Math.max(fromSecond, fromNext) > MAX_INTERVAL) return undefined;
    return `OR (UID ${a.uid} NOT YOUNGER ${fromSecond}) (UID ${b.uid} NOT YOUNGER ${fromNext})`;
  }

  // When a flight met no "at" (the server's clock is seconds or more away from the local one):
  // finds its second with one-anchor probes, "is it at or after s?", in a few flights.
  async #locate(): Promise<'located' | 'not-applicable' | 'unusable'> {
    const [anchor] = this.anchors;
    const halfRoundTripMs = (this.session.roundTripEstimateMs ?? 0) / 2;
    // A probe "at or after s" needs NOT YOUNGER (s − 1 − date) with an interval of at least 1.
    let low = anchor.second + 2;
    let high = low + 2 ** 31;
    let lastFlightAt = performance.now();
    for (let flight = 0; flight < MAX_LOCATING_FLIGHTS; flight += 1) {
      const guess = this.clock.secondAt(performance.now() + halfRoundTripMs);
      // The server's second moved on since the last flight.
      high += Math.ceil((performance.now() - lastFlightAt) / 1000) + 1;
      const thresholds = new Set<number>([low]);
      if (flight === 0) {
        for (let power = 0; power <= 31; power += 1)
          for (const sign of [-1, 1]) thresholds.add(guess + sign * 2 ** power);
        thresholds.add(guess);
      } else if (high - low <= LINEAR_LOCATE_WIDTH) {
        for (let second = low; second <= high; second += 1) thresholds.add(second);
      } else {
        for (let step = 1; step < 32; step += 1) thresholds.add(low + Math.floor(((high - low) * step) / 32));
      }
      // Highest first: a server second that ticks during the flight then only makes later, lower
      // thresholds true, never a lower one false after a higher one was true.
      const asked = [...thresholds].filter((second) => second >= low && second <= high).sort((a, b) => b - a);
      let answeredAt = performance.now();
      const answers = await this.session.countEach(
        asked.map((second) => `UID ${anchor.uid} NOT YOUNGER ${second - 1 - anchor.second}`),
        (_, atMs) => {
          answeredAt = atMs;
        },
      );
      lastFlightAt = performance.now();
      let atOrAfter = low - 1;
      let before = high + 1;
      for (const [index, second] of asked.entries()) {
        const count = answers[index];
        if (count === undefined || count > 1) return 'unusable';
        if (count === 1) atOrAfter = Math.max(atOrAfter, second);
        else before = Math.min(before, second);
      }
      // The lowest threshold is the anchor's date: a server before it has no usable second.
      if (atOrAfter < low) return 'not-applicable';
      if (before <= atOrAfter) return 'unusable';
      low = atOrAfter;
      high = before - 1;
      if (low === high) {
        this.clock.observe(answeredAt - halfRoundTripMs, low, '=');
        return 'located';
      }
    }
    return 'unusable';
  }
}
