/**
 * The fuzz test's control, for every recorded session rather than one case in ten of a random draw:
 * replayed unchanged, each session must count exactly what its seed holds. A fixture recorded with
 * other commands than a count sends now (re-record with `npm run fuzz:record`), or with answers no
 * replay can give (WITHIN's seconds-ago searches), fails here, deterministically.
 */
import { describe, expect, it } from 'vitest';
import { fixture, problemsOf, runFuzzPlan } from './server-fuzz-case.js';

describe('the recorded count sessions, replayed unchanged', () => {
  it.each(fixture.sessions.map((session) => [session.name, session] as const))(
    '%s counts exactly what was seeded',
    async (_name, session) => {
      const outcome = await runFuzzPlan({
        seed: 0,
        session,
        mutations: [],
        splitWritesUpTo: 0,
        everyConnection: false,
      });
      expect(problemsOf(outcome)).toEqual([]);
      expect(outcome.result).toMatchObject({ kind: 'counts', ...session.expected, attempts: 1 });
    },
  );
});
