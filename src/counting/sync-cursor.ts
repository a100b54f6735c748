// The incremental cursor: what a count leaves behind so the next one counts only what changed (per
// mailbox UIDVALIDITY and the lowest UID not yet accounted for, the account's watermark time), as an
// opaque, versioned string holding no secret; and the rules that move it forward.
import { createHash } from 'node:crypto';
import type { ImapConnectorConfig } from '../config/config-schema.js';
import type { ImapSession } from '../session/imap-session.js';
import { supersetWindowOf } from './date-windows.js';

const PREFIX = 'imc1.';
const VERSION = 1;
const DAY_MS = 86_400_000;
// The last date IMAP can name (RFC 3501 `date-year` is 4 digits): the open end of "since X" windows.
const LAST_IMAP_DAY_MS = Date.UTC(9999, 11, 31);
// A range that ended this long ago by the client's clock has surely ended by the server's too: no
// server with a working clock is a day off.
const CLOCK_MARGIN_MS = DAY_MS;
// Up to this many messages in the day and a half before a range's end, their dates are read to put the
// floor exactly at the first message dated at or after it (the daily sync: a few hundred rows), so the
// next incremental count reads only new mail.
const EXACT_FLOOR_MAX_UIDS = 5_000;

/**
 * How one mailbox was counted with respect to the cursor.
 *
 * @example
 * ```ts
 * const rescanned = result.mailboxes.filter((m) => m.sync === 'rescan').map((m) => m.path);
 * ```
 */
export type MailboxSync = 'full' | 'incremental' | 'rescan';

/**
 * Why a mailbox was rescanned (its messages after the watermark counted) instead of read from its UID floor.
 *
 * @example
 * ```ts
 * if (mailbox.rescanReason === 'uidvalidity_changed') log(`${mailbox.path} was recreated`);
 * ```
 */
export type RescanReason = 'uidvalidity_changed' | 'mailbox_new';

/**
 * Why a count given a cursor counted the whole range instead (`mode: 'full'`).
 *
 * @example
 * ```ts
 * if (result.fallbackReason === 'cursor_account') throw new Error('stored cursor belongs to another account');
 * ```
 */
export type CursorFallbackReason =
  | 'cursor_invalid'
  | 'cursor_version'
  | 'cursor_account'
  | 'selection_changed'
  | 'uidnext_missing';

/** One mailbox in a cursor. */
export interface CursorMailbox {
  readonly path: string;
  /** `s` sent, `r` received, `-` not counted. */
  readonly counts: 's' | 'r' | '-';
  /** UIDVALIDITY as a decimal string; empty when the mailbox was not opened. */
  readonly uidValidity: string;
  /** Every message with a lower UID was counted or is before the watermark. */
  readonly floorUid: number;
}

/** The decoded content of a cursor. */
export interface CursorState {
  /** Hash of host, port and username: a cursor only applies to the account that made it. */
  readonly account: string;
  /** Messages with an INTERNALDATE before it are history: never counted again. */
  readonly watermarkMs: number;
  readonly mailboxes: readonly CursorMailbox[];
}

/**
 * The identity a cursor is bound to: a hash of host, port and username (no password, no secret), so a
 * cursor stored for one account is never applied to another.
 *
 * @param config - The validated configuration.
 * @returns 16 hex digits.
 */
export function accountIdentityOf(config: ImapConnectorConfig): string {
  return createHash('sha256')
    .update(`${config.host.toLowerCase()}\u0000${config.port}\u0000${config.username}`)
    .digest('hex')
    .slice(0, 16);
}

/**
 * Serialises a cursor: `imc1.` and base64url JSON. Hosts store it as an opaque string.
 *
 * @param state - The cursor content.
 * @returns The cursor string.
 */
export function encodeCursor(state: CursorState): string {
  const json = JSON.stringify({
    v: VERSION,
    a: state.account,
    w: Math.floor(state.watermarkMs),
    m: state.mailboxes.map((mailbox) => [
      mailbox.path,
      mailbox.counts,
      mailbox.uidValidity,
      mailbox.floorUid,
    ]),
  });
  return `${PREFIX}${Buffer.from(json, 'utf8').toString('base64url')}`;
}

/** A cursor as read back: its state, or why it cannot be used. */
export type DecodedCursor =
  | { readonly ok: true; readonly state: CursorState }
  | { readonly ok: false; readonly reason: CursorFallbackReason; readonly message: string };

