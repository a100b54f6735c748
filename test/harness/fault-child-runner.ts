/**
 * Runs hostile cases in child processes, so that what a server does to the SDK can be judged the way a
 * host would feel it: the process must not crash (`--unhandled-rejections=strict`: an unhandled
 * rejection ends it), each case must settle in time, grow RSS boundedly and leave no handle, and the
 * child must exit by itself, with code 0, once it has no more work.
 *
 * A case is any exported async function of a module, `(argument) => Promise<plain JSON>`, run by
 * `fault-child.ts`. Children are reused for case after case (a process start costs about a second);
 * one that crashes is replaced, and the case it was running reported as crashed.
 *
 * @example
 * ```ts
 * const pool = new ChildCasePool({ size: 2, caseTimeoutMs: 20_000 });
 * const result = await pool.run({ module: fileURLToPath(new URL('./my-cases.ts', import.meta.url)),
 *   export: 'runHostileCase', argument: 'esort-huge-range' });
 * await pool.close(); // every child exited 0, or close() says which did not
 * ```
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildCaseReport, ChildCaseRequest, ChildCaseStarted } from './fault-child.js';

export type { ChildCaseReport } from './fault-child.js';

const CHILD_ENTRY = fileURLToPath(new URL('./fault-child.ts', import.meta.url));
/** Flags every child runs with: strict rejections, and gc() to measure RSS from a collected heap. */
export const CHILD_EXEC_ARGV = ['--import', 'tsx', '--unhandled-rejections=strict', '--expose-gc'];
const STDERR_KEPT = 4_000;
const EXIT_GRACE_MS = 10_000;
/** Starting a child and loading a case's modules (TypeScript compiled on the fly) on a loaded machine. */
const STARTUP_LIMIT_MS = 90_000;

/** A case for a child: a module path, an export, its argument. */
export type ChildCase = Omit<ChildCaseRequest, 'id'>;

/** How a case ended, seen from the parent. */
export type ChildCaseResult =
  | { readonly kind: 'reported'; readonly report: ChildCaseReport; readonly stderr: string }
  /** The child died (exit code or signal) or was killed for overrunning `caseTimeoutMs`. */
  | { readonly kind: 'crashed'; readonly reason: string; readonly stderr: string };

export interface ChildCasePoolOptions {
  /** Children at once. */
  readonly size: number;
  /** A case still running after this is a failure: its child is killed. */
  readonly caseTimeoutMs: number;
}

interface Worker {
  readonly child: ChildProcess;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  busy: boolean;
}

/** A pool of case-running child processes. */
export class ChildCasePool {
  readonly #options: ChildCasePoolOptions;
  readonly #idle: Worker[] = [];
  readonly #all = new Set<Worker>();
  readonly #waiting: Array<(worker: Worker) => void> = [];
  /** Children that exited other than with code 0 after their last case (see {@link close}). */
  readonly #badExits: string[] = [];
  #nextId = 1;
  #started = 0;

  constructor(options: ChildCasePoolOptions) {
    this.#options = options;
  }

  /**
   * Runs one case in a free child (starting one if fewer than `size` exist).
   *
   * @param request - The case.
   * @returns Its report, or how its child died.
   */
  async run(request: ChildCase): Promise<ChildCaseResult> {
    const worker = await this.#acquire();
    const id = this.#nextId++;
    worker.stderr = '';
    worker.busy = true;
    const result = await new Promise<ChildCaseResult>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const overrun = (limitMs: number, what: string) => () => {
        cleanup();
        worker.child.kill('SIGKILL');
        resolve({
          kind: 'crashed',
          reason: `${what} within ${limitMs} ms (child killed)`,
          stderr: worker.stderr,
        });
      };
      const onMessage = (message: ChildCaseReport | ChildCaseStarted) => {
        if (message.id !== id) return;
        if ('started' in message) {
          // The case's own deadline starts once its modules are loaded (a cold start under load is slow).
          clearTimeout(timer);
          timer = setTimeout(
            overrun(this.#options.caseTimeoutMs, 'did not settle'),
            this.#options.caseTimeoutMs,
          );
          return;
        }
        cleanup();
        resolve({ kind: 'reported', report: message, stderr: worker.stderr });
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        cleanup();
        resolve({
          kind: 'crashed',
          reason: `child exited (code ${code}, signal ${signal})`,
          stderr: worker.stderr,
        });
      };
      timer = setTimeout(overrun(STARTUP_LIMIT_MS, 'did not load the case'), STARTUP_LIMIT_MS);
      const cleanup = () => {
        clearTimeout(timer);
        worker.child.off('message', onMessage);
        worker.child.off('exit', onExit);
      };
      worker.child.on('message', onMessage);
      worker.child.once('exit', onExit);
      worker.child.send({ ...request, id } satisfies ChildCaseRequest);
    });
    worker.busy = false;
    if (result.kind === 'crashed') this.#replace(worker);
    else this.#release(worker);
    return result;
  }

  /**
   * Disconnects every child and waits for each to exit by itself; kills those that do not.
   *
   * @returns One line per child that did not exit with code 0 (a handle kept it alive, or it crashed).
   */
  async close(): Promise<string[]> {
    const workers = [...this.#all];
    this.#all.clear();
    this.#idle.length = 0;
    await Promise.all(
      workers.map(async (worker) => {
        if (worker.child.connected) worker.child.disconnect();
        let timer: NodeJS.Timeout | undefined;
        const exit = await Promise.race([
          worker.exited,
          new Promise<undefined>((resolve) => {
            timer = setTimeout(() => resolve(undefined), EXIT_GRACE_MS);
          }),
        ]);
        clearTimeout(timer);
        if (exit === undefined) {
          worker.child.kill('SIGKILL');
          this.#badExits.push(
            `a child was still running ${EXIT_GRACE_MS} ms after its last case (a handle kept it alive)`,
          );
        } else if (exit.code !== 0) {
          this.#badExits.push(
            `a child exited with code ${exit.code}, signal ${exit.signal}: ${worker.stderr.slice(-500)}`,
          );
        }
      }),
    );
    return [...this.#badExits];
  }

  /** Children started so far (crashed ones are replaced). */
  get started(): number {
    return this.#started;
  }

  async #acquire(): Promise<Worker> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#all.size < this.#options.size) return this.#spawn();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(worker: Worker): void {
    const waiter = this.#waiting.shift();
    if (waiter) waiter(worker);
    else this.#idle.push(worker);
  }

  #replace(worker: Worker): void {
    this.#all.delete(worker);
    const idleAt = this.#idle.indexOf(worker);
    if (idleAt >= 0) this.#idle.splice(idleAt, 1);
    const waiter = this.#waiting.shift();
    if (waiter) waiter(this.#spawn());
  }

  #spawn(): Worker {
    this.#started += 1;
    const child = fork(CHILD_ENTRY, [], {
      execArgv: CHILD_EXEC_ARGV,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const worker: Worker = {
      child,
      stderr: '',
      busy: false,
      exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
    };
    const keep = (chunk: Buffer) => {
      worker.stderr = (worker.stderr + chunk.toString()).slice(-STDERR_KEPT);
    };
    child.stderr?.on('data', keep);
    child.stdout?.on('data', keep);
    this.#all.add(worker);
    // A crashed child is not reused; start another when cases are waiting.
    void worker.exited.then(() => {
      if (this.#all.has(worker) && !worker.busy) this.#replace(worker);
    });
    return worker;
  }
}
