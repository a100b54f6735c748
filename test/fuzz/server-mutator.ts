/**
 * The seeded mutator of the server fuzz test: from one integer, a plan of what goes wrong in a replayed
 * count session (which answers are mutated, how, whether writes are split at random bytes), and the
 * replay hooks that carry it out. Same seed, same plan, same bytes: a failing case replays exactly.
 */

import { randomSource } from '../harness/fault-random.js';
import { linesToBytes, type ReplayHooks, type ReplayWrite } from '../harness/fault-replay.js';
import type { RecordedSession } from '../harness/fault-transcript.js';

export { randomSource } from '../harness/fault-random.js';

/** Every kind of mutation the fuzzer applies. */
export const mutationKinds = [
  'number',
  'range',
  'literal',
  'quoting',
  'truncate',
  'duplicate',
  'flood-duplicate',
  'drop',
  'wrong-tag',
  'inject-untagged',
  'refuse',
  'bye',
  'date',
  'non-utf8',
  'reorder',
  'fin-mid-answer',
  'reset-mid-answer',
] as const;
export type MutationKind = (typeof mutationKinds)[number];

/** One planned mutation: which answer, what kind, and the seed of its own choices. */
export interface PlannedMutation {
  /** 0 is the greeting, then one per command answered. */
  readonly answer: number;
  readonly kind: MutationKind;
  readonly seed: number;
}

/** Everything a case does, derived from its seed. */
export interface FuzzPlan {
  readonly seed: number;
  readonly session: RecordedSession;
  readonly mutations: readonly PlannedMutation[];
  /** Split every answer into writes of 1..this bytes (0: one write per answer). */
  readonly splitWritesUpTo: number;
  /**
   * Whether retries meet the same mutations (a server that is broken for good) rather than the server
   * as recorded (a glitch, which a retry must get past to the exact count).
   */
  readonly everyConnection: boolean;
}

const pick = <T>(random: () => number, items: readonly T[]): T => {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
};
const below = (random: () => number, limit: number) => Math.floor(random() * limit);

/**
 * The plan of case `seed`: a session, 0–3 mutations (none in about one case in ten: the control, which
 * must count exactly), and split writes in about one case in three.
 *
 * @param seed - Any 32-bit integer.
 * @param sessions - The recorded sessions to choose from.
 * @returns The plan.
 */
export function planOf(seed: number, sessions: readonly RecordedSession[]): FuzzPlan {
  const random = randomSource(seed);
  const session = pick(random, sessions);
  const answers = session.exchanges.length + 1;
  const mutationCount = random() < 0.1 ? 0 : 1 + below(random, 3);
  const mutations = Array.from({ length: mutationCount }, () => ({
    // Most of the interest is after login (answer 2 on): weigh those answers double.
    answer: random() < 0.2 ? below(random, answers) : 2 + below(random, Math.max(1, answers - 2)),
    kind: pick(random, mutationKinds),
    seed: Math.floor(random() * 4_294_967_296),
  }));
  const splitWritesUpTo = random() < 0.35 ? 1 + below(random, 24) : 0;
  const everyConnection = random() < 0.3;
  return { seed, session, mutations, splitWritesUpTo, everyConnection };
}

/** What the mutator did, for the case's report and its plausibility check. */
export interface MutationLog {
  /** One entry per mutation that changed an answer, e.g. `3:number "* 11 EXISTS"`. */
  readonly applied: string[];
  /** Whether a changed line announced a mailbox size (EXISTS): the server then claimed other sizes. */
  touchedExists: boolean;
}

/**
 * The replay hooks carrying out `plan`, and the log they fill in.
 *
 * @param plan - From {@link planOf}.
 * @param log - Where to note what was changed (shared by the connections of one case).
 * @returns Hooks for one connection: its answers are counted from 0 (the greeting).
 */
export function hooksOf(plan: FuzzPlan, log: MutationLog): ReplayHooks {
  const chunkRandom = randomSource(plan.seed ^ 0x5bd1e995);
  const hooks: ReplayHooks = {
    transform: (index, lines) => {
      let current = [...lines];
      let after: ReplayWrite['after'];
      let cut: number | undefined;
      for (const mutation of plan.mutations) {
        if (mutation.answer !== index) continue;
        const result = mutate(mutation, current);
        if (result === undefined) continue;
        log.applied.push(`${index}:${mutation.kind} ${JSON.stringify(result.touched.slice(0, 80))}`);
        if (/EXISTS/i.test(result.touched)) log.touchedExists = true;
        current = result.lines;
        after = result.after ?? after;
        cut = result.cutAt ?? cut;
      }
      const data = linesToBytes(current);
      return { data: cut === undefined ? data : data.subarray(0, cut), after };
    },
    ...(plan.splitWritesUpTo > 0 ? { chunkSize: () => 1 + below(chunkRandom, plan.splitWritesUpTo) } : {}),
  };
  return hooks;
}