/**
 * Reads a cursor string back, checking its version, shape and account.
 *
 * @param cursor - From an earlier result's `cursor`.
 * @param account - {@link accountIdentityOf} the connector counting now.
 * @returns The state, or the fallback reason.
 */
export function decodeCursor(cursor: string, account: string): DecodedCursor {
  const versioned = /^imc(\d+)\./.exec(cursor);
  if (versioned !== null && versioned[1] !== String(VERSION)) {
    return {
      ok: false,
      reason: 'cursor_version',
      message: `The cursor is of version ${versioned[1]}; this release reads version ${VERSION}.`,
    };
  }
  const state = versioned === null ? undefined : parseState(cursor.slice(PREFIX.length));
  if (state === undefined) {
    return {
      ok: false,
      reason: 'cursor_invalid',
      message: 'The cursor is not one this SDK wrote (damaged or truncated?).',
    };
  }
  if (state.account !== account) {
    return {
      ok: false,
      reason: 'cursor_account',
      message: 'The cursor was made for another account (host, port or username differ).',
    };
  }
  return { ok: true, state };
}

function parseState(encoded: string): CursorState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { v, a, w, m } = value as Record<string, unknown>;
  if (v !== VERSION || typeof a !== 'string' || !Number.isSafeInteger(w) || !Array.isArray(m))
    return undefined;
  const mailboxes: CursorMailbox[] = [];
  for (const entry of m) {
    if (!Array.isArray(entry) || entry.length !== 4) return undefined;
    const [path, counts, uidValidity, floorUid] = entry as unknown[];
    if (typeof path !== 'string' || (counts !== 's' && counts !== 'r' && counts !== '-')) return undefined;
    if (typeof uidValidity !== 'string' || !Number.isSafeInteger(floorUid) || (floorUid as number) < 1)
      return undefined;
    mailboxes.push({ path, counts, uidValidity, floorUid: floorUid as number });
  }
  return { account: a, watermarkMs: w as number, mailboxes };
}

/**
 * Whether the server's clock has surely passed an instant when the count starts, judged by the client's
 * clock with a day of margin. If so, the watermark can be the range's end; if not, it must be a time
 * the server is known to have reached (the newest INTERNALDATE seen).
 *
 * @param instantMs - Usually the range's end.
 * @param nowMs - The client's clock.
 * @returns `true` when `instantMs` is more than a day in the past.
 */
export function surelyPast(instantMs: number, nowMs: number): boolean {
  return instantMs <= nowMs - CLOCK_MARGIN_MS;
}

// A pipelined count of a range that ended within this long reads its cursor floors from the dates it
// fetches anyway (an open-ended window: at most a week of mail more); an older range searches each
// floor instead, alongside the batch, as a week of rows would then cost more than that search, which
// scans every INTERNALDATE of the mailbox (~40 ms for 65k messages on Dovecot, each mailbox).
const FLOOR_FROM_DATES_MAX_AGE_MS = 7 * DAY_MS;

/**
 * Whether a pipelined full count finds each mailbox's cursor floor with a search of its own in the batch
 * (`UID SEARCH RETURN (MIN)` of {@link floorWindowOf}), rather than from the dates of an open-ended
 * window ({@link openEndedWindowOf}, {@link FloorOfDates}): only for a range that ended over a week ago
 * by the client's clock (and so surely ended for the server, see {@link surelyPast}).
 *
 * @example
 * ```ts
 * floorSearchedInBatch(Date.UTC(2026, 0, 1), Date.UTC(2026, 5, 1)); // true: the floor window is searched
 * floorSearchedInBatch(Date.UTC(2026, 4, 30), Date.UTC(2026, 5, 1)); // false: the dates give the floor
 * ```
 *
 * @param untilMs - The range's end.
 * @param nowMs - The client's clock when the count started.
 * @returns `true` when the floor is searched.
 */
export function floorSearchedInBatch(untilMs: number, nowMs: number): boolean {
  return untilMs <= nowMs - FLOOR_FROM_DATES_MAX_AGE_MS;
}

