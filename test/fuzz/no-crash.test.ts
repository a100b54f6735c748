/**
 * "No crash, ever, from input" (issue 8): every hostile case of `hostile-cases.ts` runs in a child
 * process started with `--unhandled-rejections=strict`. The child must report (not die), the count
 * must settle within its deadline as a typed outcome (never UNKNOWN, never more than the mailboxes
 * hold, the code or counts the case expects), RSS must grow less than 256 MiB, no handle may be left,
 * and the children must exit by themselves, with code 0.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ChildCasePool } from '../harness/fault-child-runner.js';
import {
  HOSTILE_DEADLINE_MS,
  type HostileOutcome,
  hostileCases,
  hostileCasesModule,
  hostileProblemsOf,
} from './hostile-cases.js';
import { RSS_BOUND_BYTES } from './server-fuzz-runner.js';

const pool = new ChildCasePool({ size: 2, caseTimeoutMs: HOSTILE_DEADLINE_MS + 5_000 });
afterAll(async () => {
  await pool.close();
});

const names = Object.keys(hostileCases);

async function expectCaseToPass(name: string): Promise<void> {
  const result = await pool.run({ module: hostileCasesModule, export: 'runHostileCase', argument: name });
  if (result.kind === 'crashed') throw new Error(`${result.reason}\n${result.stderr}`);
  const { report } = result;
  expect(report.threw).toBeUndefined();
  expect(hostileProblemsOf(name, report.outcome as HostileOutcome)).toEqual([]);
  expect(report.elapsedMs).toBeLessThan(HOSTILE_DEADLINE_MS);
  expect(report.rssGrowthBytes).toBeLessThan(RSS_BOUND_BYTES);
  expect(report.handlesLeft).toEqual([]);
}

describe('no crash, ever, from a hostile server', () => {
  it.concurrent.each(names)('%s', expectCaseToPass, HOSTILE_DEADLINE_MS + 120_000);

  it.sequential('leaves children that exit by themselves, with code 0', async () => {
    expect(await pool.close()).toEqual([]);
  });
});
