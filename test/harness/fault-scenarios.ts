/**
 * What the fault server says: the scenarios, and the minimal IMAP server most of them are built on.
 *
 * The IMAP subset is what imapflow 2.10.2 needs to get through `connect()`: greeting, CAPABILITY,
 * STARTTLS (refused only), ID, LOGIN, AUTHENTICATE PLAIN / LOGIN (with or without SASL-IR),
 * CAPABILITY again after login, NAMESPACE (or `LIST "" ""` when NAMESPACE is not advertised), ENABLE,
 * NOOP and LOGOUT. A new fault is usually a new `FaultScenario` member whose case calls `serveImap`
 * with a `login` behaviour or a `commands` override, or a `script`.
 */
import type { FaultConnection } from './fault-server.js';

/** Advertised before login unless a scenario says otherwise; ID and NAMESPACE as Dovecot has them. */
export const DEFAULT_CAPABILITIES = 'IMAP4rev1 ID NAMESPACE AUTH=PLAIN';

export type FaultScenario =
  /** Accepts TCP and never writes: a black hole after connect (greeting timeout). */
  | { kind: 'accept-and-stall' }
  /** Sends one greeting line, then never answers anything. */
  | { kind: 'greeting-then-stall'; greeting?: string }
  /** Answers everything before login, then never answers LOGIN / AUTHENTICATE (not even with `+`). */
  | { kind: 'greeting-then-stall-after-login'; capabilities?: string }
  /**
   * Logs in, then answers nothing more: with imapflow that is the CAPABILITY it sends right after
   * login. `keepAnswering` lists commands still answered (e.g. `['CAPABILITY', 'ID', 'NAMESPACE']`
   * so that imapflow's `connect()` completes and the stall hits the next operation).
   */
  | { kind: 'login-ok-then-stall'; capabilities?: string; keepAnswering?: readonly string[] }
  /** Sends junk (by default fixed pseudo-random bytes, then a junk text line) and keeps the connection open. */
  | { kind: 'garbage-greeting'; data?: string | Uint8Array }
  /** An SMTP server: a 220 greeting, then 502 to every line. */
  | { kind: 'smtp-greeting' }
  /** An HTTP server: silent until the client writes, then a 400 response and close. */
  | { kind: 'http-server' }
  /** An SSH server: the identification banner, then nothing. */
  | { kind: 'ssh-banner' }
  /** Accepts and immediately resets (RST): the client sees ECONNRESET. */
  | { kind: 'reset-on-connect' }
  /** Behaves until LOGIN / AUTHENTICATE, which gets a RST. */
  | { kind: 'reset-on-login'; capabilities?: string }
  /** An untagged BYE instead of a greeting, then close. */
  | { kind: 'bye-on-connect'; text?: string }
  /** Behaves until LOGIN / AUTHENTICATE, which gets an untagged BYE and a close. */
  | { kind: 'bye-on-login'; text?: string; capabilities?: string }
  /**
   * Answers LOGIN / AUTHENTICATE with `<tag> <response>` once the credentials are in, e.g.
   * `NO [AUTHENTICATIONFAILED] Authentication failed.`; a response starting with OK logs in.
   */
  | { kind: 'login-response'; response: string; capabilities?: string }
  /** `LOGINDISABLED` without STARTTLS: plaintext login is forbidden and there is no way to upgrade. */
  | { kind: 'logindisabled' }
  /** No STARTTLS advertised, and a login attempt succeeds: tests assert the client never made one. */
  | { kind: 'no-starttls'; capabilities?: string }
  /** Advertises STARTTLS and answers it with `<tag> <response>` (default `NO Not now`). */
  | { kind: 'starttls-refused'; capabilities?: string; response?: string }
  /** Anything else; framing is `lines` unless the script sets `conn.framing = 'imap'`. */
  | { kind: 'script'; run: (conn: FaultConnection) => void };

/** How the IMAP server answers LOGIN and AUTHENTICATE. */
export type LoginBehaviour =
  /** `<tag> <response>` once the credentials are complete; a response starting with OK logs in. */
  | { action: 'respond'; response: string }
  /** No answer at all, not even the `+` AUTHENTICATE waits for. */
  | { action: 'stall' }
  /** A RST as soon as the command arrives. */
  | { action: 'reset' }
  /** `* BYE <text>` as soon as the command arrives, then close. */
  | { action: 'bye'; text: string };

export interface ImapCommand {
  tag: string;
  /** Upper-cased, e.g. `AUTHENTICATE`. */
  name: string;
  /** Everything after the name, literals included as received; empty when there is nothing. */
  args: string;
  line: string;
}

