/** Mailbox names as an IMAP command carries them: modified UTF-7 (RFC 3501 §5.1.3), quoted. */

// RFC 3501 §5.1.3: printable US-ASCII stands for itself, "&" is "&-", anything else is base64 of
// UTF-16BE with "," for "/", between "&" and "-".
const PRINTABLE_ASCII = /^[\x20-\x25\x27-\x7e]$/;

/**
 * Encodes a mailbox name (as listed, decoded) for a command, quoted.
 *
 * @example
 * ```ts
 * quotedMailboxName('Entwürfe'); // '"Entw&APw-rfe"'
 * ```
 *
 * @param name - The decoded name.
 * @returns The quoted string to send, or `undefined` for a name a quoted string cannot carry (CR, LF, NUL).
 */
export function quotedMailboxName(name: string): string | undefined {
  if (/[\r\n\0]/.test(name)) return undefined;
  let encoded = '';
  let pending = '';
  const flush = () => {
    if (pending.length === 0) return;
    const bytes = Buffer.alloc(pending.length * 2);
    for (let index = 0; index < pending.length; index += 1)
      bytes.writeUInt16BE(pending.charCodeAt(index), index * 2);
    encoded += `&${bytes.toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
    pending = '';
  };
  for (const character of name) {
    if (character === '&') {
      flush();
      encoded += '&-';
    } else if (PRINTABLE_ASCII.test(character)) {
      flush();
      encoded += character;
    } else {
      pending += character;
    }
  }
  flush();
  return `"${encoded.replace(/[\\"]/g, (character) => `\\${character}`)}"`;
}
