/**
 * Hostile servers (issues 8 and 13), each a named case a child process runs (`no-crash.test.ts`,
 * `fault-child-runner.ts`): a count against a fault server playing one thing a broken or malicious
 * server does, and what the count must end as. Add a case by adding an entry to {@link hostileCases}.
 */
import { fileURLToPath } from 'node:url';
import { ImapConnector, ImapConnectorError } from '../../src/index.js';
import type { FaultScenario } from '../harness/fault-scenarios.js';
import { type FaultConnection, startFaultServer } from '../harness/fault-server.js';
import { imapDateTime } from '../harness/mail-seeder.js';
import {
  type CountStage,
  type FaultInjector,
  januaryCounts,
  januaryMailboxes,
  januaryRange,
  MAILBOX_SERVER_CAPABILITIES,
  mailboxScenario,
} from '../harness/mailbox-server.js';
import { makeSelfSignedCertificate } from '../harness/self-signed-certificate.js';

/** This module, for a child to import. */
export const hostileCasesModule = fileURLToPath(import.meta.url);

/** What a case must end as. */
export type HostileExpectation =
  /** Exactly these counts (the hostile part must be harmless: deduplicated, ignored, retried). */
  | { readonly counts: { readonly sent: number; readonly received: number } }
  /** This error code. */
  | { readonly code: string }
  /** Any typed outcome but UNKNOWN; counts no higher than the mailboxes hold. */
  | { readonly typed: true };

export interface HostileCase {
  readonly scenario: () => FaultScenario;
  readonly expect: HostileExpectation;
  /** Implicit TLS (a self-signed certificate, trusted through `tls.ca`). */
  readonly tls?: boolean;
  /** Buckets: daily counts fetch every date on a server without SORT. Default `day`. */
  readonly granularity?: 'day' | null;
  /** What the count optimises for; default `fewest-bytes`. */
  readonly transfer?: 'fewest-bytes' | 'fewest-round-trips';
  /**
   * Where the mailboxes are listed; default `same-connection`, so a case's fault meets the counting
   * connection (`side-connection`: the side connection's own faults).
   */
  readonly mailboxListing?: 'same-connection' | 'side-connection';
  /** Tries; default 1, so the code of the fault itself is seen. */
  readonly attempts?: number;
}

const sortCapabilities = `${MAILBOX_SERVER_CAPABILITIES} SORT ESORT ESEARCH`;
const held = { sent: 2, received: 3 };

/** Answers command `name` (by its first occurrence on the first connection) with `play` instead. */
function at(
  name: string,
  play: (conn: FaultConnection, tag: string, stage: CountStage) => void,
): FaultInjector {
  return (stage, command) => {
    if (stage.command !== name || stage.connection.id !== 1 || stage.occurrence !== 1) return false;
    play(stage.connection, command.tag, stage);
    return true;
  };
}

/** Writes chunks until the client goes away, respecting backpressure. */
async function flood(conn: FaultConnection, chunk: () => string): Promise<void> {
  while (!conn.closed) await conn.send(chunk());
}

const listLines = januaryMailboxes.map(
  (mailbox) =>
    `* LIST (\\HasNoChildren${mailbox.specialUse ? ` ${mailbox.specialUse}` : ''}) "/" "${mailbox.path}"`,
);
const fetchRow = (uid: number, atMs: number) =>
  `* ${uid} FETCH (UID ${uid} INTERNALDATE "${imapDateTime(atMs)}")`;

