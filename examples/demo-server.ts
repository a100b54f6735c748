/**
 * The embedded demo mailbox: a real Dovecot on loopback (the test harness's), with an account seeded
 * with a month of mail, so the examples run on a fresh machine without any real account.
 */
import type { ImapConnectorConfigInput } from '../src/index.js';
import { createMailUser, findDovecot, startDovecot } from '../test/harness/dovecot/dovecot-server.js';
import { standardVariant } from '../test/harness/dovecot/dovecot-variants.js';
import { type SeedMessage, seedMailboxes } from '../test/harness/mail-seeder.js';

/** A running demo server and a connector configuration for its seeded account. */
export interface DemoServer {
  /** Settings as an admin would paste them into the drawer (with the server's self-signed CA). */
  readonly config: ImapConnectorConfigInput;
  /** What was seeded, so examples can show the expected numbers next to the counted ones. */
  readonly seeded: readonly SeedMessage[];
  /** The port of the STARTTLS listener (the config uses implicit TLS). */
  readonly starttlsPort: number;
  /** Delivers more mail into the demo account (APPENDs with the given INTERNALDATEs). */
  deliver(messages: readonly SeedMessage[]): Promise<void>;
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;
const OFFSETS_MINUTES = [0, 60, -300, 330, 540, 345];

/**
 * Starts Dovecot and seeds one account with 30 days of mail ending now: INBOX, Sent, Archive, and
 * some Junk and Drafts that a count leaves out.
 *
 * @returns The server, or throws with the install command when Dovecot is missing.
 */
export async function startDemoServer(): Promise<DemoServer> {
  if (!findDovecot()) {
    throw new Error('The demo needs Dovecot on this machine: apt-get install -y dovecot-imapd');
  }
  const server = await startDovecot(standardVariant);
  try {
    const user = createMailUser(server, 'your.name');
    const seeded = demoMessages(Date.now());
    await seedMailboxes(server, user, seeded);
    return {
      config: {
        host: server.host,
        port: server.tlsPort,
        username: user.username,
        password: user.password,
        tls: { ca: server.caPem },
      },
      seeded,
      starttlsPort: server.plainPort,
      deliver: (messages) => seedMailboxes(server, user, messages),
      stop: server.stop,
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
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
