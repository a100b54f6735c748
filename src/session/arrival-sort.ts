import type { ImapFlow } from 'imapflow';
import { atom, hasExec, tokenValue } from './imapflow-internals.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 3501 `date` of a UTC midnight: `1-Feb-2026`. */
function imapDateOf(dayMs: number): string {
  const day = new Date(dayMs);
  return `${day.getUTCDate()}-${MONTHS[day.getUTCMonth()]}-${day.getUTCFullYear()}`;
}

/** What an ESORT `RETURN (MIN MAX COUNT)` tells: the first and last message in arrival order, and how many. */
export interface ArrivalSummary {
  readonly count: number;
  readonly firstUid: number | undefined;
  readonly lastUid: number | undefined;
}

/**
 * Runs `UID SORT (ARRIVAL)` (RFC 5256; ARRIVAL is the INTERNALDATE) over a date-only window, with
 * `RETURN (ALL)` when the server has ESORT (RFC 5267: the answer is a compact sequence set in sort
 * order) and as a plain SORT otherwise (one number per message).
 *
 * imapflow has no SORT API; its command queue (`exec`, present at run time in imapflow 2.10, not typed)
 * is the one way in that keeps its one-command-at-a-time ordering.
 *
 * @param client - A client with a mailbox open.
 * @param window - UTC midnights; SINCE/BEFORE compare dates only, in the server's zone.
 * @param esort - Whether the server advertises ESORT.
 * @returns UIDs in arrival order; `undefined` when imapflow offers no way to send the command.
 */
export async function sortUidsByArrival(
  client: ImapFlow,
  window: { sinceDayMs: number; beforeDayMs: number },
  esort: boolean,
): Promise<number[] | undefined> {
  if (!hasExec(client)) return undefined;
  const criteria = [
    atom('SINCE'),
    atom(imapDateOf(window.sinceDayMs)),
    atom('BEFORE'),
    atom(imapDateOf(window.beforeDayMs)),
  ];
  let uids: number[] = [];
  const response = await client.exec(
    'UID SORT',
    [...(esort ? [atom('RETURN'), [atom('ALL')]] : []), [atom('ARRIVAL')], atom('US-ASCII'), ...criteria],
    {
      untagged: {
        SORT: async (untagged) => {
          for (const token of untagged.attributes ?? []) {
            const value = Number(tokenValue(token));
            if (Number.isInteger(value) && value > 0) uids.push(value);
          }
        },
        ESEARCH: async (untagged) => {
          const all = esearchItem(untagged.attributes ?? [], 'ALL');
          uids = all === undefined ? [] : orderedSequenceSet(all);
        },
      },
    },
  );
  response.next();
  return uids;
}

/**
 * `UID SORT RETURN (MIN MAX COUNT) (ARRIVAL)` (RFC 5267): the earliest and latest message of a window
 * and how many it holds, without the list.
 *
 * @param client - A client with a mailbox open.
 * @param window - UTC midnights.
 * @returns The summary; `undefined` when imapflow offers no way to send the command.
 */
export async function summarizeByArrival(
  client: ImapFlow,
  window: { sinceDayMs: number; beforeDayMs: number },
): Promise<ArrivalSummary | undefined> {
  if (!hasExec(client)) return undefined;
  let summary: ArrivalSummary = { count: 0, firstUid: undefined, lastUid: undefined };
  const response = await client.exec(
    'UID SORT',
    [
      atom('RETURN'),
      [atom('MIN'), atom('MAX'), atom('COUNT')],
      [atom('ARRIVAL')],
      atom('US-ASCII'),
      atom('SINCE'),
      atom(imapDateOf(window.sinceDayMs)),
      atom('BEFORE'),
      atom(imapDateOf(window.beforeDayMs)),
    ],
    {
      untagged: {
        ESEARCH: async (untagged) => {
          const attributes = untagged.attributes ?? [];
          const number = (name: string) => {
            const value = Number(esearchItem(attributes, name));
            return Number.isInteger(value) && value > 0 ? value : undefined;
          };
          summary = { count: number('COUNT') ?? 0, firstUid: number('MIN'), lastUid: number('MAX') };
        },
      },
    },
  );
  response.next();
  return summary;
}

// RFC 4731 §3: `* ESEARCH (TAG "A1") UID ALL 4:6,1 COUNT 4` — items are name/value pairs after the
// correlator and the UID marker.
function esearchItem(attributes: readonly unknown[], name: string): string | undefined {
  for (let index = 0; index < attributes.length - 1; index += 1) {
    if (tokenValue(attributes[index])?.toUpperCase() === name) return tokenValue(attributes[index + 1]);
  }
  return undefined;
}

/**
 * Expands an ESORT sequence set, keeping its order (RFC 5267 §3.2: the set lists messages in sort
 * order; `a:b` with a > b is a descending run).
 *
 * @param set - E.g. `7:9,3,12:10`.
 * @returns The numbers in the order given.
 */
export function orderedSequenceSet(set: string): number[] {
  const numbers: number[] = [];
  for (const part of set.split(',')) {
    const [first, last] = part.split(':');
    const start = Number(first);
    const end = last === undefined ? start : Number(last);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 1 || end < 1) continue;
    const step = end >= start ? 1 : -1;
    for (let value = start; value !== end + step; value += step) numbers.push(value);
  }
  return numbers;
}