/**
 * The next watermark. Mail delivered after this count gets an INTERNALDATE at or after the server's
 * time now, so the watermark may be any time the server has reached, and never past the range's end
 * (mail of `[watermark, until)` not yet delivered must still count next time): the range's end when it
 * is surely past, else a time the server had reached when the count opened its first mailbox
 * ({@link ServerTimeReached}). It never moves back, and never before
 * `since` (mail before the range that arrives later is history the host chose not to count).
 *
 * @param previousMs - The watermark of the cursor given, if any.
 * @param range - The counted range.
 * @param newestSeenMs - Newest INTERNALDATE seen in the first mailbox opened, if any.
 * @param nowMs - The client's clock.
 * @returns The new watermark.
 */
export function nextWatermark(
  previousMs: number | undefined,
  range: { readonly sinceMs: number; readonly untilMs: number },
  newestSeenMs: number | undefined,
  nowMs: number,
): number {
  const reached = surelyPast(range.untilMs, nowMs)
    ? range.untilMs
    : Math.min(range.untilMs, newestSeenMs ?? Number.NEGATIVE_INFINITY);
  return Math.max(previousMs ?? Number.NEGATIVE_INFINITY, range.sinceMs, reached);
}

/**
 * A time the server's clock had surely reached when a count opened its first mailbox, from the
 * INTERNALDATEs it reads: a message read at client time t is dated at most the server's time then,
 * and clocks run at the same rate, so its date minus the time elapsed since the count started is at
 * most the server's time at the start; a second less covers INTERNALDATE's whole seconds. Mail
 * delivered after the first EXAMINE is therefore dated at or after it, whichever mailbox it lands in.
 *
 * @example
 * ```ts
 * const reached = new ServerTimeReached();
 * reached.observe(newestDateReadMs);
 * nextWatermark(previous, range, reached.valueMs, Date.now());
 * ```
 */
export class ServerTimeReached {
  readonly #startedAt = performance.now();
  #valueMs: number | undefined;

