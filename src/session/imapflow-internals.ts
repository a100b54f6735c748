import { Transform } from 'node:stream';
import type { ImapFlow } from 'imapflow';
import { specialUse } from 'imapflow/lib/special-use.js';
import { decodePath, getStringList, getStringValue, normalizePath } from 'imapflow/lib/tools.js';
import type { ListedMailbox } from '../mailboxes/listed-mailbox.js';

/**
 * The parts of an ImapFlow instance that exist at run time but are not in its type definitions
 * (imapflow 2.10.x, pinned in package.json). Kept in this one file so an imapflow upgrade has one place
 * to check.
 */
interface ImapFlowRuntime {
  run(command: string, ...args: unknown[]): Promise<unknown>;
}

function hasRun(client: ImapFlow): client is ImapFlow & ImapFlowRuntime {
  return typeof (client as unknown as Partial<ImapFlowRuntime>).run === 'function';
}

/**
 * Stops imapflow from sending the given commands during session setup. imapflow has no option to skip
 * ID (it even sends it twice when the first answer is short, as Dovecot's is): each costs a round trip
 * that a connection test or a count does not need. A skipped command resolves as if the server had
 * answered with nothing, which imapflow handles as "no ID information".
 *
 * @param client - A client before `connect()`.
 * @param commands - Upper-case command names to skip.
 * @returns Whether the hook could be installed (false on an imapflow without the internal `run`).
 */
export function skipSessionCommands(client: ImapFlow, commands: ReadonlySet<string>): boolean {
  if (!hasRun(client)) return false;
  const run = client.run.bind(client);
  client.run = async (command: string, ...args: unknown[]) => {
    if (commands.has(command.toUpperCase())) return undefined;
    return run(command, ...args);
  };
  return true;
}

/**
 * The text of the server's greeting as imapflow keeps it (the untyped `greeting` field, set from the
 * first `* OK` line's text).
 *
 * @param client - A client that has connected.
 * @returns The text, or `undefined` when there is none (or imapflow no longer keeps it there).
 */
export function greetingOf(client: ImapFlow): string | undefined {
  const greeting = (client as unknown as { greeting?: unknown }).greeting;
  return typeof greeting === 'string' && greeting.length > 0 ? greeting : undefined;
}

/**
 * Stops imapflow's `list()` from following its LIST with `LSUB` (it does on a server without
 * LIST-EXTENDED, to mark which mailboxes are subscribed): a round trip more for every listing, for a
 * subscription state the SDK never reads (a count asks for the subscriptions itself, before it lists:
 * {@link subscribedMailboxes}). imapflow sets the same latch (`skipLsub`) itself for a server that
 * refuses LSUB; it then reports every listed mailbox as subscribed.
 *
 * @param client - A client, before it lists.
 * @returns Whether the latch exists on this imapflow (2.10 has it).
 */
export function skipSubscriptionsInListings(client: ImapFlow): boolean {
  const latched = client as unknown as { skipLsub?: unknown };
  if (typeof latched.skipLsub !== 'boolean') return false;
  latched.skipLsub = true;
  return true;
}

interface ImapFlowAuthenticator {
  authenticate(): Promise<unknown>;
  options?: { auth?: { loginMethod?: string | undefined } };
}

function hasAuthenticate(client: ImapFlow): client is ImapFlow & ImapFlowAuthenticator {
  return typeof (client as unknown as Partial<ImapFlowAuthenticator>).authenticate === 'function';
}

/**
 * Keeps AUTHENTICATE for a server that advertises LOGINDISABLED (RFC 3501 §6.2.3): imapflow given
 * `auth.loginMethod: 'LOGIN'` would otherwise refuse to log in there ("Login is disabled"), where
 * AUTHENTICATE is allowed. The choice is made just before imapflow authenticates, on the capabilities
 * it holds then (after STARTTLS, refreshed: RFC 9051 §6.2.1).
 *
 * @param client - A client before `connect()`.
 * @param options - `beforeAuthenticate`: called right before imapflow writes its login command (after
 *   STARTTLS), e.g. to pipeline a command ahead of it; `whileAuthenticating`: called once the login is
 *   under way (its command written in this turn of the event loop); `waitBeforeAuthenticate`: awaited
 *   first (a rejection fails the login without sending it).
 * @returns Whether the hook could be installed (false on an imapflow without the internal `authenticate`).
 */
