import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { FieldIssue } from '../errors/failure-detail.js';
import { configWarnings } from './config-warnings.js';
import { hasControlCharacter, hasPasswordControlCharacter } from './control-characters.js';
import { parseHostInput } from './host-input.js';
import {
  type MailboxSelection,
  type MailboxSelectionInput,
  type OverridableRole,
  overridableRoles,
} from './mailbox-selection.js';
import type { PasswordProvider } from './password-provider.js';
import {
  defaultPortOfSecurityMode,
  parseSecurityMode,
  type SecurityMode,
  securityModeOfWellKnownPort,
} from './security-mode.js';
import { type ConnectionTimeouts, defaultTimeouts, maximumTimeoutMs } from './timeouts.js';

/**
 * TLS settings a host may need.
 */
export interface TlsOptionsInput {
  /**
   * Extra certificate authorities to trust, as PEM (one string, a bundle, or a list). Use it for
   * servers with their own certificate, such as ProtonMail Bridge's self-signed one. Trusted in
   * addition to the system's authorities.
   */
  readonly ca?: string | readonly string[] | null | undefined;
  /**
   * The name to check the certificate against, when it differs from `host`, e.g. when connecting by IP
   * address. Read like `host` (a pasted `imaps://name:993/` or `name:993` gives `name`). It is sent as SNI
   * unless it is an IP address (RFC 6066 §3 forbids IP addresses in SNI); the certificate is still
   * checked against it.
   */
  readonly servername?: string | null | undefined;
  /**
   * `false` turns certificate verification OFF: anyone on the network path can then read the password.
   * Only for a trusted local network when passing `ca` is not possible. Produces a loud warning.
   */
  readonly rejectUnauthorized?: boolean | undefined;
}

/**
 * The connection settings as a host app passes them, typically straight from the drawer's form.
 * Loose where forms are loose (a port may be a numeric string, a host may be a pasted `imaps://` URL);
 * {@link validateConfig} turns it into an {@link ImapConnectorConfig}.
 *
 * One rule for blank fields: a blank value (`''`, only whitespace, `null`, or a list of blanks) means
 * "not given", everywhere. An optional field then takes its default (the port of the security mode,
 * the security mode of the port, the system's certificate authorities, ...); a required one (host,
 * username, password) gets the `required` issue.
 */
export interface ImapConnectorConfigInput {
  /** IMAP server host name or IP address, e.g. `imap.fastmail.com`. A pasted `imaps://host:993/` URL is accepted. */
  readonly host: string;
  /** The port, as a number or numeric string. Inferred from `security` (or a pasted URL) when missing. */
  readonly port?: number | string | null | undefined;
  /** The login name, usually the full email address. */
  readonly username: string;
  /**
   * The app-specific password, or a function that fetches it when a connection needs it (from a vault,
   * say), so the host does not keep it in memory; see {@link PasswordProvider}.
   */
  readonly password: string | PasswordProvider;
  /** `tls` (port 993), `starttls` (port 143) or, only when chosen explicitly, `none`. Inferred from the port when missing. Labels such as `"SSL/TLS"` are accepted. */
  readonly security?: SecurityMode | string | null | undefined;
  /** TLS settings; see {@link TlsOptionsInput}. */
  readonly tls?: TlsOptionsInput | undefined;
  /** Per-stage time limits in milliseconds; see {@link ConnectionTimeouts}. */
  readonly timeouts?: Partial<ConnectionTimeouts> | undefined;
  /** Which mailboxes count as sent or received; see {@link MailboxSelectionInput}. */
  readonly mailboxes?: MailboxSelectionInput | undefined;
}

/** TLS settings after validation. */
export interface TlsOptions {
  /** Extra trusted authorities, one PEM certificate per entry. */
  readonly ca: readonly string[];
  /** The certificate name to verify against, if not `host`. */
  readonly servername?: string;
  /** Whether certificates are verified. `true` unless explicitly turned off. */
  readonly rejectUnauthorized: boolean;
}

