import { afterEach, describe, expect, it } from 'vitest';
import { type BucketRow, BucketStore } from '../../../examples/queue-worker/bucket-store.js';

const row = (label: string, sent: number, received: number): BucketRow => ({
  label,
  timeZone: 'Europe/Berlin',
  startUtc: `${label}T00:00:00.000Z`,
  endUtc: `${label}T23:00:00.000Z`,
  sent,
  received,
});
const at = new Date('2026-03-30T03:00:00Z');

describe('examples/queue-worker BucketStore (SQLite)', () => {
  let store: BucketStore | undefined;
  afterEach(() => store?.close());

  const counts = (s: BucketStore) => s.all().map(({ label, sent, received }) => ({ label, sent, received }));

  it('replaces a full count of the same (account, label), so a re-run does not add up', () => {
    store = new BucketStore(':memory:');
    store.write('a1', { rows: [row('2026-03-29', 2, 5)], merge: 'replace', cursor: null }, at);
    store.write('a1', { rows: [row('2026-03-29', 3, 6)], merge: 'replace', cursor: null }, at);
    store.write('a2', { rows: [row('2026-03-29', 1, 1)], merge: 'replace', cursor: null }, at);
    expect(counts(store)).toEqual([
      { label: '2026-03-29', sent: 3, received: 6 },
      { label: '2026-03-29', sent: 1, received: 1 },
    ]);
  });

  it('adds an incremental count to what is stored and keeps the cursor with it', () => {
    store = new BucketStore(':memory:');
    store.write(
      'a1',
      { rows: [row('2026-03-29', 2, 5)], merge: 'replace', cursor: { cursor: 'c1', day: '2026-03-29' } },
      at,
    );
    store.write(
      'a1',
      {
        rows: [row('2026-03-29', 1, 0), row('2026-03-30', 0, 4)],
        merge: 'add',
        cursor: { cursor: 'c2', day: '2026-03-30' },
      },
      at,
    );
    expect(counts(store)).toEqual([
      { label: '2026-03-29', sent: 3, received: 5 },
      { label: '2026-03-30', sent: 0, received: 4 },
    ]);
    expect(store.cursorOf('a1')).toEqual({ cursor: 'c2', day: '2026-03-30' });
    expect(store.cursorOf('a2')).toBeUndefined();
  });

  it('keeps the cursor of the latest day when a retry of an earlier day finishes last', () => {
    store = new BucketStore(':memory:');
    store.write('a1', { rows: [], merge: 'replace', cursor: { cursor: 'c30', day: '2026-03-30' } }, at);
    store.write(
      'a1',
      { rows: [row('2026-03-29', 1, 1)], merge: 'replace', cursor: { cursor: 'c29', day: '2026-03-29' } },
      at,
    );
    expect(store.cursorOf('a1')).toEqual({ cursor: 'c30', day: '2026-03-30' });
    expect(counts(store)).toEqual([{ label: '2026-03-29', sent: 1, received: 1 }]);
  });

  it('writes nothing, cursor included, when one row of a count fails', () => {
    store = new BucketStore(':memory:');
    store.write(
      'a1',
      { rows: [row('2026-03-29', 2, 5)], merge: 'replace', cursor: { cursor: 'c1', day: '2026-03-29' } },
      at,
    );
    const broken = { ...row('2026-03-30', 1, 1), sent: null as unknown as number };
    expect(() =>
      store?.write(
        'a1',
        {
          rows: [row('2026-03-29', 9, 9), broken],
          merge: 'add',
          cursor: { cursor: 'c2', day: '2026-03-30' },
        },
        at,
      ),
    ).toThrow(/NOT NULL/);
    expect(counts(store)).toEqual([{ label: '2026-03-29', sent: 2, received: 5 }]);
    expect(store.cursorOf('a1')).toEqual({ cursor: 'c1', day: '2026-03-29' });
  });
});