export function authenticateUnlessLoginDisabled(
  client: ImapFlow,
  options: {
    beforeAuthenticate?: () => void;
    whileAuthenticating?: () => void;
    waitBeforeAuthenticate?: () => Promise<void>;
  } = {},
): boolean {
  if (!hasAuthenticate(client)) return false;
  const authenticate = client.authenticate.bind(client);
  client.authenticate = async () => {
    await options.waitBeforeAuthenticate?.();
    const auth = client.options?.auth;
    if (auth?.loginMethod !== undefined && client.capabilities.has('LOGINDISABLED')) {
      auth.loginMethod = undefined;
    }
    options.beforeAuthenticate?.();
    const authenticated = authenticate();
    options.whileAuthenticating?.();
    return authenticated;
  };
  return true;
}

/**
 * Whether the client's transport finished connecting (TCP, and TLS for implicit TLS), which tells a
 * deadline that fires before any server byte apart: connect timeout versus greeting timeout.
 *
 * @param client - A client during `connect()`.
 * @returns `true` once the socket is connected.
 */
export function isTransportConnected(client: ImapFlow): boolean {
  const socket = (client as unknown as { socket?: { connecting?: unknown; readyState?: unknown } }).socket;
  return socket !== undefined && socket.connecting === false && socket.readyState === 'open';
}

interface ImapFlowResponseReader {
  handleResponse(data: { payload?: unknown; literals?: unknown }): Promise<boolean>;
  write(chunk: string): void;
  currentRequest?: { tag?: unknown } | false;
  socket?: { setNoDelay?: (noDelay: boolean) => unknown };
}

function hasResponseReader(client: ImapFlow): client is ImapFlow & ImapFlowResponseReader {
  const candidate = client as unknown as Partial<ImapFlowResponseReader>;
  return typeof candidate.handleResponse === 'function' && typeof candidate.write === 'function';
}

/**
 * Shows every server response line to `onResponse` before imapflow handles it, as raw bytes (literals
 * not included, their number given). When `onResponse` answers `true`, the line was the SDK's (an
 * answer to its own counting channel) and never reaches imapflow's parser: imapflow would otherwise
 * expand a range such as `1:4294967295` in a SEARCH answer into an array before the SDK sees it.
 *
 * How the SDK shares the connection with imapflow (docs/counting.md): imapflow connects, negotiates
 * TLS and COMPRESS, logs in, and sends LIST and LOGOUT; the counting channel writes its pipelined
 * commands through imapflow's `write` (so COMPRESS=DEFLATE applies) only while imapflow has no command
 * in flight, and reads every line through this hook while any of its own commands is.
 *
 * @param client - A client before `connect()`.
 * @param onResponse - Called with each response line; returns whether it took the line.
 * @returns Whether the hook could be installed (false on an imapflow without the internal reader).
 */
export function interceptResponses(
  client: ImapFlow,
  onResponse: (line: Buffer, literalCount: number) => boolean | Promise<boolean>,
): boolean {
  if (!hasResponseReader(client)) return false;
  const handleResponse = client.handleResponse.bind(client);
  client.handleResponse = async (data) => {
    if (Buffer.isBuffer(data.payload)) {
      const literalCount = Array.isArray(data.literals) ? data.literals.length : 0;
      const taken = onResponse(data.payload, literalCount);
      if (taken === true || (taken !== false && (await taken))) return true;
    }
    return handleResponse(data);
  };
  return true;
}