interface Mutated {
  readonly lines: string[];
  /** The original line that was changed (or a description), for the log. */
  readonly touched: string;
  readonly after?: ReplayWrite['after'];
  /** Write only this many bytes of the answer. */
  readonly cutAt?: number;
}

const ODD_NUMBERS = [
  '0',
  '1',
  '-5',
  '4294967295',
  '4294967296',
  '2147483648',
  '99999999999999999999999',
  'abc',
  '',
  '007',
  '1e3',
  '0x10',
  'NaN',
] as const;
const ODD_RANGES = [
  '4294967295:1',
  '1:4294967295',
  '*',
  '1:*',
  '5:3',
  '0:0',
  '1,1,1',
  '1:100000000',
  '3:3,2:4',
  '1,4294967295:50',
  ':',
  '1:',
] as const;
const ODD_DATES = [
  '"31-Feb-2026 10:00:00 +0000"',
  '"01-Jan-1900 00:00:00 +0000"',
  '"01-Jan-10000 00:00:00 +0000"',
  '"00-Jan-2026 00:00:00 +0000"',
  '"05-Foo-2026 10:00:00 +0000"',
  '"05-Jan-2026 25:61:61 +0000"',
  '"05-Jan-2026 10:00:00 +9999"',
  '" 5-Jan-2026 10:00:00 -1200"',
  '"01-Jan-1970 00:00:00 +0000"',
  '""',
  'NIL',
  '"not a date"',
  '"05-Jan-2026"',
] as const;
const REFUSALS = [
  'NO [NONEXISTENT] Mailbox does not exist',
  'NO [SERVERBUG] Internal error occurred. Refer to server log for more information.',
  'BAD Error in IMAP command: Invalid arguments.',
  'NO [UNAVAILABLE] Temporary failure',
  'NO [LIMIT] Too many commands',
  'NO [CANNOT] Not supported',
  'NO',
  'BAD',
  'NO [ALERT] Quota exceeded',
  'NO [NOPERM] Permission denied',
] as const;
const UNTAGGED = [
  '* BYE Server shutting down',
  '* NO [ALERT] Disk almost full',
  '* BAD Unexpected garbage',
  '* OK [UIDVALIDITY 1] Changed',
  '* 5 EXPUNGE',
  '* 1 EXISTS',
  '* 4294967295 EXISTS',
  '* CAPABILITY IMAP4rev1',
  '* FLAGS (\\Seen',
  '* ESEARCH (TAG "X1") UID ALL 1:4294967295',
  '* SEARCH 1 2 3 4294967295',
  '* SORT 4294967295 1',
  '* LIST (\\HasNoChildren) "/" INBOX',
  '* 1 FETCH (UID 4294967295 INTERNALDATE "05-Jan-2026 10:00:00 +0000")',
  '+ go ahead',
  '*',
  '',
] as const;
const NON_UTF8 = [
  [0xff],
  [0xfe, 0xff],
  [0xc3, 0x28],
  [0x00],
  [0x80, 0x80],
  [0xed, 0xa0, 0x80],
  [0x1b],
] as const;

