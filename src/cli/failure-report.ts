/** How a failure is shown: the catalog's message in red, its fix, the field issues, and the code. */
import { type ErrorCode, type FieldIssue, formatCatalogMessage } from '../index.js';
import type { CliIo } from './cli-io.js';
import { writeLines } from './cli-io.js';
import { exitCodeOf } from './exit-codes.js';
import { terminalStyleOf } from './terminal-style.js';

/** The fields of a failure the CLI shows: those of a failed connection test and of `ImapConnectorError`. */
export interface ReportedFailure {
  readonly code: ErrorCode;
  readonly message: string;
  readonly fix: string;
  readonly detail: { readonly issues?: readonly FieldIssue[] | undefined };
}

/**
 * Writes a failure to stderr for a person: `❌ <message>`, the fix, one line per field issue, the code.
 *
 * @param failure - The failure, with the catalog's message and fix.
 * @param io - Where to write.
 * @returns The exit status for its code.
 */
export function reportFailure(failure: ReportedFailure, io: CliIo): number {
  const style = terminalStyleOf(io.stderr, io.env);
  const exitCode = exitCodeOf(failure.code);
  const issues = failure.detail.issues ?? [];
  // A CONFIG_INVALID message lists its issues inline; on a terminal each gets a line of its own instead.
  const headline = issues.length > 0 ? formatCatalogMessage(failure.code) : failure.message;
  const lines = [style.red(`❌ ${headline}`)];
  for (const issue of issues) lines.push(`   ${issue.field}: ${issue.message}`);
  lines.push(`   Fix: ${failure.fix}`, style.dim(`   (${failure.code}, exit ${exitCode})`));
  writeLines(io.stderr, ...lines);
  return exitCode;
}

/**
 * Writes warnings about the settings to stderr.
 *
 * @param warnings - Field remarks.
 * @param io - Where to write.
 */
export function reportWarnings(warnings: readonly FieldIssue[], io: CliIo): void {
  for (const warning of warnings) writeLines(io.stderr, `⚠️  ${warning.field}: ${warning.message}`);
}