/**
 * Where the SDK reads response lines before imapflow frames them ({@link tapResponseLines}).
 *
 * @example
 * ```ts
 * const tap: ResponseTap = { engaged: () => true, claims: () => true, take: (line) => lines.push(line) };
 * ```
 */
export interface ResponseTap {
  /** Whether the lines arriving now are the tap's (asked before each line). */
  readonly engaged: () => boolean;
  /**
   * Whether a line, while engaged, is the tap's; one that is not (an answer to a command imapflow has in
   * flight alongside) is handed to imapflow, which reads it before the tap reads on.
   */
  readonly claims: (line: Buffer) => boolean;
  /**
   * Takes one line, CRLF removed (never one with a literal). A returned promise holds the lines after
   * it until it settles; it must not reject.
   */
  readonly take: (line: Buffer) => void | Promise<void>;
  /**
   * Offered the chunk from the start of a line (when no partial line is carried) before that line is
   * framed: takes the whole lines it can, in place, and answers where it stopped (where it started when
   * it took none). Only for lines no command imapflow has in flight alongside can draw (dated FETCH
   * rows): `claims` is not asked about them.
   */
  readonly takeInPlace?: (bytes: Buffer, from: number) => number;
  /**
   * Asked when a line grows past 64 KiB before its end has come: a sink that reads it as it arrives
   * (from its first byte; a long SEARCH or SORT answer), or `undefined` to hand the whole line to
   * imapflow's stream, which frames it within its own cap.
   */
  readonly streamLongLine?: (head: Buffer) => LongLineSink | undefined;
  /**
   * Told of an error imapflow's stream raised on bytes the tap handed it (a literal it refuses, a line
   * over its cap), also when imapflow no longer listens: the connection must then fail, not the process.
   */
  readonly failed: (error: Error) => void;
}

/**
 * Takes one long response line piece by piece, as it arrives ({@link ResponseTap.streamLongLine}).
 *
 * @example
 * ```ts
 * const sink: LongLineSink = { write: (bytes, start, end) => reader.write(bytes, start, end), end: () => reader.end() };
 * ```
 */
export interface LongLineSink {
  /** The next bytes of the line, in order (never its CRLF). */
  write(bytes: Buffer, start: number, end: number): void;
  /** The line ended (its CRLF came). */
  end(): void;
}

// imapflow 2.10's ImapStream: a Transform fed the socket's bytes (after TLS, after COMPRESS=DEFLATE
// inflation), framing them into lines and literals. Only what proves it holds no partial response
// is read; its `_transform` is the stream contract every chunk goes through.
interface ImapStreamRuntime {
  _transform(chunk: unknown, encoding: BufferEncoding, next: (error?: Error | null) => void): void;
  state: unknown;
  lineBuffer: unknown;
  inputBuffer: unknown;
  literals: unknown;
  readBytesCounter: unknown;
  destroyed: boolean;
  writableLength: number;
  writableCorked: number;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  listenerCount(event: 'error'): number;
}

function streamerOf(client: ImapFlow): ImapStreamRuntime | undefined {
  const streamer = (client as unknown as { streamer?: Partial<ImapStreamRuntime> }).streamer;
  if (typeof streamer !== 'object' || streamer === null) return undefined;
  if (typeof streamer._transform !== 'function' || typeof streamer.state !== 'number') return undefined;
  if (!Array.isArray(streamer.lineBuffer) || !Array.isArray(streamer.inputBuffer)) return undefined;
  if (!Array.isArray(streamer.literals) || typeof streamer.on !== 'function') return undefined;
  if (typeof streamer.listenerCount !== 'function') return undefined;
  if (typeof streamer.writableLength !== 'number' || typeof streamer.writableCorked !== 'number')
    return undefined;
  return streamer as ImapStreamRuntime;
}

// ImapStream's state while it reads lines (not the bytes of a literal).
const STREAM_READS_LINES = 1;
const LF = 0x0a;
const CR = 0x0d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const CR_BYTE = Buffer.from([CR]);
/**
 * A partial line the tap keeps across chunks; a longer line (a long SEARCH answer) is handed to
 * imapflow's stream whole, which bounds it (`maxLineLength`) and frames it.
 */
