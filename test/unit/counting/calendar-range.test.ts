import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { parseCountRange, rangeLimits } from '../../../src/counting/count-range.js';
import { bucketsOf } from '../../../src/counting/time-buckets.js';
import { ImapConnectorError } from '../../../src/index.js';

// Every expected instant below is written by hand from the tz database's published rules (Berlin
// switches at 01:00 UTC on the last Sunday of March and October; New York at 02:00 local on the second
// Sunday of March and first of November; Santiago at 24:00 on the first Saturday of September).

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

const isoRange = (range: { sinceMs: number; untilMs: number }) => [
  new Date(range.sinceMs).toISOString(),
  new Date(range.untilMs).toISOString(),
];

describe('calendar ranges', () => {
  it.each([
    [
      'March in Berlin',
      '2026-03-01',
      '2026-03-31',
      'Europe/Berlin',
      '2026-02-28T23:00:00.000Z',
      '2026-03-31T22:00:00.000Z',
    ],
    [
      'October in Berlin',
      '2026-10-01',
      '2026-10-31',
      'Europe/Berlin',
      '2026-09-30T22:00:00.000Z',
      '2026-10-31T23:00:00.000Z',
    ],
    [
      'one 23-hour day in New York',
      '2026-03-08',
      '2026-03-08',
      'America/New_York',
      '2026-03-08T05:00:00.000Z',
      '2026-03-09T04:00:00.000Z',
    ],
    [
      'ISO week 10 of 2026 in UTC',
      '2026-W10',
      '2026-W10',
      'UTC',
      '2026-03-02T00:00:00.000Z',
      '2026-03-09T00:00:00.000Z',
    ],
    [
      'week 53 of 2026 (into 2027)',
      '2026-W53',
      '2026-W53',
      'UTC',
      '2026-12-28T00:00:00.000Z',
      '2027-01-04T00:00:00.000Z',
    ],
    ['week 1 of 2027', '2027-W01', '2027-W01', 'UTC', '2027-01-04T00:00:00.000Z', '2027-01-11T00:00:00.000Z'],
    [
      'months in Kathmandu',
      '2026-01',
      '2026-02',
      'Asia/Kathmandu',
      '2025-12-31T18:15:00.000Z',
      '2026-02-28T18:15:00.000Z',
    ],
    [
      'a month to a date',
      '2026-03',
      '2026-04-02',
      'UTC',
      '2026-03-01T00:00:00.000Z',
      '2026-04-03T00:00:00.000Z',
    ],
    [
      'a day starting at 01:00 (Santiago)',
      '2026-09-06',
      '2026-09-06',
      'America/Santiago',
      '2026-09-06T04:00:00.000Z',
      '2026-09-07T03:00:00.000Z',
    ],
    ['a leap day', '2028-02-29', '2028-02-29', 'UTC', '2028-02-29T00:00:00.000Z', '2028-03-01T00:00:00.000Z'],
  ])('%s: %s … %s in %s is [%s, %s)', (_name, from, to, timeZone, since, until) => {
    const range = parseCountRange({ from, to }, 'day', timeZone);
    expect(isoRange(range)).toEqual([since, until]);
    expect(range.warnings).toEqual([]);
  });

  it.each([
    [{ from: '2026-02-30', to: '2026-03-01' }, ['from:invalid_period']],
    [{ from: '2026-W54', to: '2026-13' }, ['from:invalid_period', 'to:invalid_period']],
    [{ from: '2025-W53', to: '2026-W00' }, ['from:invalid_period', 'to:invalid_period']],
    [{ from: '2026-03-02', to: '2026-03-01' }, ['to:reversed_range']],
    [{ from: '26-03-01', to: 'March' }, ['from:invalid_period', 'to:invalid_period']],
    [{ from: '2026-03-01' }, ['to:required']],
    [{ from: '1969-12', to: '1970-01' }, ['from:out_of_range']],
    [{ from: '9999-12-29', to: '9999-12-31' }, ['to:out_of_range']],
    [{ from: '2026-03-01', to: '2026-03-02', since: '2026-03-01T00:00:00Z' }, ['range:ambiguous_range']],
    // An option put in the range instead of the second argument is not ignored.
    [{ from: '2026-03-01', to: '2026-03-31', granularity: 'day' }, ['granularity:unknown_field']],
    [
      { since: '2026-03-01T00:00:00Z', until: '2026-04-01T00:00:00Z', mailboxListing: 'same-connection' },
      ['mailboxListing:unknown_field'],
    ],
  ])('rejects %j field by field', (range, codes) => {
    expect(issueCodes(() => parseCountRange(range as never, 'day', 'UTC'))).toEqual(codes);
  });

  it('reports the zone and the range in one error, range fields first', () => {
    expect(
      issueCodes(() => parseCountRange({ from: 'x', to: '2026-03-01' }, undefined, 'Mars/Olympus')),
    ).toEqual(['from:invalid_period', 'timeZone:invalid_time_zone']);
  });
});

