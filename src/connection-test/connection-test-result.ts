import type { SecurityMode } from '../config/security-mode.js';
import type { ErrorCode } from '../errors/error-catalog.js';
import type { FailureDetail, FieldIssue } from '../errors/failure-detail.js';
import type { MailboxRoleAssignment } from '../mailboxes/role-detection.js';

/** Where a connection went and how it was protected. */
export interface ServerEndpoint {
  /** The host connected to. */
  readonly host: string;
  /** The port connected to. */
  readonly port: number;
  /** How the connection was protected. */
  readonly security: SecurityMode;
  /** The server's greeting text (often names the software), when it sent one. */
  readonly greeting?: string;
}

/** A successful connection test: logged in, capabilities read, mailbox roles found, logged out. */
export interface ConnectionTestSuccess {
  /** The test passed. */
  readonly ok: true;
  /** `Authenticated as <username>`, the line the drawer shows. */
  readonly message: string;
  /** The username the server accepted. */
  readonly authenticatedAs: string;
  /** Where the connection went and how it was protected. */
  readonly server: ServerEndpoint;
  /** `true` when the connection was not protected by a verified TLS certificate (`security: 'none'` or certificate checks turned off). */
  readonly insecure: boolean;
  /** The capabilities advertised after login, upper-case. */
  readonly capabilities: readonly string[];
  /** Which folder plays which role (INBOX, Sent, Drafts, Junk, Trash, Archive, and virtual views). */
  readonly mailboxes: readonly MailboxRoleAssignment[];
  /** The IMAP commands the test sent, in order (each one round trip). */
  readonly commands: readonly string[];
  /** Remarks about the configuration. */
  readonly warnings: readonly FieldIssue[];
  /** Wall time of the whole test, in milliseconds. */
  readonly elapsedMs: number;
}

/** A failed connection test, with everything needed to tell the user what to do. */
export interface ConnectionTestFailure {
  /** The test failed. */
  readonly ok: false;
  /** The catalog code. */
  readonly code: ErrorCode;
  /** The message the drawer shows in red. */
  readonly message: string;
  /** The HTTP status a host API should answer with. */
  readonly httpStatus: number;
  /** What the user can do about it. */
  readonly fix: string;
  /** Whether trying again later, unchanged, can succeed. */
  readonly retryable: boolean;
  /** Stage, server response code and excerpt, field issues... */
  readonly detail: FailureDetail;
  /** Remarks about the configuration (e.g. whitespace around the password). */
  readonly warnings: readonly FieldIssue[];
  /** Wall time until the failure, in milliseconds. */
  readonly elapsedMs: number;
}

/** What `testConnection()` resolves to; it never rejects for a connection or login failure. */
export type ConnectionTestResult = ConnectionTestSuccess | ConnectionTestFailure;
