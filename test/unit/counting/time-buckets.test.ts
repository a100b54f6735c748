import { describe, expect, it } from 'vitest';
import { type BucketGranularity, parseCountRange } from '../../../src/counting/count-range.js';
import { bucketIndexOf, bucketsOf } from '../../../src/counting/time-buckets.js';
import { ImapConnectorError } from '../../../src/index.js';

// Expected boundaries below are written out by hand from the tz database's published rules
// (e.g. Europe/Berlin switches at 01:00 UTC on the last Sunday of March and October), not computed.
function iso(buckets: { startMs: number; endMs: number }[]) {
  return buckets.map((bucket) => [
    new Date(bucket.startMs).toISOString(),
    new Date(bucket.endMs).toISOString(),
  ]);
}

async function buckets(
  since: string,
  until: string,
  granularity: BucketGranularity | undefined,
  timeZone?: string,
) {
  return iso(await bucketsOf(parseCountRange({ since, until }, granularity, timeZone)));
}

describe('bucketsOf', () => {
  it('is one bucket without a granularity', async () => {
    expect(await buckets('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', undefined)).toEqual([
      ['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z'],
    ]);
  });

  it('gives Europe/Berlin a 23-hour day when DST starts (2026-03-29)', async () => {
    expect(
      await buckets('2026-03-28T00:00:00+01:00', '2026-03-31T00:00:00+02:00', 'day', 'Europe/Berlin'),
    ).toEqual([
      ['2026-03-27T23:00:00.000Z', '2026-03-28T23:00:00.000Z'],
      ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z'],
      ['2026-03-29T22:00:00.000Z', '2026-03-30T22:00:00.000Z'],
    ]);
  });

  it('gives Europe/Berlin a 25-hour day when DST ends (2026-10-25)', async () => {
    expect(
      await buckets('2026-10-25T00:00:00+02:00', '2026-10-26T00:00:00+01:00', 'day', 'Europe/Berlin'),
    ).toEqual([['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']]);
  });

  it('handles America/New_York across 2026-03-08 and 2026-11-01', async () => {
    expect(
      await buckets('2026-03-08T00:00:00-05:00', '2026-03-09T00:00:00-04:00', 'day', 'America/New_York'),
    ).toEqual([['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']]);
    expect(
      await buckets('2026-11-01T00:00:00-04:00', '2026-11-02T00:00:00-05:00', 'day', 'America/New_York'),
    ).toEqual([['2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']]);
  });

  it('puts midnight at 18:15 UTC in Asia/Kathmandu (+05:45)', async () => {
    expect(
      await buckets('2026-05-01T00:00:00+05:45', '2026-05-03T00:00:00+05:45', 'day', 'Asia/Kathmandu'),
    ).toEqual([
      ['2026-04-30T18:15:00.000Z', '2026-05-01T18:15:00.000Z'],
      ['2026-05-01T18:15:00.000Z', '2026-05-02T18:15:00.000Z'],
    ]);
  });

  it('starts the day at 01:00 where DST begins at midnight (America/Santiago, 2026-09-06)', async () => {
    // Chile moves from -04:00 to -03:00 at 24:00 on the first Saturday of September.
    const result = await buckets(
      '2026-09-05T00:00:00-04:00',
      '2026-09-07T00:00:00-03:00',
      'day',
      'America/Santiago',
    );
    expect(result).toEqual([
      ['2026-09-05T04:00:00.000Z', '2026-09-06T04:00:00.000Z'],
      ['2026-09-06T04:00:00.000Z', '2026-09-07T03:00:00.000Z'],
    ]);
  });

  it('cuts the first and last bucket to the range', async () => {
    expect(await buckets('2026-01-01T12:00:00Z', '2026-01-03T06:00:00Z', 'day')).toEqual([
      ['2026-01-01T12:00:00.000Z', '2026-01-02T00:00:00.000Z'],
      ['2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z'],
      ['2026-01-03T00:00:00.000Z', '2026-01-03T06:00:00.000Z'],
    ]);
  });

  it('uses ISO weeks from Monday and calendar months', async () => {
    // 2026-11-04 is a Wednesday; the next Monday is 2026-11-09.
    expect(await buckets('2026-11-04T00:00:00Z', '2026-11-17T00:00:00Z', 'week')).toEqual([
      ['2026-11-04T00:00:00.000Z', '2026-11-09T00:00:00.000Z'],
      ['2026-11-09T00:00:00.000Z', '2026-11-16T00:00:00.000Z'],
      ['2026-11-16T00:00:00.000Z', '2026-11-17T00:00:00.000Z'],
    ]);
    expect(
      await buckets('2026-01-15T00:00:00+01:00', '2026-04-01T00:00:00+02:00', 'month', 'Europe/Berlin'),
    ).toEqual([
      ['2026-01-14T23:00:00.000Z', '2026-01-31T23:00:00.000Z'],
      ['2026-01-31T23:00:00.000Z', '2026-02-28T23:00:00.000Z'],
      ['2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z'],
    ]);
  });

  it('finds the bucket of an instant, half-open', async () => {
    const list = await bucketsOf(
      parseCountRange({ since: '2026-01-01T00:00:00Z', until: '2026-01-03T00:00:00Z' }, 'day', 'UTC'),
    );
    expect(bucketIndexOf(list, Date.parse('2026-01-01T00:00:00Z'))).toBe(0);
    expect(bucketIndexOf(list, Date.parse('2026-01-01T23:59:59Z'))).toBe(0);
    expect(bucketIndexOf(list, Date.parse('2026-01-02T00:00:00Z'))).toBe(1);
    expect(bucketIndexOf(list, Date.parse('2026-01-03T00:00:00Z'))).toBe(-1);
    expect(bucketIndexOf(list, Date.parse('2025-12-31T23:59:59Z'))).toBe(-1);
  });
});