/** A validated, normalized configuration: every field present and of one type. */
export interface ImapConnectorConfig {
  /** ASCII host name (IDN as punycode), IPv4 or IPv6 address (no brackets). */
  readonly host: string;
  /** The port. */
  readonly port: number;
  /** The login name, trimmed. */
  readonly username: string;
  /** The app-specific password, exactly as given (never trimmed), or the function that fetches it. */
  readonly password: string | PasswordProvider;
  /** How the connection is protected. */
  readonly security: SecurityMode;
  /** TLS settings. */
  readonly tls: TlsOptions;
  /** Per-stage limits, defaults filled in. */
  readonly timeouts: ConnectionTimeouts;
  /** Role overrides, exclusions and deduplication mode for counting. */
  readonly mailboxes: MailboxSelection;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

const timeoutField = z
  .number({ error: 'Enter a number of milliseconds.' })
  .int({ error: 'Enter a whole number of milliseconds.' })
  .positive({ error: 'Must be more than 0 ms.' })
  .max(maximumTimeoutMs, { error: `Must be at most ${maximumTimeoutMs} ms.` })
  .optional();

/** The shape of the input: types only, so a form library can reuse it field by field. */
const configFields = z.strictObject({
  host: z.string({ error: 'Enter the host name as text.' }).optional(),
  port: z.union([z.number(), z.string()], { error: 'Enter the port as a number.' }).optional(),
  username: z.string({ error: 'Enter the username as text.' }).optional(),
  password: z
    .union([z.string(), z.custom<PasswordProvider>((value) => typeof value === 'function')], {
      error: 'Enter the password as text (or pass a function that returns it).',
    })
    .optional(),
  security: z.string({ error: 'Choose tls, starttls or none.' }).optional(),
  tls: z
    .strictObject({
      ca: z
        .union([z.string(), z.array(z.string())], { error: 'Paste the certificate as PEM text.' })
        .optional(),
      servername: z.string({ error: 'Enter the certificate name as text.' }).optional(),
      rejectUnauthorized: z.boolean({ error: 'Must be true or false.' }).optional(),
    })
    .optional(),
  timeouts: z
    .strictObject({
      connectMs: timeoutField,
      greetingMs: timeoutField,
      loginMs: timeoutField,
      commandMs: timeoutField,
      testConnectionMs: timeoutField,
      countSignalsMs: timeoutField,
    })
    .optional(),
  mailboxes: z
    .strictObject({
      roles: z
        .strictObject(
          Object.fromEntries(
            overridableRoles.map((role) => [
              role,
              z
                .union([z.string(), z.array(z.string())], {
                  error: 'Enter a mailbox path or a list of paths.',
                })
                .optional(),
            ]),
          ) as Record<OverridableRole, z.ZodOptional<z.ZodUnion<[z.ZodString, z.ZodArray<z.ZodString>]>>>,
        )
        .optional(),
      exclude: z.array(z.string(), { error: 'Enter a list of mailbox paths.' }).optional(),
      deduplicate: z.enum(['auto', 'always', 'never'], { error: 'Choose auto, always or never.' }).optional(),
    })
    .optional(),
});

/**
 * The shape of the input with blank fields removed first (see {@link ImapConnectorConfigInput}: blank =
 * not given). Internal: {@link imapConnectorConfigSchema} and `validateConfig` both start here.
 */
export const configShape = z.preprocess((value) => withoutBlankFields(value), configFields);

/** The input once its shape is checked. */
export type ConfigShape = z.output<typeof configFields>;
/** Receives one field issue. */
export type IssueSink = (field: string, code: string, message: string) => void;

/** A normalised configuration and the remarks normalising it produced. */
export interface NormalizedConfig {
  readonly config: ImapConnectorConfig;
  readonly warnings: readonly FieldIssue[];
}

/**
 * The zod schema behind {@link validateConfig}, exported so host apps can reuse it in their own forms.
 * Parsing yields an {@link ImapConnectorConfig}; each zod issue carries `path` (the field) and
 * `params.code` (a stable code such as `required` or `out_of_range`).
 *
 * @example
 * ```ts
 * const parsed = imapConnectorConfigSchema.safeParse(formValues);
 * if (!parsed.success) showErrors(parsed.error.issues);
 * ```
 */
export const imapConnectorConfigSchema: z.ZodType<ImapConnectorConfig, ImapConnectorConfigInput> =
  configShape.transform((input, context) => {
    const addIssue: IssueSink = (field, code, message) => {
      context.addIssue({ code: 'custom', path: field.split('.'), message, params: { code } });
    };
    const normalized = normalizeConfig(input, addIssue);
    return normalized?.config ?? z.NEVER;
  }) as unknown as z.ZodType<ImapConnectorConfig, ImapConnectorConfigInput>;

/**
 * Checks and normalises a shape-checked input, reporting each problem to `addIssue` and returning the
 * configuration with the warnings found on the way (what was changed, what looks likely to fail).
 *
 * @param input - The output of {@link configShape}.
 * @param addIssue - Receives every field issue.
 * @returns The configuration and its warnings, or `undefined` when an issue was reported.
 */
export function normalizeConfig(input: ConfigShape, addIssue: IssueSink): NormalizedConfig | undefined {
  const host = input.host === undefined ? undefined : parseHostInput(input.host);
  if (host === undefined) addIssue('host', 'required', 'Enter the IMAP server host name.');
  else if (!host.ok) addIssue('host', host.code, host.message);

  const explicitSecurity = input.security === undefined ? undefined : parseSecurityMode(input.security);
  if (input.security !== undefined && explicitSecurity === undefined) {
    addIssue(
      'security',
      'invalid_choice',
      'Choose "tls" (SSL/TLS, port 993), "starttls" (port 143) or "none".',
    );
  }
  const urlSecurity = host?.ok ? host.security : undefined;
  const port = normalizePort(input.port, host?.ok ? host.port : undefined, addIssue);
  const security = explicitSecurity ?? urlSecurity ?? securityOfPort(port);
  const resolvedPort = port ?? defaultPortOfSecurityMode[security];

  const username = input.username?.trim() ?? '';
  let usernameValid = username.length > 0;
  if (!usernameValid)
    addIssue('username', 'required', 'Enter the username (usually the full email address).');
  else if (hasControlCharacter(username)) {
    usernameValid = false;
    addIssue(
      'username',
      'control_character',
      'The username contains a line break or another control character: re-type it (usually the full email address).',
    );
  }
  const password = input.password ?? '';
  // A provider is only called at connect time: its value is checked then (PASSWORD_UNAVAILABLE).
  let passwordValid = typeof password !== 'string' || password.length > 0;
  if (!passwordValid) addIssue('password', 'required', 'Enter the app-specific password.');
  else if (typeof password === 'string' && hasPasswordControlCharacter(password)) {
    passwordValid = false;
    addIssue(
      'password',
      'control_character',
      'The password contains a line break or another control character, almost always from copying: copy it again without the line break.',
    );
  }

  const ca = normalizeCertificates(input.tls?.ca, addIssue);
  const servername = normalizeServername(input.tls?.servername, addIssue);

  if (host === undefined || !host.ok || ca === undefined || resolvedPort === undefined) return undefined;
  if (!usernameValid || !passwordValid || servername === null) return undefined;
  const config: ImapConnectorConfig = {
    host: host.host,
    port: resolvedPort,
    username,
    password,
    security,
    tls: {
      ca,
      ...(servername === undefined ? {} : { servername }),
      rejectUnauthorized: input.tls?.rejectUnauthorized ?? true,
    },
    timeouts: { ...defaultTimeouts, ...withoutUndefined(input.timeouts ?? {}) },
    mailboxes: normalizeMailboxSelection(input.mailboxes),
  };
  const warnings = configWarnings(
    {
      hostNormalizations: host.normalizations,
      securityFromUrl: urlSecurity !== undefined,
      securityGiven: explicitSecurity !== undefined,
      usernameTrimmed: input.username !== username,
    },
    config,
  );
  return { config, warnings };
}

/**
 * The certificate name, read exactly like the host (`imaps://name:993/` and `name:993` give `name`, IDN
 * become punycode), so the value verified is the one validated.
 *
 * @returns The name, `undefined` when not given, or `null` when it is unusable (an issue was added).
 */
function normalizeServername(value: string | undefined, addIssue: IssueSink): string | null | undefined {
  if (value === undefined) return undefined;
  const parsed = parseHostInput(value);
  if (parsed.ok) return parsed.host;
  addIssue(
    'tls.servername',
    parsed.code === 'control_character' || parsed.code === 'has_path' ? parsed.code : 'invalid_host',
    parsed.code === 'has_path' || parsed.code === 'control_character'
      ? parsed.message.replace('the server name', 'the name the certificate was issued for')
      : 'Enter the host name the certificate was issued for, for example imap.fastmail.com.',
  );
  return null;
}

function normalizePort(
  value: number | string | undefined,
  portFromHost: number | undefined,
  addIssue: IssueSink,
): number | undefined {
  if (value === undefined || (typeof value === 'string' && value.trim() === '')) return portFromHost;
  const port = typeof value === 'number' ? value : Number(value.trim());
  if (Number.isNaN(port) || (typeof value === 'string' && !/^[+]?\d+(\.\d+)?$/.test(value.trim()))) {
    addIssue('port', 'not_a_number', 'Enter the port as a number, usually 993 (SSL/TLS) or 143 (STARTTLS).');
    return undefined;
  }
  if (!Number.isInteger(port)) {
    addIssue(
      'port',
      'not_an_integer',
      'The port is a whole number, usually 993 (SSL/TLS) or 143 (STARTTLS).',
    );
    return undefined;
  }
  if (port < 1 || port > 65_535) {
    addIssue(
      'port',
      'out_of_range',
      'The port must be between 1 and 65535, usually 993 (SSL/TLS) or 143 (STARTTLS).',
    );
    return undefined;
  }
  return port;
}

function securityOfPort(port: number | undefined): SecurityMode {
  // Unknown ports get implicit TLS: it never sends anything in clear text, and a mismatch fails fast.
  return port === undefined ? 'tls' : (securityModeOfWellKnownPort[port] ?? 'tls');
}

function normalizeCertificates(value: string | readonly string[] | undefined, addIssue: IssueSink) {
  if (value === undefined) return [];
  const texts = typeof value === 'string' ? [value] : value;
  const certificates = texts.flatMap((text) => text.match(PEM_CERTIFICATE) ?? []);
  if (certificates.length === 0) {
    addIssue(
      'tls.ca',
      'invalid_certificate',
      'Paste the certificate in PEM form, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.',
    );
    return undefined;
  }
  for (const pem of certificates) {
    try {
      new X509Certificate(pem);
    } catch {
      addIssue('tls.ca', 'invalid_certificate', 'The certificate text is damaged; copy it again in full.');
      return undefined;
    }
  }
  return certificates;
}

function normalizeMailboxSelection(input: ConfigShape['mailboxes']): MailboxSelection {
  const roles: Partial<Record<OverridableRole, readonly string[]>> = {};
  for (const role of overridableRoles) {
    const paths = input?.roles?.[role];
    if (paths !== undefined) roles[role] = typeof paths === 'string' ? [paths] : paths;
  }
  return { roles, exclude: input?.exclude ?? [], deduplicate: input?.deduplicate ?? 'auto' };
}

function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

/**
 * Drops every blank field (`''`, whitespace only, `null`, a list of blanks) so that each one reads as
 * "not given" (see {@link ImapConnectorConfigInput}). Nested settings objects are cleaned the same way;
 * anything that is not a plain object is left for the schema to judge.
 */
function withoutBlankFields(value: unknown, depth = 0): unknown {
  // The settings nest three levels at most (mailboxes.roles.sent); deeper (or cyclic) input is left
  // for the schema to reject rather than walked.
  if (
    depth > MAX_SETTINGS_DEPTH ||
    typeof value !== 'object' ||
    value === null ||
    Object.getPrototypeOf(value) !== Object.prototype
  ) {
    return value;
  }
  const kept: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (isBlank(field)) continue;
    if (Array.isArray(field)) {
      const entries = field.filter((entry) => !isBlank(entry));
      if (entries.length > 0) kept[key] = entries;
      continue;
    }
    kept[key] = withoutBlankFields(field, depth + 1);
  }
  return kept;
}

const MAX_SETTINGS_DEPTH = 3;

function isBlank(value: unknown): boolean {
  return value === null || (typeof value === 'string' && value.trim() === '');
}
