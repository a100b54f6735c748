import type { DovecotEndpoint, MailUser } from './dovecot/dovecot-server.js';
import { encodeMailboxName, quoted, RawImapClient } from './raw-imap-client.js';

/** One message to put into a mailbox, with the INTERNALDATE the server must record. */
export interface SeedMessage {
  readonly mailbox: string;
  /** The instant, in ms since the epoch. */
  readonly atMs: number;
  /** The UTC offset the INTERNALDATE is written with, in minutes (e.g. 345 for +05:45). Default 0. */
  readonly offsetMinutes?: number;
  /** Default: a unique one. Copies of one message share it. */
  readonly messageId?: string;
  readonly flags?: readonly string[];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (value: number) => String(value).padStart(2, '0');
let messageCounter = 0;

/**
 * The RFC 3501 date-time for an instant written in a given offset, e.g. `"01-Jan-2026 05:45:00 +0545"`.
 * Written here from plain arithmetic so that seeds do not depend on the code under test.
 *
 * @param atMs - The instant.
 * @param offsetMinutes - The offset to write it in.
 * @returns The date-time text.
 */
export function imapDateTime(atMs: number, offsetMinutes = 0): string {
  const local = new Date(atMs + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const magnitude = Math.abs(offsetMinutes);
  return `${pad(local.getUTCDate())}-${MONTHS[local.getUTCMonth()]}-${local.getUTCFullYear()} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())} ${sign}${pad(Math.floor(magnitude / 60))}${pad(magnitude % 60)}`;
}

/**
 * Creates mailboxes (if missing) and subscribes them, as a mail client creating a folder does, then
 * APPENDs the messages with their INTERNALDATEs, pipelined. This is the test's own writing; the code
 * under test only ever reads.
 *
 * @param endpoint - The server.
 * @param user - The account.
 * @param messages - What to append.
 * @param createMailboxes - Extra mailboxes to create first.
 */
export async function seedMailboxes(
  endpoint: DovecotEndpoint,
  user: MailUser,
  messages: readonly SeedMessage[],
  createMailboxes: readonly string[] = [],
): Promise<void> {
  const client = await RawImapClient.login(endpoint.plainPort, user.username, user.password);
  try {
    for (const mailbox of createMailboxes) {
      await client.command(`CREATE ${quoted(encodeMailboxName(mailbox))}`, undefined, true);
      await client.command(`SUBSCRIBE ${quoted(encodeMailboxName(mailbox))}`, undefined, true);
    }
    const appends = messages.map((message) => {
      messageCounter += 1;
      const messageId = message.messageId ?? `<seed-${process.pid}-${messageCounter}@example.test>`;
      const body = Buffer.from(
        `Message-ID: ${messageId}\r\nFrom: seed@example.test\r\nTo: user@example.test\r\nSubject: seed ${messageCounter}\r\nDate: Thu, 1 Jan 2026 00:00:00 +0000\r\n\r\nseed\r\n`,
      );
      const flags = message.flags?.length ? `(${message.flags.join(' ')}) ` : '';
      const date = quoted(imapDateTime(message.atMs, message.offsetMinutes ?? 0));
      return client.command(`APPEND ${quoted(encodeMailboxName(message.mailbox))} ${flags}${date}`, body);
    });
    await Promise.all(appends);
  } finally {
    await client.logout();
  }
}

/** Every message's UID, flags and INTERNALDATE, per mailbox, as the server reports them. */
export type MailboxSnapshot = Record<string, { uidValidity: string; uidNext: string; messages: string[] }>;

/**
 * Snapshots every mailbox of an account: UIDVALIDITY, UIDNEXT, and each message's UID, FLAGS and INTERNALDATE, read
 * with EXAMINE so that taking the snapshot changes nothing itself.
 *
 * @param endpoint - The server.
 * @param user - The account.
 * @returns The snapshot, comparable with `toEqual`.
 */
export async function snapshotMailboxes(endpoint: DovecotEndpoint, user: MailUser): Promise<MailboxSnapshot> {
  const client = await RawImapClient.login(endpoint.plainPort, user.username, user.password);
  try {
    const listed = await client.command('LIST "" "*"');
    const snapshot: MailboxSnapshot = {};
    for (const line of listed.untagged) {
      const match = /^\* LIST \(([^)]*)\) (?:"[^"]*"|NIL) (.+)$/.exec(line);
      if (!match || /\\Noselect/i.test(match[1] ?? '')) continue;
      const name = match[2] ?? '';
      const examined = await client.command(`EXAMINE ${name}`);
      const code = (key: string) =>
        examined.untagged.map((entry) => new RegExp(`\\[${key} (\\d+)\\]`).exec(entry)?.[1]).find(Boolean) ??
        '';
      const fetched = await client.command('UID FETCH 1:* (UID FLAGS INTERNALDATE)', undefined, true);
      snapshot[name] = {
        uidValidity: code('UIDVALIDITY'),
        uidNext: code('UIDNEXT'),
        messages: fetched.untagged
          .filter((entry) => entry.includes('FETCH'))
          .map((entry) => entry.replace(/^\* \d+ FETCH /, ''))
          .sort(),
      };
    }
    return snapshot;
  } finally {
    await client.logout();
  }
}