describe('parseCountRange', () => {
  const issueCodes = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(ImapConnectorError);
      expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
      return (error as ImapConnectorError).detail.issues?.map((issue) => `${issue.field}:${issue.code}`);
    }
    throw new Error('expected CONFIG_INVALID');
  };

  it('accepts Dates and ISO strings with an offset', async () => {
    expect(
      parseCountRange({ since: new Date(0), until: '2026-01-01T00:00:00+05:45' }, undefined, undefined),
    ).toEqual({
      sinceMs: 0,
      untilMs: Date.parse('2025-12-31T18:15:00Z'),
      granularity: undefined,
      timeZone: 'UTC',
      bucketCount: 1,
      warnings: [],
    });
  });

  it('rejects reversed, empty and unparseable ranges, a bare local time, and an unknown zone', async () => {
    expect(
      issueCodes(() =>
        parseCountRange(
          { since: '2026-02-01T00:00:00Z', until: '2026-01-01T00:00:00Z' },
          undefined,
          undefined,
        ),
      ),
    ).toEqual(['until:reversed_range']);
    expect(
      issueCodes(() =>
        parseCountRange(
          { since: '2026-01-01T00:00:00Z', until: '2026-01-01T00:00:00Z' },
          undefined,
          undefined,
        ),
      ),
    ).toEqual(['until:empty_range']);
    expect(
      issueCodes(() =>
        parseCountRange({ since: '2026-01-01T00:00:00', until: 'tomorrow' }, undefined, undefined),
      ),
    ).toEqual(['since:invalid_instant', 'until:invalid_instant']);
    expect(
      issueCodes(() =>
        parseCountRange({ since: new Date(Number.NaN), until: new Date() }, undefined, undefined),
      ),
    ).toEqual(['since:invalid_instant']);
    expect(
      issueCodes(() => parseCountRange({ since: new Date(0), until: new Date() }, 'day', 'Mars/Olympus')),
    ).toEqual(['timeZone:invalid_time_zone']);
    expect(
      issueCodes(() =>
        parseCountRange({ since: new Date(0), until: new Date() }, 'hour' as BucketGranularity, undefined),
      ),
    ).toEqual(['granularity:invalid_choice']);
  });
});