const MAX_TAPPED_PARTIAL_LINE = 64 * 1024;

/**
 * Reads the server's response lines before imapflow's `ImapStream` frames them, while `tap.engaged()`
 * says they are the SDK's (its counting channel has commands in flight): each line goes straight to
 * `tap.take`, without imapflow's per-line object, promise and event-loop yield. The bytes are read
 * after TLS and after COMPRESS=DEFLATE inflation, where imapflow's stream reads them.
 *
 * Only what is safe is read here; everything else reaches imapflow's stream untouched and in order,
 * and from there {@link interceptResponses}: a chunk that arrives while imapflow holds part of a
 * response, the bytes after the line that ended the tap's turn (the channel's last completion), a line
 * announcing a literal (from its first byte on), a line longer than 64 KiB (imapflow bounds it), and
 * a line `tap.claims` declines (the answer to a command imapflow has in flight alongside the channel's).
 * The tap waits for imapflow to have handled what it was handed before reading on.
 *
 * @example
 * ```ts
 * tapResponseLines(client, {
 *   engaged: () => channel.active,
 *   claims: (line) => !isListingLine(line),
 *   take: (line) => channel.take(line, 0),
 * });
 * ```
 *
 * @param client - A client before `connect()`.
 * @param tap - Whose lines, and where they go.
 * @returns Whether the tap could be installed (false on an imapflow whose stream has another shape:
 *   every line then goes through imapflow's stream).
 */
