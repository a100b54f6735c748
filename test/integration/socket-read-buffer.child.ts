/**
 * The child of socket-read-buffer.test.ts: counts once to warm up, collects garbage, then counts again
 * while sampling `process.memoryUsage().arrayBuffers`, and sends the parent the counts and the growth.
 * It runs with a fixed 64 MB young generation, so V8 does not collect during a count: a buffer allocated
 * per socket read would then still be there when the count ends, whatever the test machine's load.
 */
import { type CountSignalsOptions, ImapConnector, type ImapConnectorConfigInput } from '../../src/index.js';

/** What the parent asks for. */
export interface ReadBufferRequest {
  readonly config: ImapConnectorConfigInput;
  readonly range: { readonly since: string; readonly until: string };
  readonly options: CountSignalsOptions;
}

/** What the child sends back. */
export interface ReadBufferReport {
  readonly strategies: readonly string[];
  readonly received: number;
  readonly dailyReceived: readonly number[];
  /** Peak `arrayBuffers` during the measured count, over its value after the collection before it. */
  readonly arrayBufferGrowth: number;
}

process.once('message', (message) => {
  measure(message as ReadBufferRequest).then(
    (report) => process.send?.(report, () => process.disconnect()),
    (error: unknown) => process.send?.({ error: String(error) }, () => process.disconnect()),
  );
});

async function measure(request: ReadBufferRequest): Promise<ReadBufferReport> {
  const connector = new ImapConnector(request.config);
  const range = { since: new Date(request.range.since), until: new Date(request.range.until) };
  await connector.countSignals(range, request.options);
  const collect = globalThis.gc;
  if (collect === undefined) throw new Error('the child runs with --expose-gc');
  collect();
  const start = process.memoryUsage().arrayBuffers;
  let peak = start;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  };
  const sampler = setInterval(sample, 1);
  const counts = await connector.countSignals(range, request.options).finally(() => clearInterval(sampler));
  sample();
  return {
    strategies: counts.strategies,
    received: counts.received,
    dailyReceived: counts.buckets.map((bucket) => bucket.received),
    arrayBufferGrowth: peak - start,
  };
}