describe('range limits', () => {
  it(`accepts until up to ${rangeLimits.latestUntil} and rejects later, before any work`, () => {
    expect(
      parseCountRange({ since: '9999-01-01T00:00:00Z', until: '9999-12-30T00:00:00Z' }, undefined, undefined)
        .untilMs,
    ).toBe(Date.UTC(9999, 11, 30));
    expect(
      issueCodes(() =>
        parseCountRange(
          { since: '9999-01-01T00:00:00Z', until: '9999-12-30T00:00:01Z' },
          undefined,
          undefined,
        ),
      ),
    ).toEqual(['until:out_of_range']);
    expect(
      issueCodes(() => parseCountRange({ since: new Date(0), until: new Date(8.64e15) }, 'day', 'UTC')),
    ).toEqual(['until:out_of_range']);
    expect(
      issueCodes(() =>
        parseCountRange({ since: new Date(-1), until: new Date(0 + 86_400_000) }, 'day', 'UTC'),
      ),
    ).toEqual(['since:out_of_range']);
  });

  it(`counts buckets exactly and rejects more than ${rangeLimits.maxBuckets}`, () => {
    // 1970-01-01 … 2243-10-16: 100,000 days (2243-10-17 is day 100,000 after the epoch).
    expect(
      parseCountRange({ since: '1970-01-01T00:00:00Z', until: '2243-10-17T00:00:00Z' }, 'day', 'UTC')
        .bucketCount,
    ).toBe(100_000);
    expect(
      issueCodes(() =>
        parseCountRange({ since: '1970-01-01T00:00:00Z', until: '2243-10-17T00:00:01Z' }, 'day', 'UTC'),
      ),
    ).toEqual(['granularity:too_many_buckets']);
    expect(
      issueCodes(() =>
        parseCountRange({ since: new Date(0), until: '9999-12-30T00:00:00Z' }, 'day', 'Europe/Berlin'),
      ),
    ).toEqual(['granularity:too_many_buckets']);
    // The same span in months is fine: 1970-01 … 9999-12 is 96,360 months.
    expect(
      parseCountRange({ since: new Date(0), until: '9999-12-30T00:00:00Z' }, 'month', 'UTC').bucketCount,
    ).toBe(96_360);
  });

  it('makes 100,000 day buckets in slices, never holding the event loop for the whole run', async () => {
    const range = parseCountRange({ from: '1970-01-01', to: '2243-10-16' }, 'day', 'America/New_York');
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    let turns = 0;
    let counting = true;
    // CPU time of the process between two turns: the work that held the loop, which a loaded machine
    // (other processes on the cores) does not inflate the way it inflates wall time.
    let maxTurnCpuMs = 0;
    let mark = process.cpuUsage();
    const countTurns = (): void => {
      const used = process.cpuUsage(mark);
      maxTurnCpuMs = Math.max(maxTurnCpuMs, (used.user + used.system) / 1000);
      mark = process.cpuUsage();
      turns += 1;
      if (counting) setImmediate(countTurns);
    };
    setImmediate(countTurns);
    const startedAt = performance.now();
    const buckets = await bucketsOf(range);
    const elapsedMs = performance.now() - startedAt;
    counting = false;
    histogram.disable();
    expect(buckets).toHaveLength(100_000);
    expect(buckets[0]?.label).toBe('1970-01-01');
    expect(buckets.at(-1)?.label).toBe('2243-10-16');
    // A slice is ~10 ms of work: no turn may use 150 ms of CPU (the process's CPU, GC threads
    // included: a major collection inside one slice measured 52 ms in a CI run), and the typical delay
    // stays under the 50 ms budget. The worst wall-clock delay is not bounded here: on a shared machine
    // the scheduler can pause the process inside any slice. A generator without slices fails all three:
    // one turn, one delay as long as the whole run, and all of its CPU (~1 s) in that turn.
    const context = `whole run ${Math.round(elapsedMs)} ms, ${turns} turns, max ${Math.round(histogram.max / 1e6)} ms, longest turn ${maxTurnCpuMs.toFixed(1)} ms of CPU`;
    expect(turns, context).toBeGreaterThanOrEqual(Math.floor(elapsedMs / 100));
    expect(histogram.percentile(50) / 1e6, context).toBeLessThan(50);
    expect(maxTurnCpuMs, context).toBeLessThan(150);
  });

  it('stops between slices when aborted', async () => {
    const range = parseCountRange({ from: '1970-01-01', to: '2243-10-16' }, 'day', 'UTC');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 5);
    await expect(bucketsOf(range, { signal: controller.signal, sliceMs: 1 })).rejects.toMatchObject({
      code: 'ABORTED',
    });
  });
});

