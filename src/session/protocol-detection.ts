/** Recognises, from the first line a server sends, that it is not an IMAP server and what it is. */
import type { DetectedProtocol } from '../errors/failure-detail.js';

// Enough of a first line to tell the protocols apart; the rest is never needed.
const FIRST_LINE_PREFIX_BYTES = 512;

/**
 * Recognises a server's first line when it is not an IMAP greeting, so "you pointed us at your SMTP
 * server" can be said at once instead of a timeout later. An IMAP greeting (RFC 3501 §7.1, RFC 9051
 * §7.1) is an untagged `* OK`, `* PREAUTH` or `* BYE`; anything else is not IMAP.
 *
 * @param firstLine - The first line the server sent.
 * @returns The protocol that answered, or `undefined` when the line is an IMAP greeting.
 *
 * @example
 * ```ts
 * detectNonImapProtocol('220 mail.example.com ESMTP Postfix'); // 'smtp'
 * detectNonImapProtocol('* OK [CAPABILITY IMAP4rev1] ready'); // undefined
 * ```
 */
export function detectNonImapProtocol(firstLine: string): DetectedProtocol | undefined {
  const line = firstLine.trimStart();
  if (/^\*\s+(OK|PREAUTH|BYE)\b/i.test(line)) return undefined;
  // RFC 5321 §4.2: a three-digit reply code; 220 is the greeting, 421/554 a refusal at connect.
  if (/^(220|421|554)[\s-]/.test(line)) return /\bFTP/i.test(line) ? 'ftp' : 'smtp';
  if (/^HTTP\/\d/i.test(line) || /^<(!doctype|html)\b/i.test(line)) return 'http';
  if (/^SSH-\d/.test(line)) return 'ssh';
  // RFC 1939 §4: a POP3 greeting is a positive "+OK".
  if (/^\+OK\b/i.test(line)) return 'pop3';
  return 'unknown';
}

/**
 * {@link detectNonImapProtocol} for a raw response line as the session receives it.
 *
 * @param line - The first response line, as bytes.
 * @returns The protocol that answered, or `undefined` for an IMAP greeting.
 *
 * @example
 * ```ts
 * detectNonImapProtocolOfBytes(Buffer.from('SSH-2.0-OpenSSH_9.2p1')); // 'ssh'
 * ```
 */
export function detectNonImapProtocolOfBytes(line: Buffer): DetectedProtocol | undefined {
  return detectNonImapProtocol(line.toString('latin1', 0, FIRST_LINE_PREFIX_BYTES));
}

const DESCRIPTIONS: Readonly<Record<DetectedProtocol, string>> = {
  smtp: 'it answered like an SMTP (outgoing mail) server',
  http: 'it answered like a web (HTTP) server',
  ssh: 'it answered like an SSH server',
  pop3: 'it answered like a POP3 server',
  ftp: 'it answered like an FTP server',
  tls: 'it expects TLS on this port',
  unknown: 'its first line is not an IMAP greeting',
};

/**
 * Says in words what answered instead of an IMAP server, for the `<body excerpt>` of `NOT_IMAP_SERVER`.
 *
 * @param protocol - What {@link detectNonImapProtocol} found.
 * @returns A short clause, e.g. `it answered like an SMTP (outgoing mail) server`.
 *
 * @example
 * ```ts
 * describeDetectedProtocol('pop3'); // 'it answered like a POP3 server'
 * ```
 */
export function describeDetectedProtocol(protocol: DetectedProtocol): string {
  return DESCRIPTIONS[protocol];
}
