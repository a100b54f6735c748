import type { ImapFlow } from 'imapflow';
import { internalDateMsOf } from './fetched-fields.js';
import { atom, hasExec, tokenValue } from './imapflow-internals.js';

/** One FETCH row of the lean path: a date, or the text of one that does not parse. */
export type LeanFetchRow =
  | { readonly uid: number; readonly internalDateMs: number }
  | { readonly uid: number; readonly malformedDate: string };

/**
 * `UID FETCH <set> (UID INTERNALDATE)` through imapflow's command queue with a handler of its own for
 * the rows: imapflow's `fetch()` turns every row into a message object (a hash of the row for an id,
 * flag sets, envelope slots), which is most of its ~25 µs a row; a count needs two fields.
 *
 * @param client - A client with a mailbox open.
 * @param sequenceSet - UIDs as an IMAP sequence set.
 * @param onRow - Called for every FETCH row: with its UID and INTERNALDATE when it has both, with the
 *   raw text of an INTERNALDATE that does not parse (so it is reported, not dropped), or with
 *   `undefined` for a row without one (an unsolicited flag update), so the caller can count rows and
 *   cap a flood.
 * @returns `false` when imapflow offers no way to send the command (nothing was sent).
 */
export async function fetchInternalDates(
  client: ImapFlow,
  sequenceSet: string,
  onRow: (row: LeanFetchRow | undefined) => void,
): Promise<boolean> {
  if (!hasExec(client)) return false;
  const response = await client.exec('UID FETCH', [atom(sequenceSet), [atom('UID'), atom('INTERNALDATE')]], {
    untagged: {
      FETCH: async (untagged) => {
        // `* 12 FETCH (UID 45 INTERNALDATE "01-Feb-2026 10:00:00 +0100")`
        const items = untagged.attributes?.[1];
        if (!Array.isArray(items)) {
          onRow(undefined);
          return;
        }
        let uid: number | undefined;
        let rawDate: string | undefined;
        for (let index = 0; index < items.length - 1; index += 2) {
          const name = tokenValue(items[index])?.toUpperCase();
          const value = tokenValue(items[index + 1]);
          if (name === 'UID') uid = Number(value);
          else if (name === 'INTERNALDATE') rawDate = value ?? '';
        }
        if (uid === undefined || !Number.isInteger(uid) || rawDate === undefined) {
          onRow(undefined);
          return;
        }
        const internalDateMs = internalDateMsOf(rawDate);
        onRow(internalDateMs === undefined ? { uid, malformedDate: rawDate } : { uid, internalDateMs });
      },
    },
  });
  response.next();
  return true;
}