  /** @param newestMs - The newest INTERNALDATE just read, if any. */
  observe(newestMs: number | undefined): void {
    if (newestMs === undefined) return;
    const reachedMs = Math.floor(newestMs - (performance.now() - this.#startedAt) - 1000);
    this.#valueMs = Math.max(this.#valueMs ?? reachedMs, reachedMs);
  }

  /** The bound, or undefined when no date was read. */
  get valueMs(): number | undefined {
    return this.#valueMs;
  }
}

/** The UID floor of one mailbox after a full count, and the newest INTERNALDATE seen on the way. */
export interface MailboxFloor {
  readonly floorUid: number;
  readonly newestMs: number | undefined;
}

/**
 * The date window whose messages may be dated at or after the range's end: the one a full count's
 * floor is searched in (also sent inside the pipelined batch, so it costs no round trip of its own).
 *
 * @example
 * ```ts
 * floorWindowOf({ untilMs: Date.UTC(2026, 0, 1) }); // { sinceDayMs: 30 Dec 2025, beforeDayMs: 31 Dec 9999 }
 * ```
 *
 * @param range - The counted range.
 * @returns The window.
 */
export function floorWindowOf(range: { readonly untilMs: number }): {
  sinceDayMs: number;
  beforeDayMs: number;
} {
  return {
    sinceDayMs: supersetWindowOf(range.untilMs, range.untilMs + 1).sinceDayMs,
    beforeDayMs: LAST_IMAP_DAY_MS,
  };
}

/**
 * The window of a pipelined batch that also reads the cursor's floor (a range that has not surely
 * ended, see {@link FloorOfDates}): the range's superset window (`supersetWindowOf`), open-ended, so the
 * one `UID FETCH` of its dates also reads every message dated after the range.
 *
 * @example
 * ```ts
 * openEndedWindowOf({ sinceMs: Date.UTC(2026, 0, 1) }); // { sinceDayMs: 31 Dec 2025, beforeDayMs: 31 Dec 9999 }
 * ```
 *
 * @param range - The counted range.
 * @returns The window.
 */
export function openEndedWindowOf(range: { readonly sinceMs: number }): {
  sinceDayMs: number;
  beforeDayMs: number;
} {
  return {
    sinceDayMs: supersetWindowOf(range.sinceMs, range.sinceMs + 1).sinceDayMs,
    beforeDayMs: LAST_IMAP_DAY_MS,
  };
}

/**
 * A mailbox's floor read from dates a count fetched anyway (a pipelined batch over
 * {@link openEndedWindowOf}), with no search or round trip of its own. The same floor as
 * {@link fullCountFloor} reading dates: every message dated at or after `until` is in both windows, so
 * the lowest UID among them (or UIDNEXT when none) is the same; a date that cannot be read might be after
 * `until`, so its UID is a floor too; and the newest date read is a time the server had reached.
 *
 * @example
 * ```ts
 * const floor = new FloorOfDates(range.untilMs);
 * for (const row of rows) floor.add(row.uid, row.internalDateSeconds);
 * floor.result(examined.uidNext, malformedUids); // { floorUid, newestMs }
 * ```
 */
export class FloorOfDates {
  readonly #untilMs: number;
  #floorUid = Number.POSITIVE_INFINITY;
  #newestSeconds: number | undefined;

  /** @param untilMs - The counted range's end. */
  constructor(untilMs: number) {
    this.#untilMs = untilMs;
  }

  /**
   * @param uid - A message read.
   * @param internalDateSeconds - Its INTERNALDATE, epoch seconds, as dated FETCH rows hand it (the
   *   newest is kept in seconds too: a small integer, so a row allocates nothing).
   */
  add(uid: number, internalDateSeconds: number): void {
    if (this.#newestSeconds === undefined || internalDateSeconds > this.#newestSeconds)
      this.#newestSeconds = internalDateSeconds;
    if (internalDateSeconds * 1000 >= this.#untilMs && uid < this.#floorUid) this.#floorUid = uid;
  }

  /**
   * @param uidNext - UIDNEXT at EXAMINE, `null` when the server did not say (floor 1: a full read next time).
   * @param malformedUids - Messages whose date could not be read.
   * @returns The floor and the newest date read.
   */
  result(uidNext: number | null, malformedUids: readonly number[]): MailboxFloor {
    // RFC 3501 §6.3.1 requires UIDNEXT; a server without it gets floor 1, and a full count next time.
    if (uidNext === null || !Number.isSafeInteger(uidNext) || uidNext < 1)
      return { floorUid: 1, newestMs: undefined };
    const floorUid = Math.min(uidNext, this.#floorUid, ...malformedUids);
    return {
      floorUid,
      newestMs: this.#newestSeconds === undefined ? undefined : this.#newestSeconds * 1000,
    };
  }
}

/**
 * After a full count of an open mailbox, the lowest UID the next incremental count must read: UIDNEXT,
 * or lower when messages dated at or after the range's end (not counted now) are already there, e.g.
 * mail of this morning when yesterday was counted. Found by a date-only search from a day and a half
 * before `until` (RFC 3501 SINCE is server-local: the superset window covers every server zone); their
 * exact dates are read when there are at most 5,000 of them, or when the watermark may fall before
 * `until` (a range that has not ended).
 *
 * @param session - The session, with the mailbox open.
 * @param uidNext - UIDNEXT at EXAMINE.
 * @param range - The counted range.
 * @param nowMs - The client's clock.
 * @returns The floor, and the newest INTERNALDATE read (when dates were read).
 */
export async function fullCountFloor(
  session: ImapSession,
  uidNext: number,
  range: { readonly sinceMs: number; readonly untilMs: number },
  nowMs: number,
): Promise<MailboxFloor> {
  // RFC 3501 §6.3.1 requires UIDNEXT; a server without it gets floor 1, and a full count next time.
  if (!Number.isSafeInteger(uidNext) || uidNext < 1) return { floorUid: 1, newestMs: undefined };
  const uids = await session.searchByDate(floorWindowOf(range));
  if (surelyPast(range.untilMs, nowMs) && uids.length > EXACT_FLOOR_MAX_UIDS) {
    // The watermark is `until`: a message of the window counted now is before it and never counted
    // again, so the window's lowest UID is a safe floor without reading dates (an old range's end:
    // reading every date since would cost more than re-reading them once, next time).
    return { floorUid: Math.min(uidNext, uids.at(0) ?? uidNext), newestMs: undefined };
  }
  let floorUid = uidNext;
  let newestMs: number | undefined;
  await session.fetchDates(uids, { identity: false }, (message) => {
    newestMs = Math.max(newestMs ?? message.internalDateMs, message.internalDateMs);
    if (message.internalDateMs >= range.untilMs) floorUid = Math.min(floorUid, message.uid);
  });
  // A date that cannot be read might be after `until`: read that message again next time.
  for (const malformed of session.takeMalformedDates(session.selectedPath ?? ''))
    floorUid = Math.min(floorUid, malformed.uid);
  return { floorUid, newestMs };
}
