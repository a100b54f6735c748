import { afterEach, describe, expect, it } from 'vitest';
import { PreparedRange } from '../../../src/counting/prepared-range.js';

const OriginalDateTimeFormat = Intl.DateTimeFormat;

// Counts the formatters constructed from now on (a spy would replace the constructor's instances).
function countFormatters(): { readonly built: number } {
  const seen = { built: 0 };
  Intl.DateTimeFormat = new Proxy(OriginalDateTimeFormat, {
    construct(target, args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
      seen.built += 1;
      return new target(...args);
    },
  });
  return seen;
}

// When a count's zone arithmetic runs: a range of few buckets waits for the login (begin(), or the first
// resolved()); one of many buckets is made before connecting, so that no connection idles meanwhile.
describe('PreparedRange', () => {
  afterEach(() => {
    Intl.DateTimeFormat = OriginalDateTimeFormat;
  });

  it('leaves a short range to the login: no formatter before connecting, its buckets once begun', async () => {
    const formatters = countFormatters();
    const prepared = PreparedRange.check(
      { from: '2026-03-01', to: '2026-03-31' },
      'day',
      'America/Argentina/Ushuaia',
      undefined,
    );
    await prepared.beforeConnecting();
    expect(formatters.built).toBe(0);
    prepared.begin();
    expect(formatters.built).toBe(0); // on the next turn of the event loop, after the login's write
    const { range, buckets } = await prepared.resolved();
    expect(formatters.built).toBeGreaterThan(0);
    expect(buckets).toHaveLength(31);
    expect(new Date(range.sinceMs).toISOString()).toBe('2026-03-01T03:00:00.000Z'); // -03:00, no DST
  });

  it('makes the buckets of a long range before connecting', async () => {
    const prepared = PreparedRange.check(
      { from: '2016-01-01', to: '2025-12-31' },
      'day',
      'Asia/Tokyo',
      undefined,
    );
    let settled = false;
    void prepared.resolved().then(() => {
      settled = true;
    });
    await prepared.beforeConnecting();
    await Promise.resolve();
    expect(settled).toBe(true);
    expect((await prepared.resolved()).buckets).toHaveLength(3_653);
  });

  it('parses at once what the early check cannot settle, and rejects an invalid range there', () => {
    const formatters = countFormatters();
    PreparedRange.check({ from: '2026-03-01', to: '2026-03-31' }, 'day', 'US/Pacific', undefined);
    expect(formatters.built).toBeGreaterThan(0);
    expect(() =>
      PreparedRange.check({ from: '2026-03-31', to: '2026-03-01' }, 'day', 'Europe/Berlin', undefined),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