/** Every case, by name. */
export const hostileCases: Readonly<Record<string, HostileCase>> = {
  // Connection loss (issue 8: "Connection loss is a transport fault").
  'fin right after the greeting': {
    scenario: () => ({
      kind: 'script',
      run: (conn) => {
        conn.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready');
        conn.end();
      },
    }),
    expect: { code: 'CONNECTION_RESET' },
  },
  'fin in the middle of a FETCH answer': {
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('FETCH', (conn) => {
          conn.writeRaw(
            `${fetchRow(1, januaryMailboxes[0]?.messagesAtMs[0] ?? 0)}\r\n* 2 FETCH (UID 2 INTER`,
          );
          conn.end();
        }),
      ),
    expect: { code: 'CONNECTION_RESET' },
  },
  'reset in the middle of a LIST answer': {
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('LIST', (conn) => {
          conn.writeRaw(`${listLines[0]}\r\n`);
          setTimeout(() => conn.reset(), 20);
        }),
      ),
    expect: { code: 'CONNECTION_RESET' },
  },
  'close without BYE after EXAMINE': {
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('EXAMINE', (conn) => conn.destroy()),
      ),
    expect: { code: 'CONNECTION_RESET' },
  },
  'TLS closed in the middle of a command': {
    tls: true,
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('SEARCH', (conn) => {
          conn.writeRaw('* SEARCH 1');
          conn.destroy();
        }),
      ),
    expect: { code: 'CONNECTION_RESET' },
  },
  'untagged BYE in the middle of LIST': {
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('LIST', (conn) => {
          conn.writeRaw(`${listLines[0]}\r\n* BYE Server shutting down\r\n`);
          conn.end();
        }),
      ),
    expect: { code: 'SERVER_CLOSED_CONNECTION' },
  },
  'untagged BYE in the middle of FETCH': {
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('FETCH', (conn) => {
          conn.writeRaw(`${fetchRow(1, januaryMailboxes[0]?.messagesAtMs[0] ?? 0)}\r\n* BYE Going away\r\n`);
          conn.end();
        }),
      ),
    expect: { code: 'SERVER_CLOSED_CONNECTION' },
  },
  'untagged BYE in the middle of EXAMINE': {
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('EXAMINE', (conn) => {
          conn.writeRaw('* 3 EXISTS\r\n* BYE Server shutting down\r\n');
          conn.end();
        }),
      ),
    expect: { typed: true },
  },
  'a reset, then a clean connection: retried to the exact count': {
    attempts: 2,
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('FETCH', (conn) => conn.reset()),
      ),
    expect: { counts: januaryCounts },
  },
  // Refusals and malformed answers outside the counting layer.
  "a reset in the middle of the side connection's LIST answer: listed again on the counting one": {
    mailboxListing: 'side-connection',
    scenario: () => {
      // The first LIST of the count, on whichever connection sends it: the side connection's.
      let listed = false;
      return mailboxScenario(januaryMailboxes, (stage) => {
        if (stage.command !== 'LIST' || listed) return false;
        listed = true;
        stage.connection.writeRaw(`${listLines.slice(0, 2).join('\r\n')}\r\n`);
        setTimeout(() => stage.connection.reset(), 20);
        return true;
      });
    },
    expect: { counts: januaryCounts },
  },
  'NO [NONEXISTENT] to LIST': {
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('LIST', (conn, tag) => conn.write(`${tag} NO [NONEXISTENT] No such namespace`)),
      ),
    expect: { code: 'COMMAND_REFUSED' },
  },
  'BAD to NAMESPACE': {
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('NAMESPACE', (conn, tag) => conn.write(`${tag} BAD Not today`)),
      ),
    expect: { typed: true },
  },
  'INBOX listed twice': {
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('LIST', (conn, tag) => {
          conn.writeRaw(`${[...listLines, listLines[0]].join('\r\n')}\r\n${tag} OK List completed.\r\n`);
        }),
      ),
    expect: { counts: januaryCounts },
  },
  'EXAMINE without UIDVALIDITY': {
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('EXAMINE', (conn, tag) =>
          conn.writeRaw(`* 3 EXISTS\r\n* OK [UIDNEXT 4] next\r\n${tag} OK [READ-ONLY] done\r\n`),
        ),
      ),
    expect: { code: 'PROTOCOL_ERROR' },
  },
  'EXAMINE completion before its data': {
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('EXAMINE', (conn, tag) =>
          conn.writeRaw(
            `${tag} OK [READ-ONLY] done\r\n* 3 EXISTS\r\n* OK [UIDVALIDITY 100] v\r\n* OK [UIDNEXT 4] n\r\n`,
          ),
        ),
      ),
    expect: { typed: true },
  },
  'a mailbox name with CR LF in a literal: skipped, the rest counted': {
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('LIST', (conn, tag) => {
          conn.writeRaw(
            `${listLines.join('\r\n')}\r\n* LIST (\\HasNoChildren) "/" {7}\r\nodd\r\nbx\r\n${tag} OK List completed.\r\n`,
          );
        }),
      ),
    expect: { counts: januaryCounts },
  },
  // The counting layer (issue 8: bounded by construction, plausibility checks).
  'ESORT ALL 1:4294967295': {
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('SORT', (conn, tag) =>
          conn.writeRaw(`* ESEARCH (TAG "${tag}") UID ALL 1:4294967295\r\n${tag} OK Sort done\r\n`),
        ),
        sortCapabilities,
      ),
    expect: { typed: true },
  },
  'ESORT ALL with a reversed huge range': {
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('SORT', (conn, tag) =>
          conn.writeRaw(`* ESEARCH (TAG "${tag}") UID ALL 1,4294967295:50\r\n${tag} OK Sort done\r\n`),
        ),
        sortCapabilities,
      ),
    expect: { typed: true },
  },
  'ESEARCH COUNT 4294967295 for a 3-message mailbox': {
    granularity: null,
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        (stage, command, session) => {
          if (stage.command !== 'SEARCH' || !/RETURN \(COUNT\)/i.test(command.args)) return false;
          session.untagged(`ESEARCH (TAG "${command.tag}") UID COUNT 4294967295`);
          session.tagged(command.tag, 'OK Search done');
          return true;
        },
        `${MAILBOX_SERVER_CAPABILITIES} ESEARCH`,
      ),
    expect: { typed: true },
  },
  'a SEARCH completed before its * SEARCH answer (fuzz seed 808)': {
    // Pipelined: the late answer would otherwise be read as the next mailbox's.
    transfer: 'fewest-round-trips',
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        // Sent's, which shares a flight with the mailboxes after it (INBOX's flight has no other).
        (stage, command) => {
          if (stage.command !== 'SEARCH' || stage.selected?.path !== 'Sent' || stage.connection.id !== 1)
            return false;
          const uids = stage.selected.messagesAtMs.map((_, index) => index + 1);
          stage.connection.writeRaw(`${command.tag} OK Search completed.\r\n* SEARCH ${uids.join(' ')}\r\n`);
          return true;
        },
      ),
    expect: { code: 'PROTOCOL_ERROR' },
  },
  'one FETCH row repeated 1000 times': {
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('FETCH', (conn, tag, stage) => {
          const messages = stage.selected?.messagesAtMs ?? [];
          const rows = messages.map((atMs, index) => fetchRow(index + 1, atMs));
          const repeated = Array.from({ length: 1_000 }, () => rows[0] ?? '');
          conn.writeRaw(`${[...repeated, ...rows].join('\r\n')}\r\n${tag} OK Fetch completed.\r\n`);
        }),
      ),
    expect: { typed: true },
  },
  'FETCH rows for UIDs never asked for': {
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('FETCH', (conn, tag) => {
          const rows = [7, 8, 9].map((uid) => fetchRow(uid, Date.UTC(2026, 0, 9)));
          conn.writeRaw(`${rows.join('\r\n')}\r\n${tag} OK Fetch completed.\r\n`);
        }),
      ),
    expect: { typed: true },
  },
  'an endless stream of continuation lines': {
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('FETCH', (conn) => void flood(conn, () => '+ more\r\n'.repeat(2_000))),
      ),
    expect: { typed: true },
  },
  'an endless stream of completions with foreign tags': {
    scenario: () =>
      mailboxScenario(
        januaryMailboxes,
        at('LIST', (conn) => void flood(conn, () => '* OK x\r\nZZ1 OK y\r\n'.repeat(1_000))),
      ),
    expect: { typed: true },
  },
};

