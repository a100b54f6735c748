/**
 * The demo mailbox: a real Dovecot on loopback (the test harness's) when Dovecot is installed, else the
 * embedded IMAP server that runs in this Node process (`demo-imap-server.ts`), with an account seeded
 * with a month of mail, so the examples run on a fresh machine without any real account or system
 * package. `IMAP_CONNECTOR_DOVECOT=none` forces the embedded server; a path there picks a Dovecot.
 */
import type { ImapConnectorConfigInput } from '../src/index.js';
import { createMailUser, findDovecot, startDovecot } from '../test/harness/dovecot/dovecot-server.js';
import { standardVariant } from '../test/harness/dovecot/dovecot-variants.js';
import { type SeedMessage, seedMailboxes } from '../test/harness/mail-seeder.js';
import { type EmbeddedMailbox, type EmbeddedMessage, startEmbeddedImapServer } from './demo-imap-server.js';

/** Which server a demo runs against. */
export type DemoServerKind = 'dovecot' | 'embedded';

/** A running demo server and a connector configuration for its seeded account. */
export interface DemoServer {
  readonly kind: DemoServerKind;
  /** One line naming the server, e.g. `Dovecot 2.3 (/usr/sbin/dovecot)`. */
  readonly description: string;
  /** Settings as an admin would paste them into the drawer (with the server's self-signed CA). */
  readonly config: ImapConnectorConfigInput;
  /** What was seeded, so examples can show the expected numbers next to the counted ones. */
  readonly seeded: readonly SeedMessage[];
  /** Delivers more mail into the demo account (APPENDs with the given INTERNALDATEs). */
  deliver(messages: readonly SeedMessage[]): Promise<void>;
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;
const OFFSETS_MINUTES = [0, 60, -300, 330, 540, 345];
/** Every folder of the demo account, with the attribute Dovecot's standard variant gives it. */
const DEMO_FOLDERS: readonly { path: string; specialUse?: string }[] = [
  { path: 'INBOX' },
  ...standardVariant.mailboxes.map((mailbox) =>
    mailbox.specialUse ? { path: mailbox.name, specialUse: mailbox.specialUse } : { path: mailbox.name },
  ),
];

/**
 * Starts Dovecot when it is installed (see `findDovecot` for the lookup order), else the embedded
 * server, and seeds one account with 30 days of mail ending now: INBOX, Sent, Archive, and some Junk
 * and Drafts that a count leaves out.
 *
 * @param options - `kind` forces one server; by default Dovecot when found, else embedded.
 * @returns The server.
 */
export async function startDemoServer(options: { kind?: DemoServerKind } = {}): Promise<DemoServer> {
  const dovecot = findDovecot();
  const kind = options.kind ?? (dovecot ? 'dovecot' : 'embedded');
  const seeded = demoMessages(Date.now());
  if (kind === 'embedded' || !dovecot) return startEmbedded(seeded);
  const server = await startDovecot(standardVariant);
  try {
    const user = createMailUser(server, 'your.name');
    await seedMailboxes(server, user, seeded);
    return {
      kind: 'dovecot',
      description: `Dovecot (${dovecot}) on ${server.host}:${server.tlsPort}, TLS`,
      config: {
        host: server.host,
        port: server.tlsPort,
        username: user.username,
        password: user.password,
        tls: { ca: server.caPem },
      },
      seeded,
      deliver: (messages) => seedMailboxes(server, user, messages),
      stop: server.stop,
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

async function startEmbedded(seeded: readonly SeedMessage[]): Promise<DemoServer> {
  const username = 'your.name@example.test';
  const password = `demo-${Math.random().toString(36).slice(2)}`;
  const mailboxes: EmbeddedMailbox[] = DEMO_FOLDERS.map((folder) => ({
    ...folder,
    messages: seeded
      .map((message, index) => ({ message, index }))
      .filter(({ message }) => message.mailbox === folder.path)
      .map(({ message, index }) => embeddedMessage(message, index)),
  }));
  const server = await startEmbeddedImapServer({ username, password, mailboxes });
  let delivered = seeded.length;
  const deliver = async (messages: readonly SeedMessage[]) => {
    for (const message of messages) {
      delivered += 1;
      server.deliver(message.mailbox, embeddedMessage(message, delivered));
    }
  };
  return {
    kind: 'embedded',
    description: `the embedded IMAP server in this Node process (no Dovecot found) on ${server.host}:${server.port}, TLS`,
    config: { host: server.host, port: server.port, username, password, tls: { ca: server.caPem } },
    seeded,
    deliver,
    stop: server.stop,
  };
}

function embeddedMessage(message: SeedMessage, index: number): EmbeddedMessage {
  return {
    atMs: message.atMs,
    offsetMinutes: message.offsetMinutes ?? 0,
    flags: message.flags ?? [],
    messageId: message.messageId ?? `<demo-${index}@example.test>`,
  };
}

// A small deterministic generator (mulberry32), so every demo run shows the same shape of data.
function randomSequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function demoMessages(nowMs: number): SeedMessage[] {
  const random = randomSequence(2026);
  const messages: SeedMessage[] = [];
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  for (let day = 30; day >= 1; day -= 1) {
    const dayStart = nowMs - day * DAY_MS;
    const weekend = [0, 6].includes(new Date(dayStart).getUTCDay());
    const received = weekend ? 1 + Math.floor(random() * 3) : 4 + Math.floor(random() * 8);
    const sent = weekend ? Math.floor(random() * 2) : 1 + Math.floor(random() * 5);
    const at = () => Math.floor(dayStart + random() * DAY_MS);
    for (let index = 0; index < received; index += 1) {
      messages.push({
        mailbox: random() < 0.8 ? 'INBOX' : 'Archive',
        atMs: at(),
        offsetMinutes: pick(OFFSETS_MINUTES),
        flags: random() < 0.6 ? ['\\Seen'] : [],
      });
    }
    for (let index = 0; index < sent; index += 1) {
      messages.push({ mailbox: 'Sent', atMs: at(), offsetMinutes: pick(OFFSETS_MINUTES), flags: ['\\Seen'] });
    }
    if (random() < 0.4) messages.push({ mailbox: 'Junk', atMs: at() });
    if (random() < 0.2) messages.push({ mailbox: 'Drafts', atMs: at(), flags: ['\\Draft'] });
  }
  return messages;
}
