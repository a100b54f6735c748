import type { z } from 'zod';
import type { FieldIssue } from '../errors/failure-detail.js';
import { configShape, type ImapConnectorConfig, normalizeConfig } from './config-schema.js';

/** A configuration that can be used, possibly with remarks worth showing. */
export interface ValidConfigResult {
  /** The configuration is usable. */
  readonly ok: true;
  /** The normalized configuration. Contains the password: do not log it. */
  readonly config: ImapConnectorConfig;
  /** Non-fatal remarks, each tied to a field. */
  readonly warnings: readonly FieldIssue[];
}

/** A configuration that cannot be used, with one entry per problem, tied to its field. */
export interface InvalidConfigResult {
  /** The configuration is not usable. */
  readonly ok: false;
  /** One entry per problem, tied to its field. */
  readonly issues: readonly FieldIssue[];
  /** Remarks about the fields that were fine. */
  readonly warnings: readonly FieldIssue[];
}

/** What {@link validateConfig} returns. */
export type ConfigValidationResult = ValidConfigResult | InvalidConfigResult;

/**
 * Checks and normalizes connection settings as an admin typed them. Never throws, whatever the input.
 *
 * Accepts what forms really send: a port as a numeric string, a pasted `imaps://host:993/` URL, `[::1]`,
 * IDN host names, `"SSL/TLS"`-style security labels; infers the security mode from the port (993 → tls,
 * 143 and 1143 → starttls) and warns about mismatches, plain-text connections, whitespace around the
 * password, and providers that need their own integration.
 *
 * @param input - Anything; typically the drawer's form values.
 * @returns The normalized configuration and warnings, or the field issues.
 *
 * @example
 * ```ts
 * const result = validateConfig({ host: 'imaps://imap.fastmail.com:993/', username: 'me@example.com', password });
 * if (!result.ok) for (const issue of result.issues) form.setError(issue.field, issue.message);
 * ```
 */
export function validateConfig(input: unknown): ConfigValidationResult {
  // The same two steps as imapConnectorConfigSchema, kept apart so the warnings come out too.
  const shaped = configShape.safeParse(input);
  if (!shaped.success) {
    return { ok: false, issues: shaped.error.issues.map(fieldIssueOf), warnings: [] };
  }
  const issues: FieldIssue[] = [];
  const normalized = normalizeConfig(shaped.data, (field, code, message) =>
    issues.push({ field, code, message }),
  );
  if (normalized === undefined || issues.length > 0) return { ok: false, issues, warnings: [] };
  return { ok: true, config: normalized.config, warnings: normalized.warnings };
}

function fieldIssueOf(issue: z.core.$ZodIssue): FieldIssue {
  if (issue.code === 'unrecognized_keys') {
    const prefix = issue.path.length > 0 ? `${issue.path.join('.')}.` : '';
    return {
      field: `${prefix}${issue.keys.join(', ')}`,
      code: 'unknown_field',
      message: `Unknown setting: ${issue.keys.join(', ')}.`,
    };
  }
  if (issue.path.length === 0) {
    return {
      field: 'config',
      code: 'invalid_type',
      message: 'The settings must be an object with host, port, username and password.',
    };
  }
  const params = issue.code === 'custom' ? issue.params : undefined;
  const code = typeof params?.['code'] === 'string' ? params['code'] : issue.code;
  return { field: issue.path.join('.'), code, message: issue.message };
}
