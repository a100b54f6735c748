/**
 * One case of the server fuzz test, as a child process runs it (`fault-child-runner.ts`): a replayed
 * Dovecot count session mutated by the seed's plan on the first connection (retries meet the server
 * as recorded), a `countSignals` against it, and its outcome as plain data. {@link problemsOf} judges it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ImapConnector, ImapConnectorError } from '../../src/index.js';
import { replayScenario } from '../harness/fault-replay.js';
import { startFaultServer } from '../harness/fault-server.js';
import type { TranscriptFixture } from '../harness/fault-transcript.js';
import { type FuzzPlan, hooksOf, type MutationLog, planOf } from './server-mutator.js';

/**
 * The recorded sessions (`npm run fuzz:record`), replayed without WITHIN (RFC 5032) in the server's
 * capabilities: a WITHIN count names seconds relative to the moment it runs, so no recording can answer
 * it, and the count takes the recorded path (arrival order). `within-counts` meets hostile answers in
 * arrival-order-count.test.ts (a proxy in front of a real Dovecot) and in hostile-cases.ts.
 */
export const fixture = withoutWithin(
  JSON.parse(
    readFileSync(new URL('./fixtures/dovecot-count-sessions.json', import.meta.url), 'utf8'),
  ) as TranscriptFixture,
);

function withoutWithin(recorded: TranscriptFixture): TranscriptFixture {
  const strip = (line: string) => (/CAPABILITY/i.test(line) ? line.replace(/ WITHIN(?=[\s\]])/gi, '') : line);
  return {
    ...recorded,
    sessions: recorded.sessions.map((session) => ({
      ...session,
      greeting: session.greeting.map(strip),
      exchanges: session.exchanges.map((exchange) => ({
        ...exchange,
        response: exchange.response.map(strip),
      })),
    })),
  };
}

/** This module, for a child to import. */
export const serverFuzzCaseModule = fileURLToPath(import.meta.url);

/** Timeouts short enough for hundreds of cases, long enough for a loaded machine. */
const timeouts = {
  connectMs: 2_000,
  greetingMs: 1_000,
  loginMs: 1_500,
  commandMs: 800,
  countSignalsMs: 3_000,
};
const retry = { attempts: 2, initialDelayMs: 10, maxDelayMs: 20 };
/** Two tries at most `countSignalsMs` each, the wait between them, and a margin for a loaded machine. */
export const CASE_DEADLINE_MS = retry.attempts * timeouts.countSignalsMs + 3_000;

/** A case's outcome, as the child reports it. */
export interface FuzzCaseOutcome {
  readonly seed: number;
  readonly session: string;
  /** The mutations that changed something, e.g. `4:number "* 11 EXISTS"`. */
  readonly applied: readonly string[];
  readonly splitWritesUpTo: number;
  /** Whether retries met the same mutations. */
  readonly everyConnection: boolean;
  readonly touchedExists: boolean;
  readonly connections: number;
  readonly result:
    | {
        readonly kind: 'counts';
        readonly sent: number;
        readonly received: number;
        readonly attempts: number;
        readonly mailboxes: readonly {
          path: string;
          counts: string;
          inRange: number | null;
          messages: number | null;
        }[];
      }
    | {
        readonly kind: 'error';
        readonly code: string;
        readonly retryable: boolean;
        readonly message: string;
        readonly attempts: number | undefined;
        readonly cause: string | undefined;
      }
    | { readonly kind: 'thrown'; readonly name: string; readonly message: string };
}

/**
 * Runs case `seed`.
 *
 * @param seed - The case seed.
 * @returns What happened.
 */
export async function runServerFuzzCase(seed: number): Promise<FuzzCaseOutcome> {
  return runFuzzPlan(planOf(seed, fixture.sessions));
}

/**
 * Runs one plan: its session replayed with its mutations.
 *
 * @param plan - From `planOf`, or one written out (the unmutated control of a session).
 * @returns What happened.
 */
