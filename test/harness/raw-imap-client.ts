import net from 'node:net';

/** The answer to one command: its untagged lines and the tagged status line. */
export interface RawResponse {
  readonly untagged: string[];
  readonly status: string;
}

/**
 * A deliberately small IMAP client for test set-up and inspection (seeding, snapshots), independent of
 * imapflow and of the code under test. Plaintext to 127.0.0.1 only, where Dovecot allows LOGIN. Handles
 * responses without literals, which is all the harness asks for.
 */
export class RawImapClient {
  readonly #socket: net.Socket;
  #buffer = '';
  #tag = 0;
  readonly #pending = new Map<string, { untagged: string[]; resolve: (response: RawResponse) => void }>();
  #untagged: string[] = [];
  #greeting: Promise<void>;

  private constructor(port: number) {
    this.#socket = net.connect(port, '127.0.0.1');
    this.#socket.setNoDelay(true);
    this.#greeting = new Promise((resolve, reject) => {
      this.#socket.once('error', reject);
      this.#onLine = (line) => {
        if (line.startsWith('* OK')) resolve();
        else reject(new Error(`unexpected greeting: ${line}`));
        this.#onLine = (next) => this.#route(next);
      };
    });
    this.#socket.on('data', (chunk: Buffer) => this.#receive(chunk.toString('utf8')));
  }

  #onLine: (line: string) => void = () => undefined;

  /**
   * Connects and logs in.
   *
   * @param port - Dovecot's plaintext port on 127.0.0.1.
   * @param username - Account name.
   * @param password - Its password.
   * @returns A logged-in client.
   */
  static async login(port: number, username: string, password: string): Promise<RawImapClient> {
    const client = new RawImapClient(port);
    await client.#greeting;
    await client.command(`LOGIN ${quoted(username)} ${quoted(password)}`);
    return client;
  }

  /**
   * Sends one command and waits for its tagged answer; rejects on NO/BAD unless `allowFailure`.
   *
   * @param text - The command without tag.
   * @param literal - Optional literal appended after the text as a non-synchronizing `{n+}` literal.
   * @param allowFailure - Resolve on NO/BAD too.
   * @returns Untagged lines and the status line.
   */
  command(text: string, literal?: Buffer, allowFailure = false): Promise<RawResponse> {
    this.#tag += 1;
    const tag = `T${this.#tag}`;
    const promise = new Promise<RawResponse>((resolve, reject) => {
      this.#pending.set(tag, {
        untagged: [],
        resolve: (response) => {
          if (!allowFailure && !/^OK\b/i.test(response.status))
            reject(new Error(`${text.slice(0, 80)} → ${response.status}`));
          else resolve(response);
        },
      });
    });
    if (literal) {
      this.#socket.write(
        Buffer.concat([Buffer.from(`${tag} ${text} {${literal.length}+}\r\n`), literal, Buffer.from('\r\n')]),
      );
    } else {
      this.#socket.write(`${tag} ${text}\r\n`);
    }
    return promise;
  }

  /** Logs out and closes. */
  async logout(): Promise<void> {
    await this.command('LOGOUT', undefined, true).catch(() => undefined);
    this.#socket.destroy();
  }

  #receive(text: string): void {
    this.#buffer += text;
    for (let end = this.#buffer.indexOf('\r\n'); end >= 0; end = this.#buffer.indexOf('\r\n')) {
      const line = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      this.#onLine(line);
    }
  }

  #route(line: string): void {
    if (line.startsWith('* ')) {
      this.#untagged.push(line);
      return;
    }
    const space = line.indexOf(' ');
    const tag = line.slice(0, space);
    const pending = this.#pending.get(tag);
    if (!pending) return;
    this.#pending.delete(tag);
    const untagged = this.#untagged;
    this.#untagged = [];
    pending.resolve({ untagged, status: line.slice(space + 1) });
  }
}

/**
 * An IMAP quoted string (RFC 3501 §4.3), with mailbox names in modified UTF-7 (RFC 3501 §5.1.3).
 *
 * @param value - The text.
 * @returns The quoted form.
 */
export function quoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * A mailbox name in modified UTF-7, as IMAP4rev1 sends it.
 *
 * @param name - The name in Unicode.
 * @returns The encoded name.
 */
export function encodeMailboxName(name: string): string {
  return name.replace(/&/g, '&-').replace(/[^\x20-\x7e]+/g, (run) => {
    const utf16 = Buffer.alloc(run.length * 2);
    for (let index = 0; index < run.length; index += 1) utf16.writeUInt16BE(run.charCodeAt(index), index * 2);
    return `&${utf16.toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
  });
}
