/**
 * A TCP server that plays the failures Dovecot can not be asked to produce (stalls, garbage, resets,
 * other protocols, refusals), so the SDK's error mapping is tested against real sockets.
 *
 * This file is the transport: accepting, optional TLS, cutting input into lines, recording, and a
 * `close()` that leaves no handle behind. What is said on the wire lives in `fault-scenarios.ts`.
 */
import net from 'node:net';
import tls from 'node:tls';
import { type FaultScenario, runScenario } from './fault-scenarios.js';

export type {
  FaultScenario,
  ImapCommand,
  ImapCommandHandler,
  ImapServeOptions,
  ImapSession,
  LoginBehaviour,
} from './fault-scenarios.js';
export { DEFAULT_CAPABILITIES, serveImap } from './fault-scenarios.js';

export interface FaultServer {
  host: string;
  port: number;
  /** connections accepted so far */
  connections(): number;
  /** lines received from clients (for asserting what the client sent, e.g. that LOGIN never went over plaintext) */
  received(): readonly string[];
  /** LOGIN or AUTHENTICATE commands received so far, over all connections. */
  loginAttempts(): number;
  /** Both directions in order, for debugging a failing test (see `TranscriptEntry` for its limits). */
  transcript(): readonly TranscriptEntry[];
  close(): Promise<void>;
}

export interface FaultServerOptions {
  /** Address to listen on; defaults to 127.0.0.1 (not `localhost`, which may resolve to ::1 first). */
  host?: string;
  /** Defaults to 0: a free port picked by the OS. */
  port?: number;
  /** Implicit TLS (like port 993) with this PEM key and certificate. */
  tls?: { key: string; cert: string };
}

export interface TranscriptEntry {
  /** `FaultConnection.id` of the connection. */
  connection: number;
  /** `in`: a line from the client; `out`: one write by the server (binary writes as latin1). */
  direction: 'in' | 'out';
  text: string;
}

/**
 * How incoming bytes become lines. `lines`: split at LF (a CR before it is dropped). `imap`: the same,
 * but a line ending in a literal announcement `{n}` / `{n+}` also takes the next n bytes and the rest
 * up to the following line end, and a synchronizing `{n}` is answered with a `+` continuation.
 */
export type Framing = 'lines' | 'imap';

/** One accepted client connection, as a scenario sees it. */
export interface FaultConnection {
  /** 1-based, in accept order. */
  readonly id: number;
  /** Whether the client talks TLS to this server. */
  readonly secure: boolean;
  /** Set once the socket is gone; writes are then dropped. */
  readonly closed: boolean;
  /** Set it before the first data arrives (that is, synchronously in the scenario); `lines` by default. */
  framing: Framing;
  /** Writes `line` followed by CRLF. */
  write(line: string): void;
  /** Writes exactly these bytes; returns what `socket.write` returns (false: wait for drain). */
  writeRaw(data: string | Uint8Array): boolean;
  /** Writes and waits until the data is handed to the kernel, for floods that must respect backpressure. */
  send(data: string | Uint8Array): Promise<void>;
  /** Closes gracefully (FIN, and TLS close_notify first when secure). */
  end(): void;
  /** Aborts with a TCP RST, so the client sees ECONNRESET. */
  reset(): void;
  /** Closes without a word (FIN, no close_notify). */
  destroy(): void;
  /** Called with every complete line, in order; several callbacks may be registered. */
  onLine(callback: (line: string) => void): void;
  /** Called with everything written to the client (`write`, `writeRaw`, `send`), in order. */
  onWrite(callback: (text: string) => void): void;
  onClose(callback: () => void): void;
  /** Makes `close()` destroy and wait for another socket too, e.g. a proxy's upstream connection. */
  adopt(socket: net.Socket): void;
}

/** Entries beyond this are not recorded, so a flooding scenario cannot exhaust memory by its own log. */
const MAX_TRANSCRIPT_ENTRIES = 10_000;
/** Longer entries are cut, for the same reason (a flood written in large chunks). */
const MAX_TRANSCRIPT_ENTRY_LENGTH = 4_096;