/** A case's outcome, as the child reports it. */
export type HostileOutcome =
  | { readonly kind: 'counts'; readonly sent: number; readonly received: number; readonly attempts: number }
  | {
      readonly kind: 'error';
      readonly code: string;
      readonly retryable: boolean;
      readonly message: string;
      readonly cause: string | undefined;
    }
  | { readonly kind: 'thrown'; readonly message: string };

/** How long a case may take: its tries at `countSignalsMs`, and a margin for a loaded machine. */
export const HOSTILE_DEADLINE_MS = 2 * 4_000 + 3_000;

/**
 * Runs case `name` (in a child process: see `no-crash.test.ts`).
 *
 * @param name - A key of {@link hostileCases}.
 * @returns What the count ended as.
 */
export async function runHostileCase(name: string): Promise<HostileOutcome> {
  const hostile = hostileCases[name];
  if (hostile === undefined) throw new Error(`no hostile case ${name}`);
  const certificate = hostile.tls ? makeSelfSignedCertificate() : undefined;
  const server = await startFaultServer(hostile.scenario(), certificate ? { tls: certificate } : {});
  try {
    const connector = new ImapConnector(
      {
        host: server.host,
        port: server.port,
        security: hostile.tls ? 'tls' : 'none',
        ...(certificate ? { tls: { ca: certificate.cert, servername: 'localhost' } } : {}),
        username: 'alice@example.test',
        password: 'hostile-canary-password',
        timeouts: {
          connectMs: 2_000,
          greetingMs: 1_000,
          loginMs: 1_500,
          commandMs: 1_000,
          countSignalsMs: 4_000,
        },
      },
      { retry: { attempts: hostile.attempts ?? 1, initialDelayMs: 10, maxDelayMs: 20 } },
    );
    const granularity = hostile.granularity === undefined ? 'day' : hostile.granularity;
    return await connector
      .countSignals(januaryRange, {
        transfer: hostile.transfer ?? 'fewest-bytes',
        mailboxListing: hostile.mailboxListing ?? 'same-connection',
        ...(granularity === null ? {} : { granularity }),
      })
      .then(
        (counts): HostileOutcome => ({
          kind: 'counts',
          sent: counts.sent,
          received: counts.received,
          attempts: counts.attempts,
        }),
        (error: unknown): HostileOutcome =>
          error instanceof ImapConnectorError
            ? {
                kind: 'error',
                code: error.code,
                retryable: error.retryable,
                message: error.message,
                cause:
                  error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : undefined,
              }
            : { kind: 'thrown', message: String(error) },
      );
  } finally {
    await server.close();
  }
}

