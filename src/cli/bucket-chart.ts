/** The terminal chart of a count's buckets: a sparkline per signal, and a bar per bucket when they fit. */
import type { BucketGranularity, SignalBucket } from '../index.js';

/** What the chart reads of a bucket. */
type ChartBucket = Pick<SignalBucket, 'start' | 'sent' | 'received'>;

const SPARKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const BAR_WIDTH = 24;
/** Up to this many buckets get a row each (two months of days); longer ranges get the sparklines only. */
const MAX_ROWS = 62;

/**
 * A sparkline: one block per value, its height relative to the largest; `·` marks a zero, so an empty
 * day is not mistaken for a small one.
 *
 * @param values - The series.
 * @returns One character per value.
 */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((value) => {
      if (value <= 0 || max === 0) return '·';
      const level = Math.ceil((value / max) * SPARKS.length) - 1;
      return SPARKS[Math.min(Math.max(level, 0), SPARKS.length - 1)];
    })
    .join('');
}

/**
 * A horizontal bar `width` cells long at `max`, drawn with eighth blocks.
 *
 * @param value - The value.
 * @param max - The value of a full bar.
 * @param width - Cells of a full bar.
 * @returns The bar, possibly empty.
 */
export function horizontalBar(value: number, max: number, width = BAR_WIDTH): string {
  if (value <= 0 || max <= 0) return '';
  const eighths = Math.max(1, Math.round((value / max) * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/**
 * The label of a bucket in its zone: `2026-11-03` for a day or week (its first day), `2026-11` for a month.
 *
 * @param bucket - The bucket.
 * @param granularity - Its size, or null for the whole range.
 * @param timeZone - The zone of its boundaries.
 * @returns The label.
 */
export function bucketLabel(
  bucket: ChartBucket,
  granularity: BucketGranularity | null,
  timeZone: string,
): string {
  const date = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(bucket.start));
  if (granularity === 'month') return date.slice(0, 7);
  if (granularity === 'week') return `week of ${date}`;
  return date;
}

/** What the chart draws. */
export interface ChartInput {
  readonly buckets: readonly ChartBucket[];
  readonly granularity: BucketGranularity | null;
  readonly timeZone: string;
}

/**
 * The chart as lines of text: two sparklines (sent, received), then one row per bucket with both
 * counts and bars when there are at most 62 buckets.
 *
 * @param input - The count's buckets, granularity and zone.
 * @returns The lines, without line endings.
 */
export function bucketChart(input: ChartInput): string[] {
  const { buckets, granularity, timeZone } = input;
  const sent = buckets.map((bucket) => bucket.sent);
  const received = buckets.map((bucket) => bucket.received);
  const lines = [`sent      ${sparkline(sent)}`, `received  ${sparkline(received)}`];
  if (buckets.length > MAX_ROWS) return lines;
  const labels = buckets.map((bucket) => bucketLabel(bucket, granularity, timeZone));
  const labelWidth = Math.max(...labels.map((label) => label.length), (granularity ?? 'range').length);
  const countWidth = Math.max(4, ...[...sent, ...received].map((value) => String(value).length));
  const sentMax = Math.max(0, ...sent);
  const receivedMax = Math.max(0, ...received);
  lines.push(
    '',
    `${(granularity ?? 'range').padEnd(labelWidth)}  ${'sent'.padStart(countWidth)} ${''.padEnd(BAR_WIDTH)}  ${'received'.padStart(countWidth)}`,
  );
  buckets.forEach((bucket, index) => {
    lines.push(
      `${(labels[index] ?? '').padEnd(labelWidth)}  ${String(bucket.sent).padStart(countWidth)} ${horizontalBar(bucket.sent, sentMax).padEnd(BAR_WIDTH)}  ${String(bucket.received).padStart(countWidth)} ${horizontalBar(bucket.received, receivedMax)}`.trimEnd(),
    );
  });
  return lines;
}
