import type { ImapFlow } from 'imapflow';
import { internalDateMsOf } from './fetched-fields.js';
import { atom, hasExec, tokenValue } from './imapflow-internals.js';

/**
 * `UID FETCH <set> (UID INTERNALDATE)` through imapflow's command queue with a handler of its own for
 * the rows: imapflow's `fetch()` turns every row into a message object (a hash of the row for an id,
 * flag sets, envelope slots), which is most of its ~25 µs a row; a count needs two fields.
 *
 * @param client - A client with a mailbox open.
 * @param sequenceSet - UIDs as an IMAP sequence set.
 * @param onRow - Called for every FETCH row, with its UID and INTERNALDATE when it has both (an
 *   unsolicited flag update has neither), so the caller can count rows and cap a flood.
 * @returns `false` when imapflow offers no way to send the command (nothing was sent).
 */
export async function fetchInternalDates(
  client: ImapFlow,
  sequenceSet: string,
  onRow: (row: { uid: number; internalDateMs: number } | undefined) => void,
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
        let internalDateMs: number | undefined;
        for (let index = 0; index < items.length - 1; index += 2) {
          const name = tokenValue(items[index])?.toUpperCase();
          const value = tokenValue(items[index + 1]);
          if (name === 'UID') uid = Number(value);
          else if (name === 'INTERNALDATE') internalDateMs = internalDateMsOf(value);
        }
        onRow(
          uid !== undefined && Number.isInteger(uid) && internalDateMs !== undefined
            ? { uid, internalDateMs }
            : undefined,
        );
      },
    },
  });
  response.next();
  return true;
}
