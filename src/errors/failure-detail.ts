/**
 * The stage of a connection at which something failed, in the order they happen.
 * `command` is anything after login (listing, examining, counting).
 */
export type ConnectionPhase = 'config' | 'connect' | 'tls' | 'greeting' | 'starttls' | 'login' | 'command';

/** The protocol that answered when an IMAP server was expected. */
export type DetectedProtocol = 'smtp' | 'http' | 'ssh' | 'pop3' | 'ftp' | 'tls' | 'unknown';

/** One problem with one configuration field, shown under that field in a form. */
export interface FieldIssue {
  /** The field, as named in the configuration (`host`, `port`, `tls.ca`, `timeouts.connectMs`, ...). */
  readonly field: string;
  /** A stable machine-readable code (`required`, `out_of_range`, `whitespace`, ...). */
  readonly code: string;
  /** A sentence for the person filling the form. */
  readonly message: string;
}

/**
 * Machine-readable context of a failure. Every field is optional; all values are plain data and never
 * contain the password.
 */
export interface FailureDetail {
  /** Where the connection was when it failed. */
  readonly phase?: ConnectionPhase;
  /** For timeouts: the limit that applied, in milliseconds. */
  readonly timeoutMs?: number;
  /** The RFC 5530 response code in brackets, if the server sent one (`AUTHENTICATIONFAILED`, `UNAVAILABLE`, ...). */
  readonly serverResponseCode?: string;
  /** The server's response text: trimmed, one line, length-capped, secrets removed. */
  readonly serverResponse?: string;
  /** The low-level error code (a Node.js socket/TLS code or an imapflow code) the failure was classified from. */
  readonly underlyingCode?: string;
  /** For `NOT_IMAP_SERVER`: what answered instead. */
  readonly detectedProtocol?: DetectedProtocol;
  /** For `CONFIG_INVALID`: every field problem. */
  readonly issues?: readonly FieldIssue[];
  /** The mailbox concerned, for failures while counting. */
  readonly mailbox?: string;
  /** For `countSignals`: how many tries were made (retries after transient failures included). */
  readonly attempts?: number;
  /** For `RESPONSE_TOO_LARGE`: the limit that was exceeded; for `CONNECTION_SLOT_TIMEOUT`: `perServer` or `perAccount`. */
  readonly limit?: string;
  /** For `PROTOCOL_ERROR`: what the server did that breaks the protocol, when the SDK noticed it itself. */
  readonly violation?: string;
}
