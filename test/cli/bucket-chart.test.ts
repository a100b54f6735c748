import { describe, expect, it } from 'vitest';
import { bucketChart, bucketLabel, horizontalBar, sparkline } from '../../src/cli/bucket-chart.js';
import { progressLine } from '../../src/cli/progress-bar.js';

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

describe('bucket labels', () => {
  // 2026-03-29T22:00Z is Mon 30 Mar 00:00 in Berlin (CEST), still Sun 29 Mar in UTC.
  const bucket = { start: '2026-03-29T22:00:00.000Z', end: '2026-03-30T22:00:00.000Z', sent: 0, received: 0 };
  it.each([
    ['day', 'Europe/Berlin', '2026-03-30'],
    ['day', 'UTC', '2026-03-29'],
    ['week', 'Europe/Berlin', 'week of 2026-03-30'],
    ['month', 'Europe/Berlin', '2026-03'],
  ] as const)('a %s in %s is %s', (granularity, zone, label) => {
    expect(bucketLabel(bucket, granularity, zone)).toBe(label);
  });
});

describe('the chart', () => {
  it('has sparklines, then a row per bucket', () => {
    const buckets = [
      { start: '2026-01-01T00:00:00.000Z', end: '2026-01-02T00:00:00.000Z', sent: 2, received: 0 },
      { start: '2026-01-02T00:00:00.000Z', end: '2026-01-03T00:00:00.000Z', sent: 1, received: 4 },
    ];
    const lines = bucketChart({ buckets, granularity: 'day', timeZone: 'UTC' });
    expect(lines.slice(0, 2)).toEqual(['sent      █▄', 'received  ·█']);
    expect(lines[4]).toBe(`2026-01-01     2 ${'█'.repeat(24)}     0`);
    expect(lines[5]).toBe(`2026-01-02     1 ${'█'.repeat(12).padEnd(24)}     4 ${'█'.repeat(24)}`);
  });

  it('keeps only the sparklines beyond 62 buckets', () => {
    const buckets = Array.from({ length: 63 }, (_, index) => ({
      start: new Date(Date.UTC(2026, 0, 1 + index)).toISOString(),
      end: new Date(Date.UTC(2026, 0, 2 + index)).toISOString(),
      sent: index,
      received: 1,
    }));
    expect(bucketChart({ buckets, granularity: 'day', timeZone: 'UTC' })).toHaveLength(2);
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
