import { describe, expect, it } from 'vitest';
import { bucketChart, bucketLabel, horizontalBar, sparkline } from '../../src/cli/bucket-chart.js';
import { progressLine } from '../../src/cli/progress-bar.js';
import type { SignalBucket } from '../../src/index.js';

describe('sparkline', () => {
  it.each([
    [[0, 1, 2, 3, 4, 5, 6, 7, 8], '·▁▂▃▄▅▆▇█'],
    [[0, 0, 0], '···'],
    [[5], '█'],
    [[1, 100], '▁█'],
  ])('%j is %s', (values, expected) => {
    expect(sparkline(values)).toBe(expected);
  });
});

describe('horizontal bars', () => {
  it.each([
    [0, 10, 8, ''],
    [10, 10, 8, '████████'],
    [5, 10, 8, '████'],
    [1, 16, 8, '▌'],
    [1, 1000, 8, '▏'],
  ])('%i of %i in %i cells is "%s"', (value, max, width, expected) => {
    expect(horizontalBar(value, max, width)).toBe(expected);
  });
});

/** A day bucket as the SDK labels it. */
function day(date: string, sent: number, received: number, partial = false): SignalBucket {
  const start = `${date}T00:00:00.000Z`;
  const end = new Date(Date.parse(start) + 86_400_000).toISOString();
  return {
    label: date,
    granularity: 'day',
    start,
    end,
    localStart: `${date}T00:00:00+00:00`,
    localEnd: `${end.slice(0, 10)}T00:00:00+00:00`,
    seconds: 86_400,
    partial,
    sent,
    received,
  };
}

describe('bucket labels', () => {
  it.each([
    [day('2026-03-30', 0, 0), '2026-03-30'],
    [{ ...day('2026-03-30', 0, 0), label: '2026-W14', granularity: 'week' as const }, '2026-W14'],
    [{ ...day('2026-03-30', 0, 0), label: null, granularity: null }, 'range'],
    [day('2026-03-30', 0, 0, true), '2026-03-30*'],
  ])('%#: %s', (bucket, label) => {
    expect(bucketLabel(bucket)).toBe(label);
  });
});

describe('the chart', () => {
  it('has sparklines, then a row per bucket', () => {
    const buckets = [day('2026-01-01', 2, 0), day('2026-01-02', 1, 4)];
    const lines = bucketChart({ buckets, granularity: 'day' });
    expect(lines.slice(0, 2)).toEqual(['sent      █▄', 'received  ·█']);
    expect(lines[4]).toBe(`2026-01-01     2 ${'█'.repeat(24)}     0`);
    expect(lines[5]).toBe(`2026-01-02     1 ${'█'.repeat(12).padEnd(24)}     4 ${'█'.repeat(24)}`);
  });

  it('keeps only the sparklines beyond 62 buckets', () => {
    const buckets = Array.from({ length: 63 }, (_, index) =>
      day(new Date(Date.UTC(2026, 0, 1 + index)).toISOString().slice(0, 10), index, 1),
    );
    expect(bucketChart({ buckets, granularity: 'day' })).toHaveLength(2);
  });

  it('notes a period the range cuts', () => {
    const lines = bucketChart({
      buckets: [day('2026-01-01', 1, 1, true), day('2026-01-02', 1, 1)],
      granularity: 'day',
    });
    expect(lines[4]).toMatch(/^2026-01-01\* /);
    expect(lines.at(-1)).toBe('* only part of this period is in the range');
  });
});

describe('the progress line', () => {
  it.each([
    [0, 4, '[░░░░░░░░░░░░░░░░░░░░] 0/4 mailboxes · INBOX'],
    [1, 4, '[█████░░░░░░░░░░░░░░░] 1/4 mailboxes · INBOX'],
    [4, 4, '[████████████████████] 4/4 mailboxes · INBOX'],
  ])('%i of %i', (done, total, line) => {
    expect(progressLine(done, total, 'INBOX', 120)).toBe(line);
  });

  it('is cut to the terminal width', () => {
    expect([...progressLine(1, 2, 'A very long mailbox name indeed', 40)]).toHaveLength(39);
  });
});
