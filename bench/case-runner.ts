// One benchmark case per process, so that peak RSS belongs to that case alone.

import type { ImapConnector } from '../src/index.js';
import {
  type CaseOutcome,
  type CaseTarget,
  type CountSpec,
  countWithBaseline,
  countWithSdk,
  sdkConnector,
  testWithRawMinimum,
  testWithSdk,
} from './bench-cases.js';
import { pinClock } from './bench-clock.js';
import { countWithFloor } from './raw-floor.js';

/** The message the orchestrator sends. */
export interface CaseRequest {
  readonly implementation:
    | 'sdk-count'
    | 'sdk-count-pipelined'
    | 'sdk-count-fewest-bytes'
    | 'sdk-count-same-connection'
    | 'sdk-count-side-connection'
    | 'sdk-count-kept-connector'
    | 'floor-count'
    | 'baseline-count'
    | 'sdk-test'
    | 'raw-minimum';
  readonly target: CaseTarget;
  readonly spec?: CountSpec;
  /** Measure the first call of a fresh process (imports, JIT, TLS context) instead of a warm one. */
  readonly cold?: boolean;
  /** The wall clock the case runs at (bench-clock.ts); the machine's own when absent. */
  readonly countedAtMs?: number;
}

/** The answer. */
export type CaseReply =
  | ({ ok: true; maxRssBytes: number; startRssBytes: number } & CaseOutcome)
  | { ok: false; error: string };

// A host calls these repeatedly from a long-lived process, so both sides are measured warm: each case
// runs once untimed (JIT, module caches), the orchestrator resets its counters, then the measured call
// runs. A cold first call costs the SDK ~0.3–0.5 s more than the baseline (more code to compile).
async function runWarm(request: CaseRequest): Promise<CaseOutcome> {
  const connectionTest = request.implementation === 'sdk-test' || request.implementation === 'raw-minimum';
  // A ~50 ms connection test is still compiling its code paths over the first few calls.
  const warmUps = request.cold ? 0 : connectionTest ? CONNECTION_TEST_WARM_UPS : 1;
  for (let call = 0; call < warmUps; call += 1) await run(request);
  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    process.send?.({ warmed: true });
  });
  if (!connectionTest) return run(request);
  // A connection test takes ~50 ms, where one scheduling hiccup of the shared machine doubles a sample:
  // each sample is the median of several calls (the orchestrator divides the bytes by `repeats`).
  const outcomes: CaseOutcome[] = [];
  for (let call = 0; call < CONNECTION_TEST_REPEATS; call += 1) outcomes.push(await run(request));
  const sorted = [...outcomes].sort((a, b) => a.wallMs - b.wallMs);
  const middle = sorted[sorted.length >> 1] ?? outcomes[0];
  if (!middle) throw new Error('no outcome');
  return { ...middle, repeats: CONNECTION_TEST_REPEATS };
}

const CONNECTION_TEST_REPEATS = 9;
const CONNECTION_TEST_WARM_UPS = 5;
// The connector of `sdk-count-kept-connector`: made by the warm-up call, counted with again by the timed one.
let keptConnector: ImapConnector | undefined;

function run(request: CaseRequest): Promise<CaseOutcome> {
  const spec = request.spec;
  switch (request.implementation) {
    case 'sdk-count':
      if (!spec) throw new Error('count without spec');
      return countWithSdk(request.target, spec);
    case 'sdk-count-pipelined':
      if (!spec) throw new Error('count without spec');
      return countWithSdk(request.target, spec, 'fewest-round-trips');
    case 'sdk-count-fewest-bytes':
      if (!spec) throw new Error('count without spec');
      return countWithSdk(request.target, spec, 'fewest-bytes');
    case 'sdk-count-same-connection':
      if (!spec) throw new Error('count without spec');
      return countWithSdk(request.target, spec, 'auto', 'same-connection');
    case 'sdk-count-kept-connector':
      if (!spec) throw new Error('count without spec');
      keptConnector ??= sdkConnector(request.target);
      return countWithSdk(request.target, spec, 'auto', undefined, 'none', keptConnector);
    case 'sdk-count-side-connection':
      if (!spec) throw new Error('count without spec');
      return countWithSdk(request.target, spec, 'auto', 'side-connection');
    case 'baseline-count':
      if (!spec) throw new Error('count without spec');
      return countWithBaseline(request.target, spec);
    case 'floor-count':
      if (!spec) throw new Error('count without spec');
      return countWithFloor(request.target, spec);
    case 'sdk-test':
      return testWithSdk(request.target);
    case 'raw-minimum':
      return testWithRawMinimum(request.target);
  }
}

process.once('message', (message: CaseRequest) => {
  const startRssBytes = process.memoryUsage.rss();
  // Only the SDK's clock (bench-clock.ts): the floor reads none, and imapflow's searches read it.
  if (message.countedAtMs !== undefined && message.implementation.startsWith('sdk-'))
    pinClock(message.countedAtMs);
  runWarm(message)
    .then((outcome) => {
      const reply: CaseReply = {
        ok: true,
        ...outcome,
        startRssBytes,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
      };
      process.send?.(reply, () => process.exit(0));
    })
    .catch((error: unknown) => {
      const reply: CaseReply = {
        ok: false,
        error: `${error instanceof Error ? (error.stack ?? error.message) : String(error)} ${JSON.stringify(error)}`,
      };
      process.send?.(reply, () => process.exit(1));
    });
});
