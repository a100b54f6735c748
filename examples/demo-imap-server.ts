/**
 * The embedded demo server: a small IMAP4rev1 server that runs inside the Node process, so
 * `npm run demo` works on a machine without Dovecot (or without any system package).
 *
 * It is built on the test harness's fault server (`test/harness/fault-server.ts`: sockets, implicit
 * TLS, IMAP line and literal framing, CAPABILITY/ID/LOGOUT) and adds what a read-only client of one
 * account needs, as RFC 3501 describes it: LOGIN and AUTHENTICATE PLAIN checked against the account's
 * password (a wrong one gets `NO [AUTHENTICATIONFAILED]`, RFC 5530), NAMESPACE, LIST with RFC 6154
 * SPECIAL-USE attributes, EXAMINE/SELECT, UID SEARCH (ALL, UID, SINCE, BEFORE, ON: dates compared in
 * UTC, this server's zone) and UID FETCH (UID, FLAGS, INTERNALDATE, RFC822.SIZE, and the Message-ID
 * header). Anything else is answered `BAD`, so a client relying on more fails loudly rather than
 * reading a wrong answer. It holds mail in memory and accepts no writes: it is a demo and test
 * server, not a mail store. Prefer Dovecot where behaviour matters (`npm test` does).
 */
import { generate } from 'selfsigned';
import type { ImapCommand, ImapSession } from '../test/harness/fault-scenarios.js';
import { serveImap } from '../test/harness/fault-scenarios.js';
import { type FaultConnection, startFaultServer } from '../test/harness/fault-server.js';
import { imapDateTime } from '../test/harness/mail-seeder.js';

/** One stored message. */
export interface EmbeddedMessage {
  /** INTERNALDATE, in ms since the epoch. */
  readonly atMs: number;
  /** The UTC offset INTERNALDATE is written with, in minutes. Default 0. */
  readonly offsetMinutes?: number;
  readonly flags?: readonly string[];
  readonly messageId: string;
}

/** One mailbox of the account; its messages get UIDs 1..n in the order given. */
export interface EmbeddedMailbox {
  readonly path: string;
  /** RFC 6154 attribute, e.g. `\\Sent`. */
  readonly specialUse?: string;
  readonly messages: readonly EmbeddedMessage[];
}

/** What the embedded server serves: one account. */
export interface EmbeddedAccount {
  readonly username: string;
  readonly password: string;
  readonly mailboxes: readonly EmbeddedMailbox[];
}

/** A running embedded server. */
export interface EmbeddedImapServer {
  readonly host: '127.0.0.1';
  /** Implicit TLS (like port 993). */
  readonly port: number;
  /** The CA that signed the server's certificate: what a client passes as `tls.ca`. */
  readonly caPem: string;
  /** Delivers a message into a mailbox, with the next UID (as a delivery agent would, not a client). */
  deliver(path: string, message: EmbeddedMessage): void;
  stop(): Promise<void>;
}

/** What the server advertises: IMAP4rev1 plus the extensions it implements, nothing more. */
export const EMBEDDED_CAPABILITIES = 'IMAP4rev1 ID NAMESPACE SPECIAL-USE AUTH=PLAIN';

/**
 * Starts the embedded server on 127.0.0.1 with a fresh CA and server certificate (made in process,
 * without openssl).
 *
 * @param account - The one account it serves.
 * @returns The server; `stop()` closes its listener and every connection.
 */
export async function startEmbeddedImapServer(account: EmbeddedAccount): Promise<EmbeddedImapServer> {
  const { caPem, key, cert } = await createCertificates();
  // The server's own copy, which deliveries add to; clients only ever read it.
  const store = account.mailboxes.map((mailbox) => ({ ...mailbox, messages: [...mailbox.messages] }));
  const served: EmbeddedAccount = { ...account, mailboxes: store };
  const server = await startFaultServer(
    { kind: 'script', run: (conn) => serveAccount(conn, served) },
    { tls: { key, cert } },
  );
  return {
    host: '127.0.0.1',
    port: server.port,
    caPem,
    deliver: (path, message) => {
      const mailbox = store.find((candidate) => candidate.path === path);
      if (!mailbox) throw new Error(`no mailbox ${path} on the embedded server`);
      mailbox.messages.push(message);
    },
    stop: () => server.close(),
  };
}

