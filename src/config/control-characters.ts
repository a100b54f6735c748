/** Which control characters a connection field may hold: the one rule for validation and connect time. */

// C0, DEL and C1.
// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
// The same without TAB: a password may hold one, IMAP carries it in a quoted string (RFC 3501 §9
// TEXT-CHAR); CR and LF cannot be sent that way, NUL not at all, and the rest are copy-paste noise.
// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control characters is the point
const PASSWORD_CONTROL_CHARACTER = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;

/**
 * Whether a text holds a control character (C0, DEL or C1: CR, LF, NUL, TAB, ESC, ...), which no host
 * name, user name or certificate name can contain and which would break the IMAP command it is sent in.
 *
 * @param text - A field value.
 * @returns `true` when one is present.
 *
 * @example
 * ```ts
 * hasControlCharacter('alice@example.com\r\n'); // true
 * ```
 */
export function hasControlCharacter(text: string): boolean {
  return CONTROL_CHARACTER.test(text);
}

/**
 * {@link hasControlCharacter} for a password, which may hold a TAB.
 *
 * @param password - The password.
 * @returns `true` when it holds a control character other than TAB.
 *
 * @example
 * ```ts
 * hasPasswordControlCharacter('tab\tinside'); // false
 * hasPasswordControlCharacter('from-a-file\n'); // true
 * ```
 */
export function hasPasswordControlCharacter(password: string): boolean {
  return PASSWORD_CONTROL_CHARACTER.test(password);
}