const LOGIN_COMMAND = /^\S+ (?:LOGIN|AUTHENTICATE)(?: |$)/i;
const LITERAL_ANNOUNCEMENT = /\{(\d+)(\+?)\}$/;
const CRLF = Buffer.from('\r\n');

interface ServerState {
  readonly received: string[];
  readonly transcript: TranscriptEntry[];
  adopt(socket: net.Socket): void;
}

/** Cuts a byte stream into lines (and, in `imap` framing, IMAP commands with their literals). */
class LineFramer {
  private buffered: Buffer = Buffer.alloc(0);
  /** Pieces of an IMAP command that has announced a literal and is not complete yet. */
  private pieces: Buffer[] = [];
  private literalLeft = 0;

  constructor(
    private readonly framing: () => Framing,
    private readonly onLine: (line: string) => void,
    private readonly onSynchronizingLiteral: () => void,
  ) {}

  push(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    for (;;) {
      if (this.literalLeft > 0) {
        if (!this.buffered.length) return;
        const take = Math.min(this.literalLeft, this.buffered.length);
        this.pieces.push(this.buffered.subarray(0, take));
        this.buffered = this.buffered.subarray(take);
        this.literalLeft -= take;
        continue;
      }
      const lf = this.buffered.indexOf(0x0a);
      if (lf < 0) return;
      const end = lf > 0 && this.buffered[lf - 1] === 0x0d ? lf - 1 : lf;
      const line = this.buffered.subarray(0, end);
      this.buffered = this.buffered.subarray(lf + 1);
      const literal = this.framing() === 'imap' ? LITERAL_ANNOUNCEMENT.exec(line.toString('latin1')) : null;
      if (literal) {
        this.pieces.push(line, CRLF);
        this.literalLeft = Number(literal[1]);
        if (literal[2] !== '+') this.onSynchronizingLiteral();
        continue;
      }
      this.pieces.push(line);
      const text = Buffer.concat(this.pieces).toString('utf8');
      this.pieces = [];
      this.onLine(text);
    }
  }
}

class Connection implements FaultConnection {
  framing: Framing = 'lines';
  private readonly lineCallbacks: Array<(line: string) => void> = [];
  private readonly writeCallbacks: Array<(text: string) => void> = [];
  private readonly closeCallbacks: Array<() => void> = [];
  private isClosed = false;

  constructor(
    readonly id: number,
    /** What is read and written: the TLS socket when secure, else the TCP socket itself. */
    private readonly socket: net.Socket,
    /** The TCP socket underneath, the one a RST has to be sent on. */
    private readonly tcp: net.Socket,
    private readonly state: ServerState,
  ) {
    const framer = new LineFramer(
      () => this.framing,
      (line) => this.deliver(line),
      () => this.write('+ Ready for literal data'),
    );
    socket.on('data', (chunk: Buffer) => framer.push(chunk));
    // The TCP socket closes last (after the TLS one), so its close means everything is gone
    tcp.once('close', () => {
      this.isClosed = true;
      for (const callback of this.closeCallbacks) callback();
    });
  }