export interface ImapSession {
  readonly conn: FaultConnection;
  authenticated: boolean;
  /** The capabilities for the current state, as listed by CAPABILITY. */
  capabilities(): string;
  /** Writes `* <text>`. */
  untagged(text: string): void;
  /** Writes `<tag> <text>`. */
  tagged(tag: string, text: string): void;
  /** Writes `+ <text>` and hands the next line to `onReply` instead of the command dispatcher. */
  continuation(text: string, onReply: (line: string) => void): void;
  /** Runs the built-in handling of a command, for overrides that only add to it. */
  answer(command: ImapCommand): void;
}

export type ImapCommandHandler = (command: ImapCommand, session: ImapSession) => void;

export interface ImapServeOptions {
  /** The greeting line; `null` sends none. Default: `* OK [CAPABILITY <capabilities>] ready`. */
  greeting?: string | null;
  /** Before login. Default `DEFAULT_CAPABILITIES`. */
  capabilities?: string;
  /** After login. Default: `capabilities` without AUTH=, SASL-IR, STARTTLS and LOGINDISABLED. */
  authenticatedCapabilities?: string;
  /** Default: `{ action: 'respond', response: 'OK Logged in' }`. */
  login?: LoginBehaviour;
  /** The answer to STARTTLS after the tag; TLS upgrades are not implemented. */
  starttls?: string;
  /** Once logged in, answer only the commands in `keepAnswering` and ignore the rest. */
  stallAfterLogin?: boolean;
  keepAnswering?: readonly string[];
  /** Handlers by upper-case command name, replacing or adding to the built-in ones. */
  commands?: Readonly<Record<string, ImapCommandHandler>>;
  /**
   * Handle each command only once every earlier one is complete (its tagged line written), as a
   * server that executes commands one at a time: a command pipelined behind an answer that never ends
   * is never answered, instead of being answered in the middle of it.
   */
  inOrder?: boolean;
}

const PRE_LOGIN_ONLY = /^(?:AUTH=\S+|SASL-IR|STARTTLS|LOGINDISABLED)$/i;
const COMMAND_LINE = /^(\S+) (\S+)(?: ([\s\S]*))?$/;
/** Base64 of the SASL LOGIN prompts `Username:` and `Password:`. */
const SASL_LOGIN_PROMPTS = ['VXNlcm5hbWU6', 'UGFzc3dvcmQ6'] as const;

