import type { DetectedProtocol } from '../errors/failure-detail.js';

/**
 * Recognises a server's first line when it is not an IMAP greeting, so "you pointed us at your SMTP
 * server" can be said instead of a generic timeout. An IMAP greeting (RFC 3501 §7.1) starts with
 * `* OK`, `* PREAUTH` or `* BYE`.
 *
 * @param firstLine - The first line the server sent.
 * @returns The protocol that answered, or `undefined` when the line is an IMAP greeting.
 */
export function detectNonImapProtocol(firstLine: string): DetectedProtocol | undefined {
  const line = firstLine.trimStart();
  if (/^\*\s+(OK|PREAUTH|BYE)\b/i.test(line)) return undefined;
  if (/^220[\s-]/.test(line) && /SMTP|mail|postfix|exim|sendmail/i.test(line)) return 'smtp';
  if (/^220[\s-]/.test(line) && /FTP/i.test(line)) return 'ftp';
  if (/^220[\s-]/.test(line)) return 'smtp';
  if (/^HTTP\/\d/i.test(line)) return 'http';
  if (/^SSH-\d/.test(line)) return 'ssh';
  if (/^\+OK\b/.test(line)) return 'pop3';
  return 'unknown';
}
