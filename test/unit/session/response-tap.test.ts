import type { ImapFlow } from 'imapflow';
// imapflow's own line framer, the stream the tap sits in front of (its package exports `lib/*`).
import { ImapStream } from 'imapflow/lib/handler/imap-stream.js';
import { describe, expect, it } from 'vitest';
import { tapResponseLines } from '../../../src/session/imapflow-internals.js';

const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

interface StreamItem {
  payload: Buffer;
  literals: Buffer[];
  next: () => void;
}

/**
 * A real ImapStream with the tap in front of it, read the way imapflow's reader reads it (each item
 * released once handled). `events` records, in order, who got which line.
 */
function tapped(
  engaged: () => boolean,
  take?: (line: string) => void | Promise<void>,
  claims: (line: string) => boolean = () => true,
) {
  const streamer = new ImapStream({ logger: silent, maxLineLength: 200_000 });
  const events: string[] = [];
  const installed = tapResponseLines({ streamer } as unknown as ImapFlow, {
    engaged,
    claims: (line) => claims(line.toString('latin1')),
    take: (line) => {
      events.push(`tap ${line.toString('latin1')}`);
      return take?.(line.toString('latin1'));
    },
    // The tests below see the stream's errors through their own listener (`errors`).
    failed: () => undefined,
  });
  const errors: Error[] = [];
  streamer.on('error', (error: Error) => errors.push(error));
  streamer.on('readable', () => {
    for (let item = streamer.read() as StreamItem | null; item !== null; item = streamer.read()) {
      const literals = item.literals.map((literal) => `{${literal.toString('latin1')}}`).join('');
      events.push(`imapflow ${item.payload.toString('latin1')}${literals}`);
      item.next();
    }
  });
  const write = (chunk: string) =>
    new Promise<void>((resolve) => streamer.write(Buffer.from(chunk, 'latin1'), () => resolve()));
  return { installed, events, errors, write, streamer };
}

const ROWS =
  '* 1 FETCH (UID 7 INTERNALDATE "05-Jan-2026 10:00:00 +0000")\r\n* 2 FETCH (UID 9)\nS1 OK done\r\n';
const ROW_LINES = [
  'tap * 1 FETCH (UID 7 INTERNALDATE "05-Jan-2026 10:00:00 +0000")',
  'tap * 2 FETCH (UID 9)',
  'tap S1 OK done',
];

