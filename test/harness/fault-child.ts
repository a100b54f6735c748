/**
 * The child side of `fault-child-runner.ts`: runs the cases its parent sends, one at a time, each a
 * function exported by a module, and reports for each its result, time, RSS growth and the handles it
 * left. Started with `--unhandled-rejections=strict`: a rejection nobody handles ends the process, and
 * the parent reports the case that was running. Once the parent disconnects, nothing is left to keep
 * the process alive: it must exit by itself, with code 0.
 */
import { pathToFileURL } from 'node:url';
import { activeHandleCount } from './active-handles.js';

/** A request from the parent. */
export interface ChildCaseRequest {
  readonly id: number;
  /** Absolute path of the module exporting the case function. */
  readonly module: string;
  /** The export: `(argument) => Promise<unknown>` whose result is plain JSON. */
  readonly export: string;
  readonly argument: unknown;
}

/** Sent when a case starts running, its modules loaded. */
export interface ChildCaseStarted {
  readonly id: number;
  readonly started: true;
}

/** What the child measured for one case. */
export interface ChildCaseReport {
  readonly id: number;
  /** The case function's result, or its error as text when it threw. */
  readonly outcome: unknown;
  readonly threw?: string;
  readonly elapsedMs: number;
  /** Peak resident memory during the case minus resident memory before it. */
  readonly rssGrowthBytes: number;
  /** `process.getActiveResourcesInfo()` entries still there 2 s after the case, beyond those before it. */
  readonly handlesLeft: readonly string[];
}

const HANDLE_GRACE_MS = 2_000;

async function handlesLeftAfter(baseline: number): Promise<string[]> {
  const deadline = Date.now() + HANDLE_GRACE_MS;
  while (activeHandleCount() > baseline) {
    if (Date.now() > deadline) return process.getActiveResourcesInfo();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return [];
}

async function runCase(request: ChildCaseRequest): Promise<ChildCaseReport> {
  const caseModule = (await import(pathToFileURL(request.module).href)) as Record<string, unknown>;
  const run = caseModule[request.export];
  if (typeof run !== 'function') throw new Error(`${request.module} has no function ${request.export}`);
  // The parent's deadline starts now: loading the modules is the process's start-up, not the case.
  process.send?.({ id: request.id, started: true } satisfies ChildCaseStarted);
  global.gc?.();
  const baseline = activeHandleCount();
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }, 10);
  const startedAt = performance.now();
  let outcome: unknown;
  let threw: string | undefined;
  try {
    outcome = await (run as (argument: unknown) => Promise<unknown>)(request.argument);
  } catch (error) {
    threw = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  const elapsedMs = Math.round(performance.now() - startedAt);
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  return {
    id: request.id,
    outcome,
    ...(threw === undefined ? {} : { threw }),
    elapsedMs,
    rssGrowthBytes: rssPeak - rssBefore,
    handlesLeft: await handlesLeftAfter(baseline),
  };
}

process.on('message', (request: ChildCaseRequest) => {
  void runCase(request).then(
    (report) => process.send?.(report),
    (error: unknown) => {
      throw error;
    },
  );
});
process.on('disconnect', () => process.removeAllListeners('message'));
