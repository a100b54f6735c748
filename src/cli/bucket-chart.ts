/** The terminal chart of a count's buckets: a sparkline per signal, and a bar per bucket when they fit. */
import type { BucketGranularity, SignalBucket } from '../index.js';

/** What the chart reads of a bucket. */
type ChartBucket = Pick<SignalBucket, 'label' | 'partial' | 'sent' | 'received'>;

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
 * The label of a bucket: the SDK's calendar label (`2026-03-29`, `2026-W13`, `2026-03`) or `range` for
 * a count without granularity, with `*` when the range cuts the period.
 *
 * @param bucket - The bucket.
 * @returns The label.
 */
export function bucketLabel(bucket: ChartBucket): string {
  return `${bucket.label ?? 'range'}${bucket.partial ? '*' : ''}`;
}

/** What the chart draws. */
export interface ChartInput {
  readonly buckets: readonly ChartBucket[];
  readonly granularity: BucketGranularity | null;
}

/**
 * The chart as lines of text: two sparklines (sent, received), then one row per bucket with both
 * counts and bars when there are at most 62 buckets, and a note when a period is only partly counted.
 *
 * @param input - The count's buckets and granularity.
 * @returns The lines, without line endings.
 */
export function bucketChart(input: ChartInput): string[] {
  const { buckets, granularity } = input;
  const sent = buckets.map((bucket) => bucket.sent);
  const received = buckets.map((bucket) => bucket.received);
  const lines = [`sent      ${sparkline(sent)}`, `received  ${sparkline(received)}`];
  if (buckets.length > MAX_ROWS) return lines;
  const labels = buckets.map(bucketLabel);
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
  if (buckets.some((bucket) => bucket.partial)) lines.push('* only part of this period is in the range');
  return lines;
}