/** Plays an IMAP server on `conn`; `options` decide where it stops behaving. */
export function serveImap(conn: FaultConnection, options: ImapServeOptions = {}): ImapSession {
  conn.framing = 'imap';
  const preLogin = options.capabilities ?? DEFAULT_CAPABILITIES;
  const postLogin =
    options.authenticatedCapabilities ??
    preLogin
      .split(' ')
      .filter((capability) => capability && !PRE_LOGIN_ONLY.test(capability))
      .join(' ');
  const login = options.login ?? { action: 'respond', response: 'OK Logged in' };
  let pendingReply: ((line: string) => void) | undefined;

  const session: ImapSession = {
    conn,
    authenticated: false,
    capabilities: () => (session.authenticated ? postLogin : preLogin),
    untagged: (text) => conn.write(`* ${text}`),
    tagged: (tag, text) => conn.write(`${tag} ${text}`),
    continuation: (text, onReply) => {
      pendingReply = onReply;
      conn.write(`+ ${text}`);
    },
    answer: (command) => builtIn(command),
  };

  /** Called once the client has sent its credentials, by whichever command. */
  const credentialsComplete = (tag: string): void => {
    if (login.action !== 'respond') return;
    session.tagged(tag, login.response);
    if (/^OK\b/i.test(login.response)) session.authenticated = true;
  };

  /** stall, reset and bye happen on the command itself, before any credentials are asked for. */
  const interceptsLogin = (): boolean => {
    switch (login.action) {
      case 'respond':
        return false;
      case 'stall':
        return true;
      case 'reset':
        conn.reset();
        return true;
      case 'bye':
        session.untagged(`BYE ${login.text}`);
        conn.end();
        return true;
    }
  };

  const authenticate = (tag: string, args: string): void => {
    const [mechanism = '', initialResponse] = args.split(' ');
    const saslLogin = mechanism.toUpperCase() === 'LOGIN';
    if (mechanism.toUpperCase() !== 'PLAIN' && !saslLogin) {
      session.tagged(tag, 'NO [CANNOT] Unsupported authentication mechanism');
      return;
    }
    // PLAIN needs one client response, LOGIN two (user name, then password); a SASL-IR initial
    // response (`=` for an empty one) is the first of them
    let responsesLeft = saslLogin ? 2 : 1;
    const onResponse = (line: string): void => {
      if (line === '*') {
        session.tagged(tag, 'BAD Authentication aborted by client.');
        return;
      }
      responsesLeft -= 1;
      if (responsesLeft > 0) askNext();
      else credentialsComplete(tag);
    };
    const askNext = (): void => {
      session.continuation(saslLogin ? SASL_LOGIN_PROMPTS[responsesLeft === 2 ? 0 : 1] : '', onResponse);
    };
    if (initialResponse === undefined) askNext();
    else onResponse(initialResponse);
  };

  const builtIn = (command: ImapCommand): void => {
    const { tag, name, args } = command;
    switch (name) {
      case 'CAPABILITY':
        session.untagged(`CAPABILITY ${session.capabilities()}`);
        session.tagged(tag, 'OK Capability completed.');
        return;
      case 'NOOP':
        session.tagged(tag, 'OK NOOP completed.');
        return;
      case 'ID':
        session.untagged('ID NIL');
        session.tagged(tag, 'OK ID completed.');
        return;
      case 'STARTTLS':
        session.tagged(tag, options.starttls ?? 'BAD STARTTLS is not available on this server.');
        return;
      case 'LOGIN':
      case 'AUTHENTICATE':
        if (session.authenticated) {
          session.tagged(tag, 'BAD Already logged in.');
        } else if (!interceptsLogin()) {
          if (name === 'LOGIN') credentialsComplete(tag);
          else authenticate(tag, args);
        }
        return;
      case 'LOGOUT':
        session.untagged('BYE Logging out');
        session.tagged(tag, 'OK Logout completed.');
        conn.end();
        return;
    }
    if (!session.authenticated) {
      session.tagged(tag, `BAD Error in IMAP command ${name}: Unknown command or login first.`);
      return;
    }
    switch (name) {
      case 'NAMESPACE':
        session.untagged('NAMESPACE (("" "/")) NIL NIL');
        session.tagged(tag, 'OK Namespace completed.');
        return;
      case 'LIST':
        // `LIST "" ""` is how imapflow learns the delimiter when NAMESPACE is not advertised
        session.untagged(args === '"" ""' ? 'LIST (\\Noselect) "/" ""' : 'LIST (\\HasNoChildren) "/" INBOX');
        session.tagged(tag, 'OK List completed.');
        return;
      case 'ENABLE':
        // No untagged ENABLED: enabling nothing is a valid answer (RFC 5161)
        session.tagged(tag, 'OK Enabled.');
        return;
      default:
        session.tagged(tag, `BAD Error in IMAP command ${name}: Unknown command.`);
    }
  };

  const handle = (line: string): void => {
    const parsed = COMMAND_LINE.exec(line);
    const tag = parsed?.[1];
    const name = parsed?.[2]?.toUpperCase();
    if (tag === undefined || name === undefined) {
      session.untagged('BAD Error in IMAP command received by server.');
      return;
    }
    const keptAnswering = options.keepAnswering?.some((kept) => kept.toUpperCase() === name) ?? false;
    if (session.authenticated && options.stallAfterLogin && !keptAnswering) return;
    const command: ImapCommand = { tag, name, args: parsed?.[3] ?? '', line };
    const handler = options.commands?.[name];
    inProgress?.start(tag);
    if (handler) handler(command, session);
    else builtIn(command);
  };
  // Only when asked for: it watches every byte written.
  const inProgress = options.inOrder ? new CommandsInProgress(conn, handle) : undefined;

  conn.onLine((line) => {
    if (pendingReply) {
      const reply = pendingReply;
      pendingReply = undefined;
      reply(line);
      return;
    }
    if (inProgress) inProgress.receive(line);
    else handle(line);
  });

  if (options.greeting !== null) {
    conn.write(options.greeting ?? `* OK [CAPABILITY ${preLogin}] ready`);
  }
  return session;
}

/** The longest start of a line kept to recognise a tagged completion (tags are short). */
const LINE_HEAD_CHARS = 64;

/**
 * Queues command lines while a command is in progress, and hands the next one over once the
 * connection has written a line starting with the tag in progress (followed by a space), wherever
 * that line falls in what is written (a fault may write its answer in arbitrary pieces).
 */
class CommandsInProgress {
  #tag: string | undefined;
  #lineHead = '';
  readonly #waiting: string[] = [];

