/**
 * A fault-server IMAP session that holds real mailboxes, so a whole `countSignals` runs against it and
 * a fault can be injected at any command of the count (EXAMINE, SEARCH, FETCH...), on any connection.
 *
 * The count uses LIST, EXAMINE, UID SEARCH and UID FETCH; SEARCH applies SINCE, BEFORE and a UID set to
 * UTC dates, as a server in UTC does, and FETCH answers the UIDs asked for.
 */
import type { FaultScenario, ImapCommand, ImapSession } from './fault-scenarios.js';
import { serveImap } from './fault-scenarios.js';
import type { FaultConnection } from './fault-server.js';
import { imapDateTime } from './mail-seeder.js';

export interface FakeMailbox {
  readonly path: string;
  /** e.g. `\\Sent`. */
  readonly specialUse?: string;
  readonly uidValidity?: number;
  /** One message per entry, UIDs 1..n. */
  readonly messagesAtMs: readonly number[];
}

/** Where a count is, when a fault handler is asked. */
export interface CountStage {
  readonly connection: FaultConnection;
  /** The mailbox opened last, if any. */
  readonly selected: FakeMailbox | undefined;
  /** `EXAMINE`, `SEARCH`, `FETCH`, `LIST`... (`UID` commands by their sub-command). */
  readonly command: string;
  /** How many commands of this name this connection has received, this one included. */
  readonly occurrence: number;
}

/** Return true when the fault took over the command (the normal answer is then not sent). */
export type FaultInjector = (stage: CountStage, command: ImapCommand, session: ImapSession) => boolean;