/** Applies one mutation to the lines of one answer; `undefined` when it has nothing to work on. */
function mutate(mutation: PlannedMutation, lines: readonly string[]): Mutated | undefined {
  const random = randomSource(mutation.seed);
  const out = [...lines];
  const anyLine = () => below(random, out.length);
  const lineMatching = (pattern: RegExp): number | undefined => {
    const candidates = out.flatMap((line, index) => (pattern.test(line) ? [index] : []));
    return candidates.length === 0 ? undefined : pick(random, candidates);
  };
  const replaceMatch = (pattern: RegExp, replacement: () => string): Mutated | undefined => {
    const index = lineMatching(pattern);
    if (index === undefined) return undefined;
    const line = out[index] ?? '';
    const matches = [...line.matchAll(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))];
    const match = pick(random, matches);
    const start = match.index ?? 0;
    out[index] = line.slice(0, start) + replacement() + line.slice(start + match[0].length);
    return { lines: out, touched: line };
  };
  const tagged = () => {
    const index = out.findIndex((line) => !line.startsWith('*') && !line.startsWith('+'));
    return index < 0 ? undefined : index;
  };
  if (out.length === 0) return undefined;

  switch (mutation.kind) {
    case 'number':
      return replaceMatch(/\d+/, () => pick(random, ODD_NUMBERS));
    case 'range':
      return replaceMatch(/\d+(?::\d+)?/, () => pick(random, ODD_RANGES));
    case 'literal':
      return replaceMatch(/"[^"]*"/, () => {
        const text = JSON.parse(pick(random, ['""', '"INBOX"', '"x"'])) as string;
        const declared = pick(random, [text.length, text.length + 3, 0, 4294967295, 1_048_577]);
        return `{${declared}}\r\n${text}`;
      });
    case 'quoting': {
      const index = anyLine();
      const line = out[index] ?? '';
      const at = below(random, line.length + 1);
      const insert = pick(random, ['"', '\\', '(', ')', '\\"', '"\\', '((((((((', ')))', '[', ']']);
      out[index] = line.slice(0, at) + insert + line.slice(at);
      return { lines: out, touched: line };
    }
    case 'truncate': {
      const index = anyLine();
      const line = out[index] ?? '';
      out[index] = line.slice(0, below(random, line.length));
      return { lines: out, touched: line };
    }
    case 'duplicate': {
      const index = lineMatching(/^\* /) ?? anyLine();
      out.splice(index, 0, out[index] ?? '');
      return { lines: out, touched: out[index] ?? '' };
    }
    case 'flood-duplicate': {
      const index = lineMatching(/^\* /);
      if (index === undefined) return undefined;
      const line = out[index] ?? '';
      out.splice(index, 0, ...Array.from({ length: pick(random, [10, 1_000, 20_000]) }, () => line));
      return { lines: out, touched: line };
    }
    case 'drop': {
      const index = anyLine();
      const [line] = out.splice(index, 1);
      return { lines: out, touched: line ?? '' };
    }
    case 'wrong-tag': {
      const index = tagged();
      if (index === undefined) return undefined;
      const line = out[index] ?? '';
      const space = line.indexOf(' ');
      const tag = pick(random, ['A999', 'X', '0', '*', '+', `${line.slice(0, space)}0`, '1']);
      out[index] = `${tag}${line.slice(space)}`;
      return { lines: out, touched: line };
    }
    case 'inject-untagged': {
      const line = pick(random, UNTAGGED);
      out.splice(below(random, out.length + 1), 0, line);
      return { lines: out, touched: line };
    }
    case 'refuse': {
      const index = tagged();
      if (index === undefined) return undefined;
      const line = out[index] ?? '';
      out[index] = `${line.slice(0, line.indexOf(' '))} ${pick(random, REFUSALS)}`;
      return { lines: out, touched: line };
    }
    case 'bye': {
      const at = below(random, out.length + 1);
      out.splice(
        at,
        out.length - at,
        `* BYE ${pick(random, ['Shutting down', '[UNAVAILABLE] Maintenance', ''])}`,
      );
      return { lines: out, touched: `BYE at line ${at}`, after: 'fin' };
    }
    case 'date':
      return (
        replaceMatch(/"\d{2}-[A-Za-z]{3}-\d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}"/, () =>
          pick(random, ODD_DATES),
        ) ??
        replaceMatch(/\d+-[A-Za-z]{3}-\d{4}/, () =>
          pick(random, ['31-Feb-2026', '1-Xyz-2026', '1-Jan-99999']),
        )
      );
    case 'non-utf8': {
      const index = anyLine();
      const line = out[index] ?? '';
      const at = below(random, line.length + 1);
      out[index] = line.slice(0, at) + String.fromCharCode(...pick(random, NON_UTF8)) + line.slice(at);
      return { lines: out, touched: line };
    }
    case 'reorder': {
      const index = tagged();
      if (index === undefined || out.length < 2) return undefined;
      if (random() < 0.5) {
        // The completion first, its untagged data after it.
        const [completion] = out.splice(index, 1);
        out.unshift(completion ?? '');
        return { lines: out, touched: completion ?? '' };
      }
      const a = anyLine();
      const b = anyLine();
      [out[a], out[b]] = [out[b] ?? '', out[a] ?? ''];
      return { lines: out, touched: `swap ${a} ${b}` };
    }
    case 'fin-mid-answer':
    case 'reset-mid-answer': {
      const total = linesToBytes(out).length;
      const cutAt = below(random, total + 1);
      return {
        lines: out,
        touched: `cut at byte ${cutAt} of ${total}`,
        cutAt,
        after: mutation.kind === 'fin-mid-answer' ? 'fin' : 'reset',
      };
    }
  }
}
