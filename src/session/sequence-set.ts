/**
 * Packs ascending UIDs into an IMAP sequence set (RFC 3501 §9 `sequence-set`): `1:5,9,12:14`.
 * Explicit ranges only: `n:*` would also match the highest UID when it is below n.
 *
 * @param uids - Ascending, distinct UIDs.
 * @returns The sequence set.
 */
export function toSequenceSet(uids: readonly number[]): string {
  const parts: string[] = [];
  let start = uids[0];
  let previous = start;
  for (let index = 1; index <= uids.length; index += 1) {
    const uid = uids[index];
    if (uid !== undefined && previous !== undefined && uid === previous + 1) {
      previous = uid;
      continue;
    }
    if (start !== undefined && previous !== undefined)
      parts.push(start === previous ? `${start}` : `${start}:${previous}`);
    start = uid;
    previous = uid;
  }
  return parts.join(',');
}
