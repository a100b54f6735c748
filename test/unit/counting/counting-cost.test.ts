import { describe, expect, it } from 'vitest';
import {
  choosePath,
  PIPELINE_MIN_ROUND_TRIP_MS,
  RESCAN_MS_PER_INBOX_MESSAGE,
  SIDE_LISTING_MAX_ROUND_TRIP_MS,
  sideListingPays,
  sideListingPaysFor,
} from '../../../src/counting/counting-cost.js';

const YEAR_MS = 365 * 86_400_000;
const WEEK_MS = 7 * 86_400_000;
const DAY_MS = 86_400_000;

describe('the counting cost model', () => {
  it.each([
    ['a slow link, whatever the server', ['SORT', 'ESEARCH'], 20, 365, YEAR_MS, 'pipelined-dates'],
    ['a fast link with SORT, daily buckets', ['SORT'], 0.4, 365, YEAR_MS, 'pipelined-dates'],
    ['a fast link with SORT, unmeasured, a long total', ['SORT'], undefined, 1, YEAR_MS, 'per-mailbox'],
    ['a fast link without SORT, daily buckets', ['ESEARCH'], 0.4, 365, YEAR_MS, 'pipelined-dates'],
    ['a fast link without SORT, a long total', [], 0.4, 1, YEAR_MS, 'per-mailbox'],
    ['a fast link without SORT, a week’s total', ['ESEARCH'], 0.4, 1, WEEK_MS, 'pipelined-dates'],
    ['a fast link with SORT, one day (a daily sync)', ['SORT', 'ESEARCH'], 0.4, 1, DAY_MS, 'pipelined-dates'],
    ['a slow link, a long total', ['SORT', 'ESEARCH'], 20, 1, YEAR_MS, 'pipelined-dates'],
    [
      'a long total just under the threshold',
      ['ESEARCH'],
      PIPELINE_MIN_ROUND_TRIP_MS - 0.1,
      1,
      YEAR_MS,
      'per-mailbox',
    ],
    ['a long total at the threshold', ['ESEARCH'], PIPELINE_MIN_ROUND_TRIP_MS, 1, YEAR_MS, 'pipelined-dates'],
  ] as const)('%s: %s', (_name, capabilities, roundTripMs, buckets, rangeMs, expected) => {
    expect(choosePath({ capabilities: [...capabilities], roundTripMs, buckets, rangeMs })).toBe(expected);
  });

  it.each([
    ['fewest-round-trips', 'pipelined-dates'],
    ['fewest-bytes', 'per-mailbox'],
  ] as const)('prefer %s overrides the model', (prefer, expected) => {
    for (const roundTripMs of [0.1, 100]) {
      expect(
        choosePath({ prefer, capabilities: ['SORT'], roundTripMs, buckets: 365, rangeMs: YEAR_MS }),
      ).toBe(expected);
    }
  });
});

describe('sideListingPays: where mailboxListing auto lists', () => {
  it('on a side connection below the threshold, on the counting connection at or above it, or unmeasured', () => {
    expect(sideListingPays(0.3)).toBe(true);
    expect(sideListingPays(SIDE_LISTING_MAX_ROUND_TRIP_MS - 0.1)).toBe(true);
    expect(sideListingPays(SIDE_LISTING_MAX_ROUND_TRIP_MS)).toBe(false);
    expect(sideListingPays(100)).toBe(false);
    expect(sideListingPays(undefined)).toBe(false);
  });
});

describe('sideListingPaysFor: whether the side connection costs less than the rescan it spares', () => {
  const loopback = { roundTripMs: 0.3, loginServerMs: 22, security: 'tls' } as const;

  it("weighs the rescan of INBOX's size against the extra round trips and the server's login time", () => {
    // The side costs 3 round trips with TLS (TCP, the handshake, LOGIN) and one login: 22.9 ms here.
    const breakEven = 22.9 / RESCAN_MS_PER_INBOX_MESSAGE;
    expect(sideListingPaysFor({ ...loopback, inboxMessages: Math.floor(breakEven) - 1 })).toBe(false);
    expect(sideListingPaysFor({ ...loopback, inboxMessages: Math.ceil(breakEven) + 1 })).toBe(true);
    expect(sideListingPaysFor({ ...loopback, inboxMessages: 3 })).toBe(false);
    expect(sideListingPaysFor({ ...loopback, inboxMessages: 650_000 })).toBe(true);
  });

  it('asks for a larger INBOX on a longer link, and more with TLS than without', () => {
    const at8ms = { roundTripMs: 8, loginServerMs: 22 } as const;
    // 65k messages: worth it on loopback, not at 8 ms (46 ms of side against 45.5 of rescan).
    expect(sideListingPaysFor({ ...loopback, inboxMessages: 65_000 })).toBe(true);
    expect(sideListingPaysFor({ ...at8ms, security: 'tls', inboxMessages: 65_000 })).toBe(false);
    // 60k: 42 ms of rescan against 38 ms without TLS, 46 with it, 54 with STARTTLS.
    expect(sideListingPaysFor({ ...at8ms, security: 'none', inboxMessages: 60_000 })).toBe(true);
    expect(sideListingPaysFor({ ...at8ms, security: 'tls', inboxMessages: 60_000 })).toBe(false);
    expect(sideListingPaysFor({ ...at8ms, security: 'starttls', inboxMessages: 76_000 })).toBe(false);
    expect(sideListingPaysFor({ ...at8ms, security: 'starttls', inboxMessages: 78_000 })).toBe(true);
  });

  it('declines without a measured round trip or login time', () => {
    expect(sideListingPaysFor({ ...loopback, roundTripMs: undefined, inboxMessages: 1_000_000 })).toBe(false);
    expect(sideListingPaysFor({ ...loopback, loginServerMs: undefined, inboxMessages: 1_000_000 })).toBe(
      false,
    );
  });
});
