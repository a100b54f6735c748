import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SeededMailbox } from './seed-model.js';

const CACHE_ROOT = fileURLToPath(new URL('.cache/', import.meta.url));
const FORMAT_VERSION = 1;

/**
 * The Maildir of a seeded mailbox, written once and reused by later runs (with Dovecot's indexes, which
 * the first run builds). Writing files directly is ~100× faster than APPEND; Dovecot's maildir takes a
 * message's INTERNALDATE from the file's mtime and assigns UIDs to new files in file-name order, so the
 * names carry the append order and the mtimes the dates.
 *
 * @param seed - The mailboxes.
 * @param key - Names the cache entry (size and seed).
 * @returns The Maildir path.
 */
export function cachedMaildir(seed: readonly SeededMailbox[], key: string): string {
  const directory = path.join(CACHE_ROOT, `maildir-${key}-v${FORMAT_VERSION}`);
  const maildir = path.join(directory, 'Maildir');
  if (existsSync(path.join(directory, 'complete'))) return maildir;
  rmSync(directory, { recursive: true, force: true });
  const partial = `${directory}.partial`;
  rmSync(partial, { recursive: true, force: true });
  const partialMaildir = path.join(partial, 'Maildir');
  for (const mailbox of seed) writeMailbox(partialMaildir, mailbox);
  writeFileSync(path.join(partial, 'complete'), new Date().toISOString());
  renameSync(partial, directory);
  return maildir;
}

function writeMailbox(maildir: string, mailbox: SeededMailbox): void {
  const folder = mailbox.path === 'INBOX' ? maildir : path.join(maildir, `.${mailbox.path}`);
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(path.join(folder, sub), { recursive: true });
  if (mailbox.path !== 'INBOX') writeFileSync(path.join(folder, 'maildirfolder'), '');
  mailbox.datesMs.forEach((dateMs, index) => {
    const body = messageText(mailbox.path, index, dateMs);
    // "<seconds>.M<usec>P<pid>.<host>,S=<size>:2,": Dovecot sorts new files by the leading number.
    const name = `${1_000_000_000 + index}.M0P1.bench,S=${body.length}:2,S`;
    const file = path.join(folder, 'cur', name);
    writeFileSync(file, body);
    const seconds = dateMs / 1000;
    utimesSync(file, seconds, seconds);
  });
}

function messageText(mailbox: string, index: number, dateMs: number): Buffer {
  return Buffer.from(
    `Message-ID: <${mailbox.toLowerCase()}-${index}@bench.example>\r\nFrom: sender${index % 97}@example.com\r\nTo: user@example.com\r\nSubject: Bench message ${index}\r\nDate: ${new Date(dateMs).toUTCString()}\r\nContent-Type: text/plain\r\n\r\nHello, this is message ${index} of ${mailbox}.\r\n`,
  );
}

/**
 * Gives the Maildir to the account Dovecot reads mail as (its own user when the bench runs as root).
 *
 * @param maildir - The Maildir.
 * @param uid - Owner.
 * @param gid - Group.
 */
export function chownMaildir(maildir: string, uid: number, gid: number): void {
  execFileSync('chown', ['-R', `${uid}:${gid}`, path.dirname(maildir)]);
}
