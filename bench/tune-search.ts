// Tunes the arrival search offline on the seed model: rows read and rounds per mailbox, no server.
import { DateTime } from 'luxon';
import { type ArrivalSearchTuning, arrivalPositionsOf } from '../src/counting/arrival-positions.js';
import { EDGE_ZONE, generateSeed, SEED_END_MS } from './seed-model.js';

const seed = generateSeed(Number(process.argv[2] ?? 100_000));
const last = DateTime.fromMillis(SEED_END_MS, { zone: EDGE_ZONE }).startOf('day');
const days: number[] = [];
for (let day = last.minus({ days: 365 }); day <= last; day = day.plus({ days: 1 })) days.push(day.toMillis());
const since = days[0] ?? 0;
const until = days[days.length - 1] ?? 0;
const tunings: ArrivalSearchTuning[] = [];
for (const samplesPerBoundary of [0.5, 1, 2])
  for (const readAllBelow of [6, 12, 24])
    for (const probeWidth of [2, 4, 6])
      tunings.push({ samplesPerBoundary, readAllBelow, probeWidth, readWholeListBelow: 3 });
for (const tuning of tunings) {
  let rows = 0;
  let rounds = 0;
  for (const mailbox of seed) {
    if (mailbox.counts === 'skipped') continue;
    const window = mailbox.datesMs
      .filter((date) => date >= since - 86_400_000 && date < until + 2 * 86_400_000)
      .sort((a, b) => a - b);
    let mailboxRounds = 0;
    await arrivalPositionsOf(
      window.length,
      days,
      async (positions) => {
        rows += positions.length;
        mailboxRounds += 1;
        return new Map(positions.map((position) => [position, window[position] ?? 0]));
      },
      tuning,
    );
    rounds = Math.max(rounds, mailboxRounds);
  }
  console.log(JSON.stringify(tuning), 'rows', rows, 'max rounds', rounds);
}