describe('labelled buckets', () => {
  it('label, local start and end with offsets, seconds and partial across the start of DST in Berlin', async () => {
    const buckets = await bucketsOf(
      parseCountRange({ from: '2026-03-28', to: '2026-03-30' }, 'day', 'Europe/Berlin'),
    );
    expect(buckets.map(({ startMs, endMs, ...rest }) => rest)).toEqual([
      {
        label: '2026-03-28',
        granularity: 'day',
        localStart: '2026-03-28T00:00:00+01:00',
        localEnd: '2026-03-29T00:00:00+01:00',
        seconds: 86_400,
        partial: false,
      },
      {
        label: '2026-03-29',
        granularity: 'day',
        localStart: '2026-03-29T00:00:00+01:00',
        localEnd: '2026-03-30T00:00:00+02:00',
        seconds: 82_800,
        partial: false,
      },
      {
        label: '2026-03-30',
        granularity: 'day',
        localStart: '2026-03-30T00:00:00+02:00',
        localEnd: '2026-03-31T00:00:00+02:00',
        seconds: 86_400,
        partial: false,
      },
    ]);
  });

  it('a 25-hour day in New York, ISO weeks across New Year, months with partial ends', async () => {
    const [fallBack] = await bucketsOf(
      parseCountRange({ from: '2026-11-01', to: '2026-11-01' }, 'day', 'America/New_York'),
    );
    expect(fallBack).toMatchObject({
      label: '2026-11-01',
      localStart: '2026-11-01T00:00:00-04:00',
      localEnd: '2026-11-02T00:00:00-05:00',
      seconds: 90_000,
    });
    const weeks = await bucketsOf(
      parseCountRange({ since: '2026-12-30T00:00:00Z', until: '2027-01-05T12:00:00Z' }, 'week', 'UTC'),
    );
    expect(weeks.map((bucket) => [bucket.label, bucket.seconds, bucket.partial])).toEqual([
      ['2026-W53', 5 * 86_400, true],
      ['2027-W01', 36 * 3600, true],
    ]);
    const months = await bucketsOf(
      parseCountRange(
        { since: '2026-01-15T00:00:00+01:00', until: '2026-04-01T00:00:00+02:00' },
        'month',
        'Europe/Berlin',
      ),
    );
    expect(months.map((bucket) => [bucket.label, bucket.localStart, bucket.partial])).toEqual([
      ['2026-01', '2026-01-15T00:00:00+01:00', true],
      ['2026-02', '2026-02-01T00:00:00+01:00', false],
      ['2026-03', '2026-03-01T00:00:00+01:00', false],
    ]);
  });

  it('no granularity: one unlabelled bucket', async () => {
    const [only] = await bucketsOf(
      parseCountRange({ from: '2026-03', to: '2026-03' }, undefined, 'Europe/Berlin'),
    );
    expect(only).toMatchObject({
      label: null,
      granularity: null,
      localStart: '2026-03-01T00:00:00+01:00',
      localEnd: '2026-04-01T00:00:00+02:00',
      seconds: 31 * 86_400 - 3600,
      partial: false,
    });
  });
});

describe('warnings for instant ranges off the bucket boundaries', () => {
  it("README's old mistake: March with a fixed +01:00 in Berlin ends an hour into April", async () => {
    const range = parseCountRange(
      { since: '2026-03-01T00:00:00+01:00', until: '2026-04-01T00:00:00+01:00' },
      'day',
      'Europe/Berlin',
    );
    expect(range.warnings.map((warning) => warning.code)).toEqual(['range_end_not_on_boundary']);
    expect(range.warnings[0]?.message).toContain("{ from: '2026-03-01', to: '2026-03-31' }");
    const buckets = await bucketsOf(range);
    expect(buckets).toHaveLength(32);
    expect(buckets.at(-1)).toMatchObject({ label: '2026-04-01', seconds: 3600, partial: true });
  });

  it('October with a fixed +02:00 in Berlin stops an hour before November', () => {
    const range = parseCountRange(
      { since: '2026-10-01T00:00:00+02:00', until: '2026-11-01T00:00:00+02:00' },
      'day',
      'Europe/Berlin',
    );
    expect(range.warnings.map((warning) => warning.code)).toEqual(['range_end_not_on_boundary']);
    expect(range.warnings[0]?.message).toContain("{ from: '2026-10-01', to: '2026-10-31' }");
  });

  it('both ends, and none for ranges on boundaries or without buckets', () => {
    expect(
      parseCountRange(
        { since: '2026-03-01T12:00:00Z', until: '2026-03-03T06:00:00Z' },
        'day',
        'UTC',
      ).warnings.map((warning) => warning.code),
    ).toEqual(['range_start_not_on_boundary', 'range_end_not_on_boundary']);
    expect(
      parseCountRange(
        { since: '2026-03-01T00:00:00+01:00', until: '2026-04-01T00:00:00+02:00' },
        'day',
        'Europe/Berlin',
      ).warnings,
    ).toEqual([]);
    expect(
      parseCountRange({ since: '2026-03-01T12:00:00Z', until: '2026-03-03T06:00:00Z' }, undefined, 'UTC')
        .warnings,
    ).toEqual([]);
  });
});
