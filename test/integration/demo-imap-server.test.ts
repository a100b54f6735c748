/**
 * The embedded demo server, spoken to directly over TLS: what it answers for what a client may send,
 * per RFC 3501, beyond what the demo's own run exercises.
 */
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedImapServer, startEmbeddedImapServer } from '../../examples/demo-imap-server.js';

const password = 'p"w\\ örd';
let server: EmbeddedImapServer;

beforeAll(async () => {
  server = await startEmbeddedImapServer({
    username: 'ann@example.test',
    password,
    mailboxes: [
      {
        path: 'INBOX',
        messages: [
          { atMs: Date.UTC(2026, 0, 5, 23, 30), messageId: '<a@x>', flags: ['\\Seen'] },
          { atMs: Date.UTC(2026, 0, 6, 0, 10), offsetMinutes: 60, messageId: '<b@x>' },
          { atMs: Date.UTC(2026, 0, 9, 12), messageId: '<c@x>' },
        ],
      },
      { path: 'Sent Items', specialUse: '\\Sent', messages: [] },
    ],
  });
});
afterAll(() => server.stop());

/** A TLS client that sends one command at a time and returns every line up to its tagged answer. */
async function session(): Promise<{ send(command: string): Promise<string[]>; close(): void }> {
  const socket = tls.connect({
    host: server.host,
    port: server.port,
    ca: server.caPem,
    servername: 'localhost',
  });
  let buffer = '';
  let waiter: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    waiter?.();
  });
  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (done()) {
          waiter = undefined;
          resolve();
        }
      };
      waiter = check;
      check();
    });
  await until(() => buffer.includes('\r\n'));
  expect(buffer).toMatch(/^\* OK \[CAPABILITY IMAP4rev1 [^\]]*\] /);
  buffer = '';
  let counter = 0;
  return {
    async send(command) {
      counter += 1;
      const tag = `t${counter}`;
      socket.write(`${tag} ${command}\r\n`);
      await until(() => new RegExp(`(^|\\r\\n)${tag} [A-Z]+ .*\\r\\n`).test(buffer));
      const lines = buffer.split('\r\n').filter(Boolean);
      buffer = '';
      return lines;
    },
    close: () => socket.destroy(),
  };
}

describe('the embedded demo server', () => {
  it('refuses commands before login, a wrong password, and unknown commands', async () => {
    const client = await session();
    expect((await client.send('LIST "" "*"')).at(-1)).toMatch(/^t1 BAD /);
    expect((await client.send('LOGIN ann@example.test "wrong"')).at(-1)).toBe(
      't2 NO [AUTHENTICATIONFAILED] Authentication failed.',
    );
    // RFC 3501 §4.3: the password as a quoted string with its escapes.
    expect((await client.send('LOGIN ann@example.test "p\\"w\\\\ örd"')).at(-1)).toMatch(/^t3 OK /);
    expect((await client.send('XYZZY')).at(-1)).toMatch(/^t4 BAD /);
    client.close();
  });

  it('lists with SPECIAL-USE attributes and answers an empty pattern with the delimiter', async () => {
    const client = await session();
    const base64 = Buffer.from(`\0ann@example.test\0${password}`).toString('base64');
    expect((await client.send(`AUTHENTICATE PLAIN ${base64}`)).at(-1)).toMatch(/^t1 OK /);
    expect(await client.send('LIST "" ""')).toEqual(['* LIST (\\Noselect) "/" ""', 't2 OK LIST completed.']);
    expect(await client.send('LIST "" "*"')).toEqual([
      '* LIST (\\HasNoChildren) "/" "INBOX"',
      '* LIST (\\HasNoChildren \\Sent) "/" "Sent Items"',
      't3 OK LIST completed.',
    ]);
    client.close();
  });

  it('searches by UTC date and UID, and fetches dates as stored', async () => {
    const client = await session();
    await client.send(`LOGIN ann@example.test {${Buffer.byteLength(password)}+}\r\n${password}`);
    const examined = await client.send('EXAMINE INBOX');
    expect(examined).toContain('* 3 EXISTS');
    expect(examined.at(-1)).toMatch(/^t2 OK \[READ-ONLY\]/);
    // Written by hand from the seed: 5 Jan 23:30Z, 6 Jan 00:10Z, 9 Jan 12:00Z.
    expect(await client.send('UID SEARCH SINCE 6-Jan-2026')).toContain('* SEARCH 2 3');
    expect(await client.send('UID SEARCH BEFORE 6-Jan-2026')).toContain('* SEARCH 1');
    expect(await client.send('UID SEARCH ON 6-Jan-2026 UID 1:2')).toContain('* SEARCH 2');
    expect((await client.send('UID SEARCH LARGER 10')).at(-1)).toMatch(/^t\d+ BAD /);
    expect(await client.send('UID FETCH 1:* (UID INTERNALDATE FLAGS)')).toEqual([
      '* 1 FETCH (UID 1 INTERNALDATE "05-Jan-2026 23:30:00 +0000" FLAGS (\\Seen))',
      '* 2 FETCH (UID 2 INTERNALDATE "06-Jan-2026 01:10:00 +0100" FLAGS ())',
      '* 3 FETCH (UID 3 INTERNALDATE "09-Jan-2026 12:00:00 +0000" FLAGS ())',
      't7 OK Fetch completed.',
    ]);
    expect((await client.send('UID FETCH 1 (BODY[])')).at(-1)).toMatch(/^t8 BAD /);
    client.close();
  });
});