  constructor(
    conn: FaultConnection,
    private readonly handle: (line: string) => void,
  ) {
    conn.onWrite((text) => this.#written(text));
  }

  /** A command line arrived. */
  receive(line: string): void {
    if (this.#tag === undefined && this.#waiting.length === 0) this.handle(line);
    else this.#waiting.push(line);
  }

  /** The command with this tag is being handled now. */
  start(tag: string): void {
    this.#tag = tag;
  }

  #written(text: string): void {
    let rest = text;
    for (;;) {
      const end = rest.indexOf('\n');
      const part = end < 0 ? rest : rest.slice(0, end);
      if (this.#lineHead.length < LINE_HEAD_CHARS) this.#lineHead += part.slice(0, LINE_HEAD_CHARS);
      if (end < 0) return;
      const tag = this.#tag;
      if (tag !== undefined && this.#lineHead.startsWith(`${tag} `)) {
        this.#tag = undefined;
        // After the write that completed it: the next command's answer follows this one's.
        queueMicrotask(() => this.#next());
      }
      this.#lineHead = '';
      rest = rest.slice(end + 1);
    }
  }

  #next(): void {
    while (this.#tag === undefined) {
      const line = this.#waiting.shift();
      if (line === undefined) return;
      this.handle(line);
    }
  }
}

/**
 * Fixed pseudo-random bytes (a constant seed keeps failures reproducible) without CR or LF, so they
 * arrive as exactly one line, followed by a line of text that is not IMAP either.
 */
function defaultGarbage(): Buffer {
  const bytes = Buffer.alloc(48);
  let seed = 0x2f6b1d3c;
  for (let i = 0; i < bytes.length; i += 1) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const byte = seed >>> 24;
    bytes[i] = byte === 0x0a || byte === 0x0d ? byte | 0x80 : byte;
  }
  return Buffer.concat([bytes, Buffer.from('\r\n?? 0xDEADBEEF garbage ahead ??\r\n', 'latin1')]);
}

const HTTP_BODY = '<html><body><h1>400 Bad Request</h1></body></html>\r\n';

/** Starts `scenario` on a freshly accepted connection. */
export function runScenario(scenario: FaultScenario, conn: FaultConnection): void {
  switch (scenario.kind) {
    case 'accept-and-stall':
      return;
    case 'greeting-then-stall':
      conn.write(scenario.greeting ?? '* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready');
      return;
    case 'greeting-then-stall-after-login':
      serveImap(conn, { ...capabilitiesOf(scenario), login: { action: 'stall' } });
      return;
    case 'login-ok-then-stall':
      serveImap(conn, {
        ...capabilitiesOf(scenario),
        stallAfterLogin: true,
        keepAnswering: scenario.keepAnswering ?? [],
      });
      return;
    case 'garbage-greeting':
      conn.writeRaw(scenario.data ?? defaultGarbage());
      return;
    case 'smtp-greeting':
      conn.write('220 mail.example.test ESMTP Postfix');
      conn.onLine(() => conn.write('502 5.5.2 Error: command not recognized'));
      return;
    case 'http-server':
      // An HTTP server speaks only when spoken to: a client waiting for a greeting gets nothing
      conn.onLine(() => {
        conn.writeRaw(
          'HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\n' +
            `Content-Length: ${Buffer.byteLength(HTTP_BODY)}\r\nConnection: close\r\n\r\n${HTTP_BODY}`,
        );
        conn.end();
      });
      return;
    case 'ssh-banner':
      conn.write('SSH-2.0-OpenSSH_9.2p1 Debian-2');
      return;
    case 'reset-on-connect':
      conn.reset();
      return;
    case 'reset-on-login':
      serveImap(conn, { ...capabilitiesOf(scenario), login: { action: 'reset' } });
      return;
    case 'bye-on-connect':
      conn.write(`* BYE ${scenario.text ?? '[UNAVAILABLE] Server shutting down for maintenance'}`);
      conn.end();
      return;
    case 'bye-on-login':
      serveImap(conn, {
        ...capabilitiesOf(scenario),
        login: { action: 'bye', text: scenario.text ?? 'Too many connections from your IP' },
      });
      return;
    case 'login-response':
      serveImap(conn, {
        ...capabilitiesOf(scenario),
        login: { action: 'respond', response: scenario.response },
      });
      return;
    case 'logindisabled':
      serveImap(conn, {
        capabilities: 'IMAP4rev1 LOGINDISABLED',
        login: {
          action: 'respond',
          response:
            'NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.',
        },
      });
      return;
    case 'no-starttls':
      serveImap(conn, { capabilities: scenario.capabilities ?? 'IMAP4rev1 AUTH=PLAIN' });
      return;
    case 'starttls-refused':
      serveImap(conn, {
        capabilities: scenario.capabilities ?? 'IMAP4rev1 STARTTLS AUTH=PLAIN',
        starttls: scenario.response ?? 'NO Not now',
      });
      return;
    case 'script':
      scenario.run(conn);
      return;
  }
}

/** The `capabilities` option of a scenario, left out when unset (exactOptionalPropertyTypes). */
function capabilitiesOf(scenario: { capabilities?: string }): Pick<ImapServeOptions, 'capabilities'> {
  return scenario.capabilities === undefined ? {} : { capabilities: scenario.capabilities };
}
