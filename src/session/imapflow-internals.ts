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
  handleResponse(data: { payload?: unknown }): Promise<boolean>;
}

function hasResponseReader(client: ImapFlow): client is ImapFlow & ImapFlowResponseReader {
  return typeof (client as unknown as Partial<ImapFlowResponseReader>).handleResponse === 'function';
}

/**
 * Shows every server response line to `onResponse` before imapflow handles it, as raw bytes, so the
 * session can watch the protocol (untagged floods, UIDVALIDITY changes, command completions) without
 * imapflow serialising each parsed response again for a debug log nobody reads.
 *
 * @param client - A client before `connect()`.
 * @param onResponse - Called with each response line (literals not included).
 * @returns Whether the hook could be installed (false on an imapflow without the internal reader).
 */
export function observeResponses(client: ImapFlow, onResponse: (line: Buffer) => void): boolean {
  if (!hasResponseReader(client)) return false;
  const handleResponse = client.handleResponse.bind(client);
  client.handleResponse = (data) => {
    if (Buffer.isBuffer(data.payload)) onResponse(data.payload);
    return handleResponse(data);
  };
  return true;
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

/**
 * Whether the client holds a socket now. imapflow keeps its current socket, plain or TLS, in the untyped
 * `socket` field, replaces it on STARTTLS and drops it when it closes the connection.
 *
 * @param client - A client.
 * @returns `true` while `socket` is set.
 */
export function hasTransport(client: ImapFlow): boolean {
  return isClosableSocket(socketOf(client));
}

/**
 * A promise of the close of the client's current socket, resolved at once when there is none or it has
 * closed already: a connection slot is given back only when the socket is gone.
 *
 * @param client - A client.
 * @returns A promise that never rejects.
 */
export function transportClosed(client: ImapFlow): Promise<void> {
  const socket = socketOf(client);
  if (!isClosableSocket(socket) || socket.closed === true) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
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
