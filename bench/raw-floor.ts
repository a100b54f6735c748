/**
 * The floor: the least a client can do to count exactly, written only to measure how far the SDK is
 * from it. One plain socket, LOGIN, then every mailbox pipelined in one write: EXAMINE, `UID SEARCH
 * RETURN (SAVE)` over the date window, `UID FETCH $ (INTERNALDATE)` (RFC 5182) — on every server,
 * whatever it advertises: Dovecot answers SEARCHRES on the bench's reduced server too, which does not
 * advertise it, so there this floor is one a client going by the capabilities (the SDK: a search write,
 * then a fetch write) cannot reach. Rows are read with one regular
 * expression and bucketed by binary search. No LIST (it knows the folders, like the hand-written
 * baseline), no TLS, no error handling beyond failing.
 */
import net from 'node:net';
import type { CaseOutcome, CaseTarget, CountSpec } from './bench-cases.js';

const DAY_MS = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const ROW =
  /^\* \d+ FETCH \((?:UID (\d+) )?INTERNALDATE "\s?(\d+)-(\w{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"/;

const imapDate = (ms: number) => {
  const day = new Date(Math.floor(ms / DAY_MS) * DAY_MS);
  return `${day.getUTCDate()}-${MONTHS[day.getUTCMonth()]}-${day.getUTCFullYear()}`;
};

/** A plain IMAP socket: tagged commands, pipelined, and their untagged lines (also used by `daily-sync.ts`). */
export class LineSocket {
  readonly #socket: net.Socket;
  #buffer = '';
  #waiters: { tag: string; lines: string[]; resolve: (lines: string[]) => void }[] = [];
  #onLine: ((line: string) => void) | undefined;
  greeting: Promise<void>;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    let greeted: () => void = () => undefined;
    this.greeting = new Promise((resolve) => {
      greeted = resolve;
    });
    socket.on('data', (chunk: Buffer) => {
      this.#buffer += chunk.toString('latin1');
      let end = this.#buffer.indexOf('\r\n');
      let start = 0;
      while (end >= 0) {
        const line = this.#buffer.slice(start, end);
        start = end + 2;
        if (line.startsWith('* OK') && this.#waiters.length === 0) greeted();
        this.#line(line);
        end = this.#buffer.indexOf('\r\n', start);
      }
      this.#buffer = this.#buffer.slice(start);
    });
  }

  set onUntagged(handler: (line: string) => void) {
    this.#onLine = handler;
  }

  #line(line: string): void {
    const waiter = this.#waiters[0];
    if (line.startsWith('* ')) {
      this.#onLine?.(line);
      waiter?.lines.push(line);
      return;
    }
    const index = this.#waiters.findIndex((candidate) => line.startsWith(`${candidate.tag} `));
    if (index < 0) return;
    const [done] = this.#waiters.splice(index, 1);
    if (!done) return;
    if (!line.startsWith(`${done.tag} OK`)) throw new Error(`floor: ${line}`);
    done.resolve(done.lines);
  }

  send(commands: readonly string[], firstTag: number): Promise<string[]>[] {
    const promises = commands.map(
      (_, index) =>
        new Promise<string[]>((resolve) => {
          this.#waiters.push({ tag: `f${firstTag + index}`, lines: [], resolve });
        }),
    );
    this.#socket.write(commands.map((command, index) => `f${firstTag + index} ${command}\r\n`).join(''));
    return promises;
  }

  close(): void {
    this.#socket.destroy();
  }
}

/**
 * Counts like the SDK's `countSignals` (same window, exact buckets), as fast as a client can.
 *
 * @param target - Where.
 * @param spec - What.
 * @returns The outcome.
 */
export async function countWithFloor(target: CaseTarget, spec: CountSpec): Promise<CaseOutcome> {
  const boundaries = spec.boundariesMs;
  const since = boundaries[0] ?? 0;
  const until = boundaries[boundaries.length - 1] ?? 0;
  const started = performance.now();
  const socket = new LineSocket(net.connect(target.plainPort, target.host));
  await socket.greeting;
  const quote = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  let tag = 1;
  const [login] = socket.send([`LOGIN ${quote(target.username)} ${quote(target.password)}`], tag);
  tag += 1;
  await login;
  const counts = {
    sent: new Array<number>(boundaries.length - 1).fill(0),
    received: new Array<number>(boundaries.length - 1).fill(0),
  };
  // Widened by the extreme zone offsets, like the SDK's superset window.
  const criteria = `SINCE ${imapDate(since - 12 * 3_600_000)} BEFORE ${imapDate(until - 1 + 14 * 3_600_000 + DAY_MS)}`;
  let current: number[] = counts.received;
  const add = (line: string) => {
    const match = ROW.exec(line);
    if (!match) return;
    const [, , day, month, year, hour, minute, second, sign, zoneHours, zoneMinutes] = match;
    const local = Date.UTC(
      Number(year),
      MONTHS.indexOf(month ?? ''),
      Number(day),
      Number(hour),
      Number(minute),
      Number(second),
    );
    const offset = (Number(zoneHours) * 60 + Number(zoneMinutes)) * 60_000;
    const at = sign === '-' ? local + offset : local - offset;
    if (!(at >= since && at < until)) return;
    let low = 0;
    let high = boundaries.length - 1;
    while (high - low > 1) {
      const middle = (low + high) >>> 1;
      if (at >= (boundaries[middle] ?? 0)) low = middle;
      else high = middle;
    }
    current[low] = (current[low] ?? 0) + 1;
  };
  const tallies: number[][] = spec.mailboxes.map(() => new Array<number>(boundaries.length - 1).fill(0));
  const commands: string[] = [];
  for (const mailbox of spec.mailboxes) {
    commands.push(`EXAMINE ${quote(mailbox.path)}`);
    commands.push(`UID SEARCH RETURN (SAVE) ${criteria}`);
    commands.push('UID FETCH $ (INTERNALDATE)');
  }
  const answers = socket.send(commands, tag);
  tag += commands.length;
  // Answers come in command order: each EXAMINE's EXISTS line starts the next mailbox's rows.
  let mailboxIndex = -1;
  socket.onUntagged = (line) => {
    if (/^\* \d+ EXISTS$/.test(line)) {
      mailboxIndex += 1;
      current = tallies[mailboxIndex] as number[];
      return;
    }
    add(line);
  };
  await Promise.all(answers);
  spec.mailboxes.forEach((mailbox, index) => {
    const tally = counts[mailbox.counts];
    (tallies[index] ?? []).forEach((count, bucket) => {
      tally[bucket] = (tally[bucket] ?? 0) + count;
    });
  });
  const [logout] = socket.send(['LOGOUT'], tag);
  await logout;
  socket.close();
  return { wallMs: performance.now() - started, counts, commands: commands.length + 2 };
}