describe('reading response lines before imapflow frames them', () => {
  it("keeps an error of imapflow's stream on what it was handed an error of the connection, also once imapflow stopped listening", async () => {
    // No other 'error' listener, as after imapflow cleaned up a connection: without the tap's own, the
    // stream's error would be an unhandled 'error' event and end the process (a fuzz case did).
    const streamer = new ImapStream({ logger: silent, maxLineLength: 200_000, maxLiteralSize: 1024 });
    const failures: string[] = [];
    tapResponseLines({ streamer } as unknown as ImapFlow, {
      engaged: () => true,
      claims: () => true,
      take: () => undefined,
      failed: (error) => failures.push((error as Error & { code?: string }).code ?? error.message),
    });
    streamer.write(Buffer.from('* 1 FETCH (UID 7 BODY[] {4294967295}\r\n', 'latin1'));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(failures).toEqual(['LiteralTooLarge']);
  });

  it('frames lines split anywhere across chunks (CRLF or bare LF, empty lines skipped)', async () => {
    const text = `${ROWS}\r\n`;
    for (let split = 0; split <= text.length; split += 1) {
      const { installed, events, write } = tapped(() => true);
      expect(installed).toBe(true);
      await write(text.slice(0, split));
      await write(text.slice(split));
      expect(events, `split at ${split}`).toEqual(ROW_LINES);
    }
    const { events, write } = tapped(() => true);
    for (const byte of text) await write(byte);
    expect(events).toEqual(ROW_LINES);
  });

  it('hands the bytes after the line that ends its turn to imapflow, in order', async () => {
    let engaged = true;
    const { events, write } = tapped(
      () => engaged,
      (line) => {
        if (line.startsWith('S1 ')) engaged = false;
      },
    );
    await write(`${ROWS}* 3 EXISTS\r\nA2 OK list done\r\n* 4 EX`);
    await write('ISTS\r\n');
    expect(events).toEqual([
      ...ROW_LINES,
      'imapflow * 3 EXISTS',
      'imapflow A2 OK list done',
      'imapflow * 4 EXISTS',
    ]);
  });

  it('hands a line it does not claim to imapflow, and reads on once imapflow has read it', async () => {
    const { events, write } = tapped(
      () => true,
      undefined,
      (line) => !line.startsWith('* LIST') && !line.startsWith('A1 '),
    );
    await write('* 1 FETCH (UID 1)\r\n* LIST () "/" INBOX\r\n* 2 FE');
    await write('TCH (UID 2)\r\n* LIST () "/" Sent\r\nA1 OK listed\r\nS1 OK done\r\n');
    expect(events).toEqual([
      'tap * 1 FETCH (UID 1)',
      'imapflow * LIST () "/" INBOX',
      'tap * 2 FETCH (UID 2)',
      'imapflow * LIST () "/" Sent',
      'imapflow A1 OK listed',
      'tap S1 OK done',
    ]);
  });

  it('leaves a line announcing a literal, and what follows in its chunk, to imapflow; then reads again', async () => {
    const { events, write } = tapped(() => true);
    await write('* 1 FETCH (UID 1)\r\n* 2 FETCH (X {3}\r\nabc UID 2)\r\n* 3 FETCH (UID 3)\r\n');
    await write('* 4 FETCH (UID 4)\r\n');
    expect(events).toEqual([
      'tap * 1 FETCH (UID 1)',
      'imapflow * 2 FETCH (X {3}\r\n UID 2){abc}',
      'imapflow * 3 FETCH (UID 3)',
      'tap * 4 FETCH (UID 4)',
    ]);
  });

  it('does not take a chunk while imapflow holds part of a response', async () => {
    let engaged = false;
    const { events, write } = tapped(() => engaged);
    await write('* 1 FETCH (UI');
    engaged = true;
    await write('D 1)\r\n* 2 FETCH (X {5}\r\nab');
    await write('cde)\r\n');
    await write('* 3 FETCH (UID 3)\r\n');
    expect(events).toEqual([
      'imapflow * 1 FETCH (UID 1)',
      'imapflow * 2 FETCH (X {5}\r\n){abcde}',
      'tap * 3 FETCH (UID 3)',
    ]);
  });

  it('leaves a line over 64 KiB to imapflow, which bounds it', async () => {
    const long = `* OK ${'x'.repeat(70_000)}`;
    const { events, errors, write } = tapped(() => true);
    await write(long.slice(0, 40_000));
    await write(long.slice(40_000, 69_000));
    await write(`${long.slice(69_000)}\r\n* 1 FETCH (UID 1)\r\n`);
    await write('* 2 FETCH (UID 2)\r\n');
    expect(events).toEqual([`imapflow ${long}`, 'imapflow * 1 FETCH (UID 1)', 'tap * 2 FETCH (UID 2)']);
    expect(errors).toEqual([]);

    const tooLong = tapped(() => true);
    for (let sent = 0; sent < 260_000 && !tooLong.streamer.destroyed; sent += 20_000)
      await tooLong.write('y'.repeat(20_000));
    expect(tooLong.errors.map((error) => error.message)).toEqual([
      expect.stringMatching(/^Line length \d+ exceeds maximum allowed size of 200000 bytes$/),
    ]);
    expect(tooLong.events).toEqual([]);
  });

  it('reads nothing after a line until its asynchronous reading has settled', async () => {
    let release: () => void = () => undefined;
    const { events, write } = tapped(
      () => true,
      (line) => {
        if (line.startsWith('* SEARCH'))
          return new Promise<void>((resolve) => {
            release = () => {
              events.push('settled');
              resolve();
            };
          });
      },
    );
    const written = write('* SEARCH 1 2\r\nS1 OK done\r\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['tap * SEARCH 1 2']);
    release();
    await written;
    expect(events).toEqual(['tap * SEARCH 1 2', 'settled', 'tap S1 OK done']);
  });

  it('reads nothing once imapflow has destroyed its stream', async () => {
    const { events, write, streamer } = tapped(() => true);
    await write('* 1 FETCH (UID 1)\r\n');
    streamer.destroy();
    await write('* 2 FETCH (UID 2)\r\n').catch(() => undefined);
    expect(events).toEqual(['tap * 1 FETCH (UID 1)']);
  });
});

describe('a line too long to frame, read as it arrives', () => {
  // A `* SEARCH` answer of 20,000 UIDs (~110 KB), then a completion; written in chunks of `size` bytes.
  const numbers = Array.from({ length: 20_000 }, (_, index) => index + 1).join(' ');
  const long = `* SEARCH ${numbers}`;

  function streamed(text: string, size: number, accept: boolean) {
    const streamer = new ImapStream({ logger: silent, maxLineLength: 200_000 });
    const pieces: string[] = [];
    const events: string[] = [];
    tapResponseLines({ streamer } as unknown as ImapFlow, {
      engaged: () => true,
      claims: () => true,
      take: (line) => {
        events.push(`tap ${line.toString('latin1')}`);
      },
      streamLongLine: (head) => {
        events.push(`stream ${head.toString('latin1', 0, 8)}`);
        if (!accept) return undefined;
        return {
          write: (bytes, start, end) => pieces.push(bytes.toString('latin1', start, end)),
          end: () => events.push(`end ${pieces.join('').length}`),
        };
      },
      failed: () => undefined,
    });
    streamer.on('readable', () => {
      for (let item = streamer.read() as StreamItem | null; item !== null; item = streamer.read()) {
        events.push(`imapflow ${item.payload.length}`);
        item.next();
      }
    });
    const bytes = Buffer.from(text, 'latin1');
    const written = (async () => {
      for (let from = 0; from < bytes.length; from += size)
        await new Promise<void>((resolve) =>
          streamer.write(bytes.subarray(from, from + size), () => resolve()),
        );
      for (let tick = 0; tick < 5; tick += 1) await new Promise((resolve) => setImmediate(resolve));
    })();
    return written.then(() => ({ pieces, events }));
  }

  // A line that ends in the chunk that takes it past 64 KiB is still taken whole (at most 64 KiB and
  // a chunk); these chunk sizes leave it unfinished past 64 KiB.
  it.each([1_000, 4_096, 65_537, 70_000, long.length + 1])(
    'hands the whole line to the sink, CRLF left out, in chunks of %i bytes',
    async (size) => {
      const { pieces, events } = await streamed(`${long}\r\nS1 OK done\r\n`, size, true);
      expect(pieces.join('') === long).toBe(true);
      expect(events).toEqual(['stream * SEARCH', `end ${long.length}`, 'tap S1 OK done']);
    },
  );

  it('ends the line at its CRLF wherever a chunk splits the two, and keeps a CR inside the line', async () => {
    for (const split of [long.length, long.length + 1]) {
      const { pieces, events } = await streamed(`${long}\r\nS1 OK done\r\n`, split, true);
      expect(pieces.join('') === long, `split at ${split}`).toBe(true);
      expect(events.at(-1)).toBe('tap S1 OK done');
    }
    // A CR that is not followed by LF is a byte of the line (the reader refuses it).
    const withCr = `${long}\r 7\r\nS1 OK done\r\n`;
    const { pieces } = await streamed(withCr, long.length + 1, true);
    expect(pieces.join('') === `${long}\r 7`).toBe(true);
  });

  it('hands the line to imapflow whole when the sink declines it', async () => {
    const { pieces, events } = await streamed(`${long}\r\nS1 OK done\r\n`, 4_096, false);
    expect(pieces).toEqual([]);
    expect(events).toEqual(['stream * SEARCH', `imapflow ${long.length}`, 'imapflow 10']);
  });
});
