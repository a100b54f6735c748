import type { ImapFlow } from 'imapflow';

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
 *   STARTTLS), e.g. to pipeline a command ahead of it.
 * @returns Whether the hook could be installed (false on an imapflow without the internal `authenticate`).
 */
export function authenticateUnlessLoginDisabled(
  client: ImapFlow,
  options: { beforeAuthenticate?: () => void } = {},
): boolean {
  if (!hasAuthenticate(client)) return false;
  const authenticate = client.authenticate.bind(client);
  client.authenticate = async () => {
    const auth = client.options?.auth;
    if (auth?.loginMethod !== undefined && client.capabilities.has('LOGINDISABLED')) {
      auth.loginMethod = undefined;
    }
    options.beforeAuthenticate?.();
    return authenticate();
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
