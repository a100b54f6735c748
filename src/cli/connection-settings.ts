/**
 * The connection settings of `test` and `count`, from flags or `IMAP_*` environment variables, and the
 * password from the environment, stdin or a prompt, never from the command line unless forced.
 */
import { readFileSync } from 'node:fs';
import type { ImapConnectorConfigInput } from '../index.js';
import { formatCatalogMessage, ImapConnector, ImapConnectorError } from '../index.js';
import { type CliIo, UsageError } from './cli-io.js';
import { promptHidden, readPasswordFromStream } from './password-prompt.js';

/** The `parseArgs` options every command that connects accepts. */
export const connectionOptions = {
  host: { type: 'string' },
  port: { type: 'string' },
  username: { type: 'string', short: 'u' },
  security: { type: 'string' },
  'ca-file': { type: 'string' },
  'password-stdin': { type: 'boolean' },
  password: { type: 'string' },
  'allow-argv-password': { type: 'boolean' },
} as const;

/** The values of {@link connectionOptions} as `parseArgs` returns them. */
export interface ConnectionFlags {
  readonly host?: string | undefined;
  readonly port?: string | undefined;
  readonly username?: string | undefined;
  readonly security?: string | undefined;
  readonly 'ca-file'?: string | undefined;
  readonly 'password-stdin'?: boolean | undefined;
  readonly password?: string | undefined;
  readonly 'allow-argv-password'?: boolean | undefined;
}

/** Each setting's environment variable, for help texts and the README. */
export const settingVariables = {
  host: 'IMAP_HOST',
  port: 'IMAP_PORT',
  username: 'IMAP_USERNAME',
  password: 'IMAP_PASSWORD',
  security: 'IMAP_SECURITY',
  caFile: 'IMAP_CA_FILE',
} as const;

/**
 * Builds a connector from flags and environment, asking for the password last, once every other field
 * is known to be valid, so nobody types a password only to be told the host is wrong.
 *
 * @param flags - Parsed flags (they win over the environment).
 * @param io - Streams, for the prompt and `--password-stdin`.
 * @returns The connector (its `warnings` say what validation remarked).
 * @throws {@link UsageError} for a missing password or a bad command line; the SDK's `CONFIG_INVALID`
 *   error for invalid settings.
 */
export async function connectorFromSettings(flags: ConnectionFlags, io: CliIo): Promise<ImapConnector> {
  const { env } = io;
  const caFile = flags['ca-file'] ?? env[settingVariables.caFile];
  const settings: Omit<ImapConnectorConfigInput, 'password'> = {
    host: flags.host ?? env[settingVariables.host] ?? '',
    port: flags.port ?? env[settingVariables.port],
    username: flags.username ?? env[settingVariables.username] ?? '',
    security: flags.security ?? env[settingVariables.security],
    ...(caFile === undefined ? {} : { tls: { ca: readCaFile(caFile) } }),
  };
  // Validate everything but the password first (a placeholder stands in for it).
  const early = ImapConnector.validateConfig({ ...settings, password: 'placeholder' });
  if (!early.ok) {
    const issues = early.issues.filter((issue) => issue.field !== 'password');
    throw new ImapConnectorError({
      code: 'CONFIG_INVALID',
      message: `${formatCatalogMessage('CONFIG_INVALID')}: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join(' ')}`,
      detail: { phase: 'config', issues },
    });
  }
  const password = await passwordOf(flags, io, settings.username);
  return new ImapConnector({ ...settings, password });
}

function readCaFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new UsageError(`Cannot read the CA file ${file} (${reason}).`);
  }
}

async function passwordOf(flags: ConnectionFlags, io: CliIo, username: string): Promise<string> {
  if (flags.password !== undefined) {
    if (flags['allow-argv-password'] !== true) {
      throw new UsageError(
        `--password would leave the password in your shell history and in the process list. Set ${settingVariables.password}, pipe it with --password-stdin, or leave it out to be asked; add --allow-argv-password to force it.`,
      );
    }
    return flags.password;
  }
  if (flags['password-stdin'] === true) {
    if (io.stdin.isTTY)
      throw new UsageError('--password-stdin reads a pipe: echo "$PW" | … --password-stdin');
    return readPasswordFromStream(io.stdin);
  }
  const fromEnv = io.env[settingVariables.password];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (io.stdin.isTTY && typeof io.stdin.setRawMode === 'function') {
    return promptHidden({ input: io.stdin, output: io.stderr }, `Password for ${username}: `, io.signal);
  }
  throw new UsageError(
    `No password: set ${settingVariables.password}, pipe it with --password-stdin, or run in a terminal to be asked.`,
  );
}