/** Two mailboxes, all in January 2026: 3 received in INBOX, 2 sent. */
export const januaryMailboxes: readonly FakeMailbox[] = [
  {
    path: 'INBOX',
    uidValidity: 100,
    messagesAtMs: [Date.UTC(2026, 0, 5, 10), Date.UTC(2026, 0, 12, 9), Date.UTC(2026, 0, 20, 17)],
  },
  {
    path: 'Sent',
    specialUse: '\\Sent',
    uidValidity: 200,
    messagesAtMs: [Date.UTC(2026, 0, 6, 8), Date.UTC(2026, 0, 25, 23)],
  },
];
export const januaryRange = { since: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00Z' };
export const januaryCounts = { received: 3, sent: 2 };

export const MAILBOX_SERVER_CAPABILITIES = 'IMAP4rev1 NAMESPACE SPECIAL-USE AUTH=PLAIN';

/**
 * A scenario serving `mailboxes`, with `inject` consulted before every command after login.
 *
 * @param mailboxes - What the account holds.
 * @param inject - The fault, if any.
 * @param capabilities - What the server advertises (ESEARCH is answered like a plain SEARCH).
 * @param options - `inOrder: false` lets a command be answered while an earlier one's answer is
 *   unfinished (a server running them side by side); by default one command at a time, as a real server
 *   that executes them in order (`ImapServeOptions.inOrder`).
 * @returns A fault-server scenario.
 */
export function mailboxScenario(
  mailboxes: readonly FakeMailbox[] = januaryMailboxes,
  inject?: FaultInjector,
  capabilities = MAILBOX_SERVER_CAPABILITIES,
  options: { readonly inOrder?: boolean } = {},
): FaultScenario {
  return {
    kind: 'script',
    run: (conn) => serveMailboxes(conn, mailboxes, inject, capabilities, options.inOrder ?? true),
  };
}

function serveMailboxes(
  conn: FaultConnection,
  mailboxes: readonly FakeMailbox[],
  inject: FaultInjector | undefined,
  capabilities: string,
  inOrder: boolean,
): void {
  let selected: FakeMailbox | undefined;
  const occurrences = new Map<string, number>();
  const injected = (name: string, command: ImapCommand, session: ImapSession): boolean => {
    const occurrence = (occurrences.get(name) ?? 0) + 1;
    occurrences.set(name, occurrence);
    return inject?.({ connection: conn, selected, command: name, occurrence }, command, session) ?? false;
  };

  const list = (command: ImapCommand, session: ImapSession): void => {
    if (injected(command.name, command, session)) return;
    for (const mailbox of mailboxes) {
      const flags = ['\\HasNoChildren', ...(mailbox.specialUse ? [mailbox.specialUse] : [])].join(' ');
      session.untagged(`${command.name} (${flags}) "/" "${mailbox.path}"`);
    }
    session.tagged(command.tag, `OK ${command.name} completed.`);
  };

  const examine = (command: ImapCommand, session: ImapSession): void => {
    const path = command.args.replace(/^"(.*)"$/, '$1');
    const mailbox = mailboxes.find((candidate) => candidate.path === path);
    selected = mailbox;
    if (injected('EXAMINE', command, session)) return;
    if (!mailbox) {
      session.tagged(command.tag, 'NO Mailbox does not exist');
      return;
    }
    const count = mailbox.messagesAtMs.length;
    session.untagged('FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)');
    session.untagged(`${count} EXISTS`);
    session.untagged('0 RECENT');
    session.untagged(`OK [UIDVALIDITY ${mailbox.uidValidity ?? 1}] UIDs valid`);
    session.untagged(`OK [UIDNEXT ${count + 1}] Predicted next UID`);
    session.tagged(command.tag, 'OK [READ-ONLY] Examine completed.');
  };

  const uidCommand = (command: ImapCommand, session: ImapSession): void => {
    const [subcommand = '', ...rest] = command.args.split(' ');
    const name = subcommand.toUpperCase();
    if (injected(name, command, session)) return;
    const messages = selected?.messagesAtMs ?? [];
    if (name === 'SEARCH') {
      const criteria = rest.join(' ');
      const since = dayOf(/\bSINCE (\S+)/i.exec(criteria)?.[1]);
      const before = dayOf(/\bBEFORE (\S+)/i.exec(criteria)?.[1]);
      const uidSet = /\bUID (\S+)/i.exec(criteria)?.[1];
      const allowed = uidSet === undefined ? undefined : new Set(uidsOf(uidSet, messages.length));
      const matching = messages.flatMap((atMs, index) => {
        const day = Math.floor(atMs / 86_400_000) * 86_400_000;
        const uid = index + 1;
        if (since !== undefined && day < since) return [];
        if (before !== undefined && day >= before) return [];
        return allowed === undefined || allowed.has(uid) ? [uid] : [];
      });
      session.untagged(`SEARCH${matching.map((uid) => ` ${uid}`).join('')}`);
      session.tagged(command.tag, 'OK Search completed.');
      return;
    }
    if (name === 'FETCH') {
      for (const uid of uidsOf(rest[0] ?? '', messages.length)) {
        const atMs = messages[uid - 1];
        if (atMs === undefined) continue;
        session.untagged(`${uid} FETCH (UID ${uid} INTERNALDATE "${imapDateTime(atMs)}")`);
      }
      session.tagged(command.tag, 'OK Fetch completed.');
      return;
    }
    session.tagged(command.tag, `BAD Unknown UID command ${name}`);
  };

  const plain = (command: ImapCommand, session: ImapSession): void => {
    if (injected(command.name, command, session)) return;
    session.answer(command);
  };

  serveImap(conn, {
    capabilities,
    // One command at a time, as a real server, unless asked otherwise: a count pipelines (the other
    // folders' batch can be written while INBOX's answer is still coming), and a fault's unfinished
    // answer must not have the next command's answer written into it.
    inOrder,
    commands: {
      LIST: list,
      LSUB: list,
      EXAMINE: examine,
      SELECT: examine,
      UID: uidCommand,
      NAMESPACE: plain,
      NOOP: plain,
      CLOSE: (command, session) => session.tagged(command.tag, 'OK Close completed.'),
      UNSELECT: (command, session) => session.tagged(command.tag, 'OK Unselect completed.'),
    },
  });
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** A SEARCH date such as `5-Jan-2026` (quoted or not) as its UTC midnight. */
function dayOf(date: string | undefined): number | undefined {
  const match = /^"?(\d{1,2})-([A-Za-z]{3})-(\d{4})"?$/.exec(date ?? '');
  if (!match) return undefined;
  return Date.UTC(Number(match[3]), MONTHS.indexOf((match[2] ?? '').toLowerCase()), Number(match[1]));
}

/** The UIDs of a sequence set such as `1:3,5`, bounded by the mailbox size (`*` is the last). */
function uidsOf(set: string, last: number): number[] {
  const uids: number[] = [];
  for (const part of set.split(',')) {
    const [from = '', to = from] = part.split(':');
    const start = from === '*' ? last : Number(from);
    const end = to === '*' ? last : Number(to);
    for (let uid = Math.min(start, end); uid <= Math.min(Math.max(start, end), last); uid += 1)
      uids.push(uid);
  }
  return uids;
}