export async function runFuzzPlan(plan: FuzzPlan): Promise<FuzzCaseOutcome> {
  const { seed } = plan;
  const log: MutationLog = { applied: [], touchedExists: false };
  const server = await startFaultServer(
    replayScenario(plan.session, (conn) => (conn.id === 1 || plan.everyConnection ? hooksOf(plan, log) : {})),
  );
  try {
    const connector = new ImapConnector(
      {
        host: server.host,
        port: server.port,
        security: 'none',
        username: 'fuzz@example.test',
        password: 'fuzz-canary-password',
        timeouts,
      },
      { retry },
    );
    const { granularity } = plan.session.request;
    const result = await connector
      // The path the fixture was recorded with (scripts/fuzz-record.ts), whatever the machine's load.
      .countSignals(plan.session.request.range, {
        transfer: plan.session.request.transfer ?? 'fewest-bytes',
        // One conversation per connection, as recorded: the mailboxes are listed on it (`auto` opens
        // no side connection on the recorded IMAP4rev1 servers).
        mailboxListing: plan.session.request.mailboxListing ?? 'same-connection',
        ...(granularity === undefined ? {} : { granularity }),
      })
      .then(
        (counts): FuzzCaseOutcome['result'] => ({
          kind: 'counts',
          sent: counts.sent,
          received: counts.received,
          attempts: counts.attempts,
          mailboxes: counts.mailboxes.map((mailbox) => ({
            path: mailbox.path,
            counts: mailbox.counts,
            inRange: mailbox.inRange,
            messages: mailbox.messages,
          })),
        }),
        (error: unknown): FuzzCaseOutcome['result'] => {
          if (!(error instanceof ImapConnectorError)) {
            return {
              kind: 'thrown',
              name: error instanceof Error ? error.name : typeof error,
              message: error instanceof Error ? error.message : String(error),
            };
          }
          const causeCode = (error.cause as { code?: unknown } | undefined)?.code;
          const cause =
            error.cause instanceof Error
              ? `${error.cause.name}${typeof causeCode === 'string' ? ` [${causeCode}]` : ''}: ${error.cause.message}`
              : undefined;
          return {
            kind: 'error',
            code: error.code,
            retryable: error.retryable,
            message: error.message,
            attempts: error.detail.attempts,
            cause,
          };
        },
      );
    return {
      seed,
      session: plan.session.name,
      applied: log.applied,
      splitWritesUpTo: plan.splitWritesUpTo,
      everyConnection: plan.everyConnection,
      touchedExists: log.touchedExists,
      connections: server.connections(),
      result,
    };
  } finally {
    await server.close();
  }
}

/** What the count of a case's session must be, and what its mailboxes hold. */
function sessionOf(name: string) {
  const session = fixture.sessions.find((candidate) => candidate.name === name);
  if (session === undefined) throw new Error(`no recorded session ${name}`);
  return session;
}

/**
 * Everything wrong with a case's outcome: an untyped or `UNKNOWN` failure, a count above what the
 * mailboxes hold, an inexact count where nothing was mutated or a clean retry ran, a secret in a
 * message.
 *
 * @param outcome - From {@link runServerFuzzCase}.
 * @returns One sentence per problem; empty when the case passed.
 */
export function problemsOf(outcome: FuzzCaseOutcome): string[] {
  const problems: string[] = [];
  const session = sessionOf(outcome.session);
  const { result } = outcome;
  if (JSON.stringify(result).includes('fuzz-canary-password'))
    problems.push('the password appears in the outcome');
  if (result.kind === 'thrown') {
    problems.push(`threw a ${result.name} instead of an ImapConnectorError: ${result.message}`);
    return problems;
  }
  if (result.kind === 'error') {
    if (result.code === 'UNKNOWN')
      problems.push(`ended as UNKNOWN: ${result.message} (cause: ${result.cause})`);
    // The control replays the recorded server unchanged (writes split or not): it must count. A fixture
    // recorded with other commands than the SDK sends now fails here, not silently at login.
    if (outcome.applied.length === 0)
      problems.push(`nothing was mutated, yet the count failed: ${result.code} ${result.message}`);
    return problems;
  }
  for (const mailbox of result.mailboxes) {
    if (mailbox.inRange !== null && (mailbox.inRange < 0 || mailbox.inRange > (mailbox.messages ?? 0)))
      problems.push(`${mailbox.path}: ${mailbox.inRange} in range of ${mailbox.messages} messages`);
  }
  const paths = result.mailboxes.map((mailbox) => mailbox.path);
  if (new Set(paths).size !== paths.length) problems.push(`a mailbox is reported twice: ${paths.join(', ')}`);
  if (!outcome.touchedExists) {
    for (const category of ['sent', 'received'] as const) {
      const holds = [...new Set(result.mailboxes.filter((m) => m.counts === category).map((m) => m.path))]
        .map((path) => session.mailboxSizes[path] ?? 0)
        .reduce((sum, size) => sum + size, 0);
      if (result[category] > holds) problems.push(`${category} ${result[category]} > ${holds} messages held`);
    }
  }
  const exactRequired = outcome.applied.length === 0 || (result.attempts > 1 && !outcome.everyConnection);
  if (
    exactRequired &&
    (result.sent !== session.expected.sent || result.received !== session.expected.received)
  ) {
    problems.push(
      `counted ${result.sent}/${result.received} (sent/received), expected ${session.expected.sent}/${session.expected.received} (${outcome.applied.length === 0 ? 'nothing was mutated' : 'after a retry on a clean connection'})`,
    );
  }
  return problems;
}
