/** Writes an account's INBOX as Maildir files before Dovecot first reads it: ~100× faster than APPEND. */
import { chownSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DovecotEndpoint, MailUser } from './dovecot/dovecot-server.js';

/**
 * Puts messages into an account's INBOX as files, before the account's first login (Dovecot indexes
 * them then): a message's INTERNALDATE is its file's mtime, and UIDs follow the order given (Dovecot
 * assigns new files UIDs in file-name order). For mailboxes too big to seed with APPEND in a test.
 *
 * @param endpoint - The server.
 * @param user - The account, not logged in yet.
 * @param datesMs - Each message's INTERNALDATE (whole seconds), in UID order.
 */
export function writeInboxFiles(endpoint: DovecotEndpoint, user: MailUser, datesMs: readonly number[]): void {
  const homes = path.join(path.dirname(endpoint.passwdDirectory), 'home');
  const home = path.join(homes, user.username);
  // The instance made `home` its mail account's (when the tests run as root).
  const owner = statSync(homes);
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(path.join(home, 'Maildir', sub), { recursive: true });
  datesMs.forEach((dateMs, index) => {
    const body = Buffer.from(
      `Message-ID: <file-${index}@example.test>\r\nFrom: seed@example.test\r\nTo: user@example.test\r\nSubject: seed ${index}\r\n\r\nseed\r\n`,
    );
    // "<seconds>.M<usec>P<pid>.<host>,S=<size>:2,": Dovecot sorts new files by the leading number.
    const file = path.join(home, 'Maildir', 'cur', `${1_000_000_000 + index}.M0P1.test,S=${body.length}:2,`);
    writeFileSync(file, body);
    utimesSync(file, dateMs / 1000, dateMs / 1000);
  });
  // Dovecot reads mail as that account.
  for (const entry of [home, ...walk(home)]) chownSync(entry, owner.uid, owner.gid);
}

function walk(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    return entry.isDirectory() ? [full, ...walk(full)] : [full];
  });
}
