import type { SecurityMode } from '../config/security-mode.js';
import type { FieldIssue } from '../errors/failure-detail.js';
import type { ImapConnectorErrorJson } from '../errors/imap-connector-error.js';
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

/**
 * A failed connection test, with everything needed to tell the user what to do: the fields of
 * {@link ImapConnectorErrorJson} (what `ImapConnectorError.toJSON()` gives, and what `testConnection()`
 * builds it from) without `name`, plus `ok`, the configuration warnings and the elapsed time.
 */
export interface ConnectionTestFailure extends Omit<ImapConnectorErrorJson, 'name'> {
  /** The test failed. */
  readonly ok: false;
  /** Remarks about the configuration (e.g. whitespace around the password). */
  readonly warnings: readonly FieldIssue[];
  /** Wall time until the failure, in milliseconds. */
  readonly elapsedMs: number;
}

/** What `testConnection()` resolves to; it never rejects for a connection or login failure. */
export type ConnectionTestResult = ConnectionTestSuccess | ConnectionTestFailure;