  get secure(): boolean {
    return this.socket !== this.tcp;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  write(line: string): void {
    this.writeRaw(`${line}\r\n`);
  }

  writeRaw(data: string | Uint8Array): boolean {
    // Writing after end() or destroy() would raise an asynchronous error on the socket; a scenario
    // answering a line that raced with the close must not have to check for that itself
    if (this.socket.destroyed || this.socket.writableEnded) return false;
    const head = data.slice(0, MAX_TRANSCRIPT_ENTRY_LENGTH);
    this.record('out', typeof head === 'string' ? head : Buffer.from(head).toString('latin1'));
    if (this.writeCallbacks.length > 0) {
      const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
      for (const callback of this.writeCallbacks) callback(text);
    }
    return this.socket.write(data);
  }

  send(data: string | Uint8Array): Promise<void> {
    if (this.writeRaw(data) || this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  end(): void {
    this.socket.end();
  }

  reset(): void {
    // resetAndDestroy() exists only on a plain TCP handle (it throws on a TLS one), and destroying the
    // TCP socket under a TLS socket takes the TLS socket down with it
    if (!this.tcp.destroyed) this.tcp.resetAndDestroy();
  }

  destroy(): void {
    this.socket.destroy();
    this.tcp.destroy();
  }

  onLine(callback: (line: string) => void): void {
    this.lineCallbacks.push(callback);
  }

  onWrite(callback: (text: string) => void): void {
    this.writeCallbacks.push(callback);
  }

  onClose(callback: () => void): void {
    if (this.isClosed) callback();
    else this.closeCallbacks.push(callback);
  }

  adopt(socket: net.Socket): void {
    this.state.adopt(socket);
  }

  private deliver(line: string): void {
    this.state.received.push(line);
    this.record('in', line);
    for (const callback of this.lineCallbacks) callback(line);
  }

  private record(direction: TranscriptEntry['direction'], text: string): void {
    if (this.state.transcript.length < MAX_TRANSCRIPT_ENTRIES) {
      this.state.transcript.push({
        connection: this.id,
        direction,
        text: text.slice(0, MAX_TRANSCRIPT_ENTRY_LENGTH),
      });
    }
  }
}

export async function startFaultServer(
  scenario: FaultScenario,
  options: FaultServerOptions = {},
): Promise<FaultServer> {
  const received: string[] = [];
  const transcript: TranscriptEntry[] = [];
  /** Every socket still open, with a promise of its close, so close() can wait for all of them. */
  const sockets = new Map<net.Socket, Promise<void>>();
  let accepted = 0;

  const adopt = (socket: net.Socket): void => {
    if (sockets.has(socket)) return;
    // Errors (ECONNRESET from a client that went away, a failed TLS handshake) are part of the
    // faults being played; without a listener they would crash the test process
    socket.on('error', () => {});
    sockets.set(
      socket,
      new Promise((resolve) => {
        socket.once('close', () => {
          sockets.delete(socket);
          resolve();
        });
      }),
    );
  };
  const state: ServerState = { received, transcript, adopt };
  const secureContext = options.tls
    ? tls.createSecureContext({ key: options.tls.key, cert: options.tls.cert })
    : undefined;

  const server = net.createServer((tcp) => {
    accepted += 1;
    adopt(tcp);
    let socket: net.Socket = tcp;
    if (secureContext) {
      // Wrapped by hand rather than with tls.createServer, so the TCP socket stays reachable for a RST
      socket = new tls.TLSSocket(tcp, { isServer: true, secureContext });
      adopt(socket);
    }
    runScenario(scenario, new Connection(accepted, socket, tcp, state));
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error(`Fault server did not get a TCP address: ${String(address)}`);
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // The callback fires only once the listening handle and every accepted connection are closed
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Sockets adopted while waiting (a proxy dialing upstream at the last moment) need a further round
      while (sockets.size) {
        const pending = [...sockets];
        for (const [socket] of pending) socket.destroy();
        await Promise.all(pending.map(([, socketClosed]) => socketClosed));
      }
      await serverClosed;
      // net.Server emits 'close' on the next tick after closing its handle, before libuv has released
      // it, so the listening handle would still show in process.getActiveResourcesInfo(). libuv
      // releases closed handles after the check phase; the second setImmediate runs only after that.
      for (let hop = 0; hop < 2; hop += 1) await new Promise<void>((resolve) => setImmediate(resolve));
    })();
    return closing;
  };

  return {
    host: address.address,
    port: address.port,
    connections: () => accepted,
    received: () => [...received],
    loginAttempts: () => received.filter((line) => LOGIN_COMMAND.test(line)).length,
    transcript: () => [...transcript],
    close,
  };
}
