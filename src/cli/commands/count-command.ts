/** `count`: sent and received email in a range, per day, week or month, with a chart. */
import { parseArgs } from 'node:util';
import type { BucketGranularity, SignalCounts } from '../../index.js';
import { bucketChart } from '../bucket-chart.js';
import type { CliIo } from '../cli-io.js';
import { UsageError, writeLines } from '../cli-io.js';
import { connectionOptions, connectorFromSettings } from '../connection-settings.js';
import { countRangeOf } from '../count-range-flags.js';
import { exitCodes } from '../exit-codes.js';
import { reportWarnings } from '../failure-report.js';
import { progressBarOn } from '../progress-bar.js';
import { terminalStyleOf } from '../terminal-style.js';

const granularityChoices = ['day', 'week', 'month', 'none'] as const;
type GranularityChoice = (typeof granularityChoices)[number];

const isGranularityChoice = (value: string): value is GranularityChoice =>
  (granularityChoices as readonly string[]).includes(value);

/**
 * Runs `count`. Progress goes to stderr as a bar when stderr is a terminal; the result goes to stdout,
 * as text and a chart, or as the SDK's JSON with `--json`. Failures propagate to the caller, which
 * reports them with their exit status.
 *
 * @param args - The arguments after `count`.
 * @param io - Streams, environment, Ctrl-C signal.
 * @returns The exit status.
 */
export async function countCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      ...connectionOptions,
      from: { type: 'string' },
      to: { type: 'string' },
      granularity: { type: 'string', default: 'day' },
      tz: { type: 'string' },
      json: { type: 'boolean' },
      'no-progress': { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  const choice = values.granularity;
  if (!isGranularityChoice(choice)) {
    throw new UsageError(`--granularity must be one of ${granularityChoices.join(', ')}, not "${choice}".`);
  }
  const granularity: BucketGranularity | undefined = choice === 'none' ? undefined : choice;
  const zone = values.tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const range = countRangeOf(values.from, values.to, zone, Date.now());
  const connector = await connectorFromSettings(values, io);
  reportWarnings(connector.warnings, io);
  const bar = io.stderr.isTTY && values['no-progress'] !== true ? progressBarOn(io.stderr) : undefined;
  let counts: SignalCounts;
  try {
    counts = await connector.countSignals(range, {
      granularity,
      timeZone: zone,
      signal: io.signal,
      onProgress: (progress) =>
        bar?.update(progress.mailboxesDone, progress.mailboxesTotal, progress.mailbox),
    });
  } finally {
    bar?.finish();
  }
  if (values.json === true) {
    writeLines(io.stdout, JSON.stringify(counts, null, 2));
    return exitCodes.ok;
  }
  writeLines(io.stdout, ...countReport(counts, terminalStyleOf(io.stdout, io.env).bold));
  return exitCodes.ok;
}

function countReport(counts: SignalCounts, bold: (text: string) => string): string[] {
  const per = counts.granularity === null ? 'in total' : `per ${counts.granularity}`;
  const lines = [
    `${counts.range.since} → ${counts.range.until} (${counts.timeZone}, ${per})`,
    bold(`sent ${counts.sent} · received ${counts.received}`),
    '',
    ...bucketChart(counts),
    '',
  ];
  const skipped = counts.mailboxes.filter((mailbox) => mailbox.counts === 'skipped');
  if (skipped.length > 0) {
    lines.push(
      `not counted: ${skipped.map((mailbox) => `${mailbox.path} (${mailbox.skipReason ?? 'skipped'})`).join(', ')}`,
    );
  }
  for (const warning of counts.warnings) lines.push(`⚠️  ${warning.message}`);
  lines.push(
    `${counts.elapsedMs} ms, ${counts.attempts} connection${counts.attempts === 1 ? '' : 's'}, ${counts.strategies.join(' + ') || 'no messages'}`,
  );
  return lines;
}