export function tapResponseLines(client: ImapFlow, tap: ResponseTap): boolean {
  const streamer = streamerOf(client);
  if (streamer === undefined) return false;
  const transform = streamer._transform.bind(streamer);
  let carry: Buffer[] = [];
  let carryBytes = 0;
  // A long line read as it arrives, and whether its last piece ended in a CR not yet known to end it.
  let streaming: LongLineSink | undefined;
  let heldCr = false;

  const holdsNothing = () =>
    streamer.state === STREAM_READS_LINES &&
    (streamer.lineBuffer as unknown[]).length === 0 &&
    (streamer.inputBuffer as unknown[]).length === 0 &&
    (streamer.literals as unknown[]).length === 0;

  const countRead = (bytes: number) => {
    if (typeof streamer.readBytesCounter === 'number') streamer.readBytesCounter += bytes;
  };

  // Gives imapflow's stream the carried partial line and then `rest`.
  const handOver = (rest: Buffer, next: (error?: Error | null) => void) => {
    const bytes = carry.length === 0 ? rest : Buffer.concat([...carry, rest]);
    carry = [];
    carryBytes = 0;
    if (bytes.length === 0) next();
    else transform(bytes, 'latin1', next);
  };

  // Writes the rest of a streamed line found in `chunk` from `position`; answers where the next line
  // starts, or -1 when the line goes on in the next chunk.
  const stream = (sink: LongLineSink, chunk: Buffer, position: number): number => {
    const lf = chunk.indexOf(LF, position);
    // A CR held back from the piece before was the line's end only if this chunk starts with its LF.
    if (heldCr && lf !== position) sink.write(CR_BYTE, 0, 1);
    heldCr = false;
    let end = lf < 0 ? chunk.length : lf;
    if (end > position && chunk[end - 1] === CR) {
      end -= 1;
      heldCr = lf < 0;
    }
    if (end > position) sink.write(chunk, position, end);
    if (lf < 0) {
      countRead(chunk.length - position);
      return -1;
    }
    countRead(lf + 1 - position);
    streaming = undefined;
    sink.end();
    return lf + 1;
  };

  // `borrowed`: the chunk is the socket's reused read buffer (`readIntoOneBuffer`), overwritten by the
  // next read. Dated rows and a streamed line are read from it in place (nothing keeps them); every
  // byte that outlives this call (a carried partial line, a line taken or handed to imapflow, the rest
  // of the chunk read on after a promise or a callback) is copied first (`keep`).
  const read = (
    chunk: Buffer,
    from: number,
    next: (error?: Error | null) => void,
    borrowed = false,
  ): void => {
    let position = from;
    for (;;) {
      if (streamer.destroyed) {
        next();
        return;
      }
      // A streamed line is read to its end, even once the channel is done with it.
      if (streaming !== undefined) {
        position = stream(streaming, chunk, position);
        if (position < 0) {
          next();
          return;
        }
        continue;
      }
      if (!tap.engaged()) {
        handOver(keep(chunk.subarray(position), borrowed), next);
        return;
      }
      const lf = chunk.indexOf(LF, position);
      if (lf < 0) {
        const tail = chunk.length - position;
        if (carryBytes + tail > MAX_TAPPED_PARTIAL_LINE) {
          // A copy: the head outlives a borrowed chunk.
          const head = Buffer.concat([...carry, chunk.subarray(position)]);
          const sink = tap.streamLongLine?.(head);
          if (sink === undefined) {
            carry = [];
            carryBytes = 0;
            handOver(head, next);
            return;
          }
          carry = [];
          carryBytes = 0;
          streaming = sink;
          stream(sink, head, 0);
          next();
          return;
        }
        if (tail > 0) {
          carry.push(keep(chunk.subarray(position), borrowed));
          carryBytes += tail;
        }
        next();
        return;
      }
      if (carry.length === 0 && tap.takeInPlace !== undefined) {
        const taken = tap.takeInPlace(chunk, position);
        if (taken > position) {
          countRead(taken - position);
          position = taken;
          continue;
        }
      }
      // A line from a borrowed chunk is copied (taken lines may be kept), and so is the rest of the
      // chunk before reading on after a promise or imapflow's callback.
      let line =
        carry.length === 0
          ? keep(chunk.subarray(position, lf), borrowed)
          : Buffer.concat([...carry, chunk.subarray(position, lf)]);
      if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
      // ImapStream's rule: a line ending in `{digits}` announces a literal. imapflow reads it whole.
      if (announcesLiteral(line)) {
        handOver(keep(chunk.subarray(position), borrowed), next);
        return;
      }
      if (line.length > 0 && !tap.claims(line)) {
        const end = lf + 1;
        const whole =
          carry.length === 0
            ? keep(chunk.subarray(position, end), borrowed)
            : Buffer.concat([...carry, chunk.subarray(position, end)]);
        carry = [];
        carryBytes = 0;
        const rest = keep(chunk.subarray(end), borrowed);
        transform(whole, 'latin1', (error) => {
          if (error) next(error);
          else read(rest, 0, next);
        });
        return;
      }
      countRead(carryBytes + lf + 1 - position);
      carry = [];
      carryBytes = 0;
      position = lf + 1;
      if (line.length === 0) continue;
      const taking = tap.take(line);
      if (taking !== undefined) {
        const rest = keep(chunk.subarray(position), borrowed);
        taking.then(() => read(rest, 0, next)).catch((error: unknown) => next(asError(error)));
        return;
      }
    }
  };

  // imapflow removes its own 'error' listener when it cleans up a connection: an error its stream then
  // raises on bytes the tap hands it after an asynchronous take (a `{4294967295}` literal, seen by the
  // server fuzzer) would be an unhandled 'error' event, which ends the host process. This listener
  // keeps it an error of the connection.
  // While imapflow listens, its own handler reports the error (as it always has); this one acts only
  // when it is the last listener left.
  streamer.on('error', (error) => {
    if (streamer.listenerCount('error') <= 1) tap.failed(asError(error));
  });
  // The socket's read buffer while a read of it is being handed over (see `readIntoOneBuffer`).
  let lent: Buffer | undefined;
  streamer._transform = (chunk, encoding, next) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    const borrowing = lent;
    const borrowed = borrowing !== undefined && bytes === borrowing;
    if (
      !Buffer.isBuffer(bytes) ||
      (carry.length === 0 && streaming === undefined && !(tap.engaged() && holdsNothing()))
    ) {
      transform(borrowed ? Buffer.from(borrowing) : chunk, encoding, next);
      return;
    }
    try {
      read(bytes, 0, next, borrowed);
    } catch (error) {
      // Fails imapflow's stream (its error handler closes the connection), as its own parser would.
      next(asError(error));
    }
  };
  readIntoOneBuffer(client, streamer, (view, hand) => {
    lent = view;
    try {
      hand();
    } finally {
      lent = undefined;
    }
  });
  return true;
}