/**
 * What is wrong with a case's outcome.
 *
 * @param name - The case.
 * @param outcome - From {@link runHostileCase}.
 * @returns One sentence per problem; empty when it passed.
 */
export function hostileProblemsOf(name: string, outcome: HostileOutcome): string[] {
  const expectation = hostileCases[name]?.expect;
  const problems: string[] = [];
  if (JSON.stringify(outcome).includes('hostile-canary-password'))
    problems.push('the password appears in the outcome');
  if (outcome.kind === 'thrown')
    return [...problems, `threw instead of an ImapConnectorError: ${outcome.message}`];
  if (outcome.kind === 'error' && outcome.code === 'UNKNOWN')
    problems.push(`ended as UNKNOWN: ${outcome.message} (cause: ${outcome.cause})`);
  if (outcome.kind === 'counts' && (outcome.sent > held.sent || outcome.received > held.received))
    problems.push(
      `counted ${outcome.sent}/${outcome.received}, more than the ${held.sent}/${held.received} held`,
    );
  if (
    expectation !== undefined &&
    'code' in expectation &&
    (outcome.kind !== 'error' || outcome.code !== expectation.code)
  )
    problems.push(`expected ${expectation.code}, got ${JSON.stringify(outcome)}`);
  if (
    expectation !== undefined &&
    'counts' in expectation &&
    (outcome.kind !== 'counts' ||
      outcome.sent !== expectation.counts.sent ||
      outcome.received !== expectation.counts.received)
  )
    problems.push(`expected counts ${JSON.stringify(expectation.counts)}, got ${JSON.stringify(outcome)}`);
  return problems;
}
