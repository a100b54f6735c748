import { afterEach, describe, expect, it } from 'vitest';
import { ImapConnector } from '../../src/index.js';
import { activeHandleCount, expectHandlesReleased } from '../harness/active-handles.js';
import { type FaultServer, serveImap, startFaultServer } from '../harness/fault-server.js';

const LOGIN_ONLY = 'IMAP4rev1 ID NAMESPACE';
const timeouts = { connectMs: 2_000, greetingMs: 2_000, loginMs: 2_000, commandMs: 2_000 };

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/**
 * A server listing INBOX, Sent and one mailbox whose name a real server would never produce; every
 * mailbox is empty, so a count examines each one and needs nothing more.
 */
async function listing(oddName: string, attributes = '\\HasNoChildren'): Promise<FaultServer> {
  const examined: string[] = [];
  const started = await startFaultServer({
    kind: 'script',
    run: (conn) =>
      serveImap(conn, {
        capabilities: LOGIN_ONLY,
        commands: {
          LIST: (command, session) => {
            if (command.args === '"" ""') return session.answer(command);
            conn.writeRaw('* LIST (\\HasNoChildren) "/" INBOX\r\n');
            conn.writeRaw('* LIST (\\HasNoChildren \\Sent) "/" Sent\r\n');
            conn.writeRaw(`* LIST (${attributes}) "/" ${oddName}\r\n`);
            conn.writeRaw('* LIST (\\HasNoChildren) "/" Archive\r\n');
            session.tagged(command.tag, 'OK List completed.');
          },
          EXAMINE: (command, session) => {
            examined.push(command.args);
            session.untagged('0 EXISTS');
            session.untagged('OK [UIDVALIDITY 7] UIDs valid');
            session.untagged('OK [UIDNEXT 1] Predicted next UID');
            session.tagged(command.tag, 'OK [READ-ONLY] Examine completed.');
          },
        },
      }),
  });
  server = started;
  return started;
}

const oddNames = [
  ['CR LF in a literal', '{10}\r\nBad\r\nName!'],
  ['a NUL in a literal', '{8}\r\nBad\u0000Name'],
  ['CR LF in modified UTF-7 (&AA0ACg-)', '"Bad&AA0ACg-Name"'],
  ['a NUL in modified UTF-7 (&AAA-)', '"Bad&AAA-Name"'],
  ['an escape character in modified UTF-7 (&ABs-)', '"Bad&ABs-Name"'],
] as const;

describe('a mailbox name with control characters', () => {
  it.each(oddNames)('(%s) is skipped with a warning; the count goes on', async (_name, wire) => {
    const started = await listing(wire);
    const connector = new ImapConnector(
      {
        host: started.host,
        port: started.port,
        username: 'alice@example.test',
        password: 'secret-password',
        security: 'none',
        timeouts,
      },
      { retry: { attempts: 1 } },
    );
    const baseline = activeHandleCount();
    const counts = await connector.countSignals({
      since: '2026-01-01T00:00:00Z',
      until: '2026-02-01T00:00:00Z',
    });
    expect(counts).toMatchObject({ sent: 0, received: 0 });
    const paths = counts.mailboxes.map((mailbox) => mailbox.path);
    expect(paths).toEqual(expect.arrayContaining(['INBOX', 'Sent', 'Archive']));
    // The odd one is reported, never opened, and its name shown without the control characters.
    const warning = counts.warnings.find((entry) => entry.code === 'mailbox_name_unusable');
    expect(warning).toBeDefined();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    expect(JSON.stringify(counts)).not.toMatch(/[\u0000-\u001f]|\\u00|\\r|\\n/);
    expect(started.received().filter((line) => /EXAMINE/i.test(line) && /Bad/.test(line))).toEqual([]);
    await started.close();
    server = undefined;
    await expectHandlesReleased(baseline);
  });

  it.each(oddNames)("(%s) is left out of a connection test's mailbox roles", async (_name, wire) => {
    // As the Drafts mailbox, it would be listed among the roles if it were not left out.
    const started = await listing(wire, '\\HasNoChildren \\Drafts');
    const result = await new ImapConnector({
      host: started.host,
      port: started.port,
      username: 'alice@example.test',
      password: 'secret-password',
      security: 'none',
      timeouts,
    }).testConnection();
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.mailboxes.map((mailbox) => mailbox.role)).not.toContain('drafts');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    expect(JSON.stringify(result)).not.toMatch(/[\u0000-\u001f]|\\u00|\\r|\\n/);
  });
});