/**
 * The size of the one buffer each socket of a tapped client reads into: a TLS record's plaintext (what
 * Node hands on per read of a TLS socket anyway), and 16 KiB reads of a plain one.
 */
const READ_BUFFER_BYTES = 16 * 1024;

// What a socket is, as far as reading it into one buffer goes (a net.Socket or tls.TLSSocket).
interface ReadableSocket {
  readonly readableFlowing: boolean | null;
  readonly readableLength: number;
  readonly _readableState?: { readonly pipes?: unknown };
  listenerCount(event: 'data'): number;
  emit(event: 'data', chunk: Buffer): boolean;
  push(chunk: Buffer): boolean;
}

/**
 * Has every socket imapflow opens for the client (plain, TLS, after STARTTLS) read into one buffer of
 * its own, reused from read to read (Node's `onread` option, added to the TLS options imapflow passes to
 * `net.connect` and `tls.connect`), instead of into a new `ArrayBuffer` per read. Such buffers are freed
 * only when V8 next collects their wrappers, and a count allocates so little JavaScript that a 1M count
 * ended with every chunk it received still allocated (~22 MB; docs/performance.md "Memory").
 *
 * A read goes on exactly as Node would deliver it, as a fresh copy pushed into the socket, except when
 * it flows straight into the tapped stream (flowing, nothing buffered, imapflow's pipe the one reader,
 * the stream idle, so its `_transform` runs now): then the reused buffer itself goes in, `lend` marks it
 * borrowed, and the tap reads in place only what it does not keep (see `read`), copying the rest. With
 * COMPRESS=DEFLATE the socket pipes into imapflow's inflater instead, and every read is a copy.
 */
function readIntoOneBuffer(
  client: ImapFlow,
  streamer: ImapStreamRuntime,
  lend: (view: Buffer, hand: () => void) => void,
): boolean {
  const tls = (client as unknown as { options?: { tls?: unknown } }).options?.tls;
  if (typeof tls !== 'object' || tls === null || 'onread' in tls) return false;
  // A write runs `_transform` at once only with Transform's own `_write` (ImapStream has no other).
  if ((streamer as unknown as { _write?: unknown })._write !== Transform.prototype._write) return false;
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  const readsStraightIn = (socket: ReadableSocket): boolean => {
    const pipes = socket._readableState?.pipes;
    return (
      socket.readableFlowing === true &&
      socket.readableLength === 0 &&
      socket.listenerCount('data') === 1 &&
      Array.isArray(pipes) &&
      pipes.length === 1 &&
      pipes[0] === streamer &&
      !streamer.destroyed &&
      streamer.writableLength === 0 &&
      streamer.writableCorked === 0
    );
  };
  Object.assign(tls, {
    onread: {
      buffer,
      // Node calls it on the socket that read (`this`); `false` stops reading until it is read on.
      callback(this: ReadableSocket, bytes: number, into: Buffer): boolean {
        const view = into.subarray(0, bytes);
        if (!readsStraightIn(this)) return this.push(Buffer.from(view));
        lend(view, () => this.emit('data', view));
        return true;
      },
    },
  });
  return true;
}

