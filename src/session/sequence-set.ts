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

// Dovecot refuses command lines over 64 KiB (`imap_max_line_length`); other servers have like limits.
const MAX_SEQUENCE_SET_LENGTH = 16 * 1024;

/**
 * Packs ascending UIDs into as few sequence sets as keep each command line short enough for any server
 * (a year of mail with scattered gaps packs into more than Dovecot's 64 KiB line limit).
 *
 * @param uids - Ascending, distinct UIDs.
 * @param maxLength - The longest set, in characters.
 * @returns Sequence sets covering the UIDs, in order; none for no UIDs.
 */
export function toSequenceSets(uids: readonly number[], maxLength = MAX_SEQUENCE_SET_LENGTH): string[] {
  const sets: string[] = [];
  const parts = toSequenceSet(uids).split(',');
  let current = '';
  for (const part of parts) {
    if (part === '') continue;
    if (current.length > 0 && current.length + part.length + 1 > maxLength) {
      sets.push(current);
      current = '';
    }
    current = current.length > 0 ? `${current},${part}` : part;
  }
  if (current.length > 0) sets.push(current);
  return sets;
}