async function createCertificates(): Promise<{ caPem: string; key: string; cert: string }> {
  const notAfterDate = new Date(Date.now() + 2 * 86_400_000);
  const ca = await generate([{ name: 'commonName', value: 'imap-connector demo CA' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, key: server.private, cert: server.cert };
}

function serveAccount(conn: FaultConnection, account: EmbeddedAccount): void {
  let selected: EmbeddedMailbox | undefined;

  const login = (command: ImapCommand, session: ImapSession, username: string, password: string) => {
    if (session.authenticated) return session.tagged(command.tag, 'BAD Already logged in.');
    if (username !== account.username || password !== account.password) {
      return session.tagged(command.tag, 'NO [AUTHENTICATIONFAILED] Authentication failed.');
    }
    session.authenticated = true;
    session.tagged(command.tag, `OK [CAPABILITY ${session.capabilities()}] Logged in`);
  };

  const authenticated =
    (handler: (command: ImapCommand, session: ImapSession) => void) =>
    (command: ImapCommand, session: ImapSession) => {
      if (!session.authenticated) {
        session.tagged(command.tag, `BAD Error in IMAP command ${command.name}: Login first.`);
        return;
      }
      handler(command, session);
    };

  const list = (command: ImapCommand, session: ImapSession) => {
    const args = tokens(command.args).filter((token) => !token.startsWith('('));
    const pattern = args[1] ?? '';
    // RFC 3501 §6.3.8: an empty pattern asks for the hierarchy delimiter only.
    if (pattern === '') {
      session.untagged(`${command.name} (\\Noselect) "/" ""`);
    } else {
      const matcher = new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/%/g, '[^/]*')}$`,
        'i',
      );
      for (const mailbox of account.mailboxes.filter((candidate) => matcher.test(candidate.path))) {
        const attributes = ['\\HasNoChildren', ...(mailbox.specialUse ? [mailbox.specialUse] : [])];
        session.untagged(`${command.name} (${attributes.join(' ')}) "/" ${quote(mailbox.path)}`);
      }
    }
    session.tagged(command.tag, `OK ${command.name} completed.`);
  };

  const open = (command: ImapCommand, session: ImapSession) => {
    const path = tokens(command.args)[0] ?? '';
    selected = account.mailboxes.find((mailbox) =>
      path.toUpperCase() === 'INBOX' ? mailbox.path === 'INBOX' : mailbox.path === path,
    );
    if (!selected) return session.tagged(command.tag, 'NO [NONEXISTENT] Mailbox does not exist.');
    const count = selected.messages.length;
    session.untagged('FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)');
    session.untagged('OK [PERMANENTFLAGS ()] Read-only mailbox.');
    session.untagged(`${count} EXISTS`);
    session.untagged('0 RECENT');
    session.untagged(`OK [UIDVALIDITY ${uidValidityOf(selected)}] UIDs valid`);
    session.untagged(`OK [UIDNEXT ${count + 1}] Predicted next UID`);
    // Writes are not implemented, so SELECT opens read-only too (RFC 3501 §6.3.1 allows it).
    session.tagged(command.tag, `OK [READ-ONLY] ${command.name} completed.`);
  };

  const uid = (command: ImapCommand, session: ImapSession) => {
    const [subcommand = '', ...rest] = tokens(command.args);
    if (!selected) return session.tagged(command.tag, 'BAD No mailbox selected.');
    const messages = selected.messages;
    if (subcommand.toUpperCase() === 'SEARCH') {
      const matching = search(rest, messages);
      if (matching === undefined) return session.tagged(command.tag, 'BAD Unsupported search criteria.');
      session.untagged(`SEARCH${matching.map((found) => ` ${found}`).join('')}`);
      return session.tagged(command.tag, 'OK Search completed.');
    }
    if (subcommand.toUpperCase() === 'FETCH') {
      const items = (
        rest
          .slice(1)
          .join(' ')
          .replace(/^\(|\)$/g, '') || ''
      ).toUpperCase();
      const rows = uidsOf(rest[0] ?? '', messages.length).flatMap((found) => {
        const message = messages[found - 1];
        const row = message && fetchRow(found, message, items);
        return row === undefined ? [] : [row];
      });
      if (rows.length < uidsOf(rest[0] ?? '', messages.length).length) {
        return session.tagged(command.tag, 'BAD Unsupported FETCH items.');
      }
      for (const row of rows) conn.writeRaw(row);
      return session.tagged(command.tag, 'OK Fetch completed.');
    }
    session.tagged(command.tag, `BAD Unsupported UID command ${subcommand}.`);
  };

  serveImap(conn, {
    capabilities: EMBEDDED_CAPABILITIES,
    greeting: `* OK [CAPABILITY ${EMBEDDED_CAPABILITIES}] imap-connector embedded demo server ready.`,
    commands: {
      LOGIN: (command, session) => {
        const [username = '', password = ''] = tokens(command.args);
        login(command, session, username, password);
      },
      AUTHENTICATE: (command, session) => {
        const [mechanism = '', initial] = tokens(command.args);
        if (mechanism.toUpperCase() !== 'PLAIN') {
          return session.tagged(command.tag, 'NO [CANNOT] Unsupported authentication mechanism.');
        }
        // RFC 4616: authzid NUL authcid NUL passwd, base64; `=` is an empty initial response.
        const finish = (response: string) => {
          if (response === '*') return session.tagged(command.tag, 'BAD Authentication aborted.');
          const [, username = '', password = ''] = Buffer.from(response, 'base64')
            .toString('utf8')
            .split('\0');
          login(command, session, username, password);
        };
        if (initial === undefined) session.continuation('', finish);
        else finish(initial === '=' ? '' : initial);
      },
      LIST: authenticated(list),
      LSUB: authenticated(list),
      EXAMINE: authenticated(open),
      SELECT: authenticated(open),
      UID: authenticated(uid),
      CLOSE: authenticated((command, session) => {
        selected = undefined;
        session.tagged(command.tag, 'OK Close completed.');
      }),
    },
  });
}

/** A stable UIDVALIDITY per mailbox name, as a real server keeps one per mailbox. */
function uidValidityOf(mailbox: EmbeddedMailbox): number {
  let hash = 7;
  for (const char of mailbox.path) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0;
  return (hash % 1_000_000_000) + 1;
}

function fetchRow(uid: number, message: EmbeddedMessage, items: string): Buffer | undefined {
  const header = `Message-ID: ${message.messageId}\r\n\r\n`;
  const body = `${header}embedded demo message\r\n`;
  const parts: string[] = [`UID ${uid}`];
  let literal: string | undefined;
  for (const item of items.match(/BODY\.PEEK\[[^\]]*\]|BODY\[[^\]]*\]|[A-Z0-9.]+/g) ?? []) {
    if (item === 'UID') continue;
    if (item === 'FLAGS') parts.push(`FLAGS (${(message.flags ?? []).join(' ')})`);
    else if (item === 'INTERNALDATE') {
      parts.push(`INTERNALDATE "${imapDateTime(message.atMs, message.offsetMinutes ?? 0)}"`);
    } else if (item === 'RFC822.SIZE') parts.push(`RFC822.SIZE ${Buffer.byteLength(body)}`);
    else if (/^BODY(?:\.PEEK)?\[HEADER\.FIELDS \(MESSAGE-ID\)\]$/.test(item)) literal = header;
    else return undefined;
  }
  const head = `* ${uid} FETCH (${parts.join(' ')}`;
  if (literal === undefined) return Buffer.from(`${head})\r\n`);
  const literalText = `BODY[HEADER.FIELDS (MESSAGE-ID)] {${Buffer.byteLength(literal)}}\r\n${literal}`;
  return Buffer.from(`${head} ${literalText})\r\n`);
}

/** The UIDs matching every criterion (RFC 3501 §6.4.4: criteria are ANDed), or undefined when one is unknown. */
function search(criteria: readonly string[], messages: readonly EmbeddedMessage[]): number[] | undefined {
  const tests: ((uid: number, message: EmbeddedMessage) => boolean)[] = [];
  for (let index = 0; index < criteria.length; index += 1) {
    const key = (criteria[index] ?? '').toUpperCase();
    const value = criteria[index + 1] ?? '';
    // RFC 3501 §6.4.4: SINCE, BEFORE and ON compare the date part only, in the server's zone (UTC).
    const day = (message: EmbeddedMessage) => Math.floor(message.atMs / 86_400_000) * 86_400_000;
    if (key === 'ALL') continue;
    if (key === 'UID') {
      const allowed = new Set(uidsOf(value, messages.length));
      tests.push((uid) => allowed.has(uid));
    } else if (key === 'SINCE' || key === 'BEFORE' || key === 'ON') {
      const date = dayOf(value);
      if (date === undefined) return undefined;
      if (key === 'SINCE') tests.push((_, message) => day(message) >= date);
      if (key === 'BEFORE') tests.push((_, message) => day(message) < date);
      if (key === 'ON') tests.push((_, message) => day(message) === date);
    } else if (/^[\d*:,]+$/.test(key)) {
      const allowed = new Set(uidsOf(key, messages.length));
      tests.push((uid) => allowed.has(uid));
      continue;
    } else {
      return undefined;
    }
    index += 1;
  }
  return messages.flatMap((message, index) =>
    tests.every((test) => test(index + 1, message)) ? [index + 1] : [],
  );
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** An RFC 3501 date such as `5-Jan-2026` as its UTC midnight. */
function dayOf(date: string): number | undefined {
  const match = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(date);
  const month = MONTHS.indexOf((match?.[2] ?? '').toLowerCase());
  if (!match || month < 0) return undefined;
  return Date.UTC(Number(match[3]), month, Number(match[1]));
}

/** The UIDs of a set such as `1:3,5` that exist (1..last); `*` is the last. */
function uidsOf(set: string, last: number): number[] {
  const uids = new Set<number>();
  for (const part of set.split(',')) {
    const [from = '', to = from] = part.split(':');
    const start = from === '*' ? last : Number(from);
    const end = to === '*' ? last : Number(to);
    if (!Number.isInteger(start) || !Number.isInteger(end)) continue;
    for (let uid = Math.max(1, Math.min(start, end)); uid <= Math.min(Math.max(start, end), last); uid += 1) {
      uids.add(uid);
    }
  }
  return [...uids].sort((a, b) => a - b);
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Splits command arguments into atoms, strings (quoted or literal, RFC 3501 §4.3) and parenthesised
 * lists (kept whole, with their parentheses).
 */
function tokens(args: string): string[] {
  const result: string[] = [];
  let index = 0;
  while (index < args.length) {
    const char = args[index];
    if (char === ' ' || char === '\r' || char === '\n') {
      index += 1;
    } else if (char === '"') {
      let value = '';
      index += 1;
      while (index < args.length && args[index] !== '"') {
        if (args[index] === '\\') index += 1;
        value += args[index] ?? '';
        index += 1;
      }
      result.push(value);
      index += 1;
    } else if (char === '{') {
      const match = /^\{(\d+)\+?\}\r?\n/.exec(args.slice(index));
      if (!match) return result;
      const start = index + match[0].length;
      // The fault server hands lines over decoded as UTF-8; the literal's length counts bytes.
      const value = Buffer.from(args.slice(start), 'utf8').subarray(0, Number(match[1])).toString('utf8');
      result.push(value);
      index = start + value.length;
    } else if (char === '(') {
      let depth = 0;
      const start = index;
      do {
        if (args[index] === '(') depth += 1;
        if (args[index] === ')') depth -= 1;
        index += 1;
      } while (depth > 0 && index < args.length);
      result.push(args.slice(start, index));
    } else {
      const end = args.slice(index).search(/[ ()]/);
      const stop = end < 0 ? args.length : index + end;
      result.push(args.slice(index, stop));
      index = stop;
    }
  }
  return result;
}