// Bytes that outlive the read they came in: a copy when they are the socket's reused read buffer.
function keep(bytes: Buffer, borrowed: boolean): Buffer {
  return borrowed ? Buffer.from(bytes) : bytes;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function announcesLiteral(line: Buffer): boolean {
  let position = line.length - 1;
  if (position < 2 || line[position] !== CLOSE_BRACE) return false;
  position -= 1;
  const digitsEnd = position;
  while (position >= 0 && (line[position] ?? 0) >= 0x30 && (line[position] ?? 0) <= 0x39) position -= 1;
  // At least one digit, then `{` (ImapStream's `checkLiteralMarker`).
  return position >= 0 && position < digitsEnd && line[position] === OPEN_BRACE;
}

/**
 * Writes command lines on the client's connection, through its writer (TLS, COMPRESS=DEFLATE), with
 * the final CRLF added by it. For the counting channel only, while imapflow has no command in flight.
 *
 * @param client - A connected client.
 * @param lines - One or more command lines joined by CRLF, without the last CRLF.
 * @returns `false` when the client has no writer (nothing was written).
 */
export function writeCommandLines(client: ImapFlow, lines: string): boolean {
  if (!hasResponseReader(client)) return false;
  client.write(lines);
  return true;
}

/**
 * The tag of the command imapflow has in flight, to tell its completions from forged ones.
 *
 * @param client - The client.
 * @returns The tag, or `undefined` when imapflow is idle.
 */
export function inFlightTagOf(client: ImapFlow): string | undefined {
  if (!hasResponseReader(client)) return undefined;
  const request = client.currentRequest;
  return request && typeof request.tag === 'string' ? request.tag : undefined;
}

/**
 * Turns Nagle's algorithm off (imapflow never does): pipelined commands go out at once, and a
 * command-heavy count does not wait on delayed ACKs (~40 ms a round trip through a delaying link).
 *
 * @param client - A connected client.
 */
export function disableNagle(client: ImapFlow): void {
  if (!hasResponseReader(client)) return;
  client.socket?.setNoDelay?.(true);
}

/** An IMAP token as imapflow's command compiler takes it and its parser hands it over. */
export interface ImapToken {
  readonly type: string;
  readonly value: string;
}
type ImapAttribute = ImapToken | readonly ImapAttribute[];

interface UntaggedResponse {
  readonly attributes?: readonly unknown[];
}

interface ImapFlowExec {
  exec(
    command: string,
    attributes: readonly ImapAttribute[],
    options: { untagged: Record<string, (untagged: UntaggedResponse) => Promise<void>> },
  ): Promise<{ next(): void }>;
}

/**
 * Whether imapflow's command queue is reachable (imapflow 2.10: `exec`, not in its type definitions).
 *
 * @param client - The client.
 * @returns `true` when raw commands can be queued.
 */
export function hasExec(client: ImapFlow): client is ImapFlow & ImapFlowExec {
  return typeof (client as unknown as Partial<ImapFlowExec>).exec === 'function';
}

/** An IMAP atom for imapflow's command compiler. */
export const atom = (value: string): ImapToken => ({ type: 'ATOM', value });

/** The string value of a parsed token, or `undefined` for a list or anything else. */
export function tokenValue(token: unknown): string | undefined {
  if (typeof token !== 'object' || token === null || Array.isArray(token)) return undefined;
  const value = (token as { value?: unknown }).value;
  return typeof value === 'string' ? value : undefined;
}

/** The close of one socket of a client, as {@link watchTransport} follows it. */
export interface TransportWatch {
  readonly socket: object;
  /** Resolves when that socket has closed; never rejects. */
  readonly closed: Promise<void>;
}

/**
 * Follows the close of the client's current socket, so a connection slot is given back only when the
 * socket is gone. imapflow keeps its current socket, plain or TLS, in the untyped `socket` field,
 * replaces it on STARTTLS and drops it when it closes the connection (a logout, a BYE): call this at
 * each stage, and the last socket seen stays watched after imapflow has let go of it.
 *
 * @param client - A client.
 * @param previous - The watch returned last time, if any.
 * @returns A watch of the current socket (`previous` when it is the same one, or when there is none).
 */
export function watchTransport(client: ImapFlow, previous?: TransportWatch): TransportWatch | undefined {
  const socket = socketOf(client);
  if (!isClosableSocket(socket) || socket === previous?.socket) return previous;
  const closed =
    socket.closed === true
      ? Promise.resolve()
      : new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, closed };
}

function socketOf(client: ImapFlow): unknown {
  return (client as unknown as { socket?: unknown }).socket;
}

function isClosableSocket(
  value: unknown,
): value is { closed?: unknown; once(event: 'close', listener: () => void): unknown } {
  return (
    typeof value === 'object' && value !== null && typeof (value as { once?: unknown }).once === 'function'
  );
}

/** The subscribed mailboxes (LSUB), at most `limit` of them. */
export interface SubscribedMailboxes {
  /** Each subscribed name once, decoded and normalized as imapflow's own listing does. */
  readonly mailboxes: ListedMailbox[];
  /** More than `limit` were answered: `mailboxes` holds the first `limit`. */
  readonly truncated: boolean;
}

/**
 * Asks for the subscribed mailboxes with `LSUB "" "*"` (RFC 3501 §6.3.9) through imapflow's command
 * queue, its parser and its own name decoding (modified UTF-7, INBOX in capitals, the leading
 * delimiter dropped), line for line as imapflow's `list()` reads the LSUB it sends itself. The
 * attributes are LSUB's (`\Noselect`: a parent of subscribed mailboxes, not itself subscribed; Dovecot
 * adds the special-use ones, most servers none), and each name's special use is also guessed from the
 * name alone, as imapflow guesses it for a server without SPECIAL-USE (`specialUseSource: 'name'`).
 * Rejects when the server refuses LSUB (IMAP4rev2 removed it).
 *
 * @param client - A client with {@link hasExec}.
 * @param limit - The most mailboxes kept; the rest are only counted towards `truncated`.
 * @returns The subscribed mailboxes.
 */
export async function subscribedMailboxes(
  client: ImapFlow & ImapFlowExec,
  limit: number,
): Promise<SubscribedMailboxes> {
  const byPath = new Map<string, ListedMailbox>();
  let truncated = false;
  const response = await client.exec('LSUB', [string(''), string('*')], {
    untagged: {
      LSUB: async (untagged) => {
        const [flags, delimiterToken, nameToken] = untagged.attributes ?? [];
        const raw = nameToken === undefined ? undefined : rawValueOf(nameToken);
        if (raw === undefined) return;
        const delimiter = getStringValue(delimiterToken) || undefined;
        let path = normalizePath(client, decodePath(client, raw));
        if (delimiter !== undefined && path.startsWith(delimiter)) path = path.slice(delimiter.length);
        if (byPath.has(path)) return;
        if (byPath.size >= limit) {
          truncated = true;
          return;
        }
        const attributes = getStringList(flags);
        const name = delimiter === undefined ? path : (path.split(delimiter).pop() ?? path);
        const guessed = specialUse(false, { flags: new Set(attributes), name }).flag ?? undefined;
        byPath.set(path, {
          path,
          delimiter,
          flags: attributes,
          specialUse: guessed,
          specialUseSource: guessed === undefined ? undefined : 'name',
        });
      },
    },
  });
  response.next();
  return { mailboxes: [...byPath.values()], truncated };
}

/** An IMAP string for imapflow's command compiler. */
const string = (value: string): ImapToken => ({ type: 'STRING', value });

// A name sent as a literal arrives as a Buffer (imapflow's list.js reads it the same way).
function rawValueOf(token: unknown): string | undefined {
  if (typeof token !== 'object' || token === null || Array.isArray(token)) return undefined;
  const value = (token as { value?: unknown }).value;
  if (typeof value === 'string') return value;
  return Buffer.isBuffer(value) ? value.toString() : undefined;
}
