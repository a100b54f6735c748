import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../../src/errors/error-catalog.js';
import type { ConnectionPhase } from '../../../src/errors/failure-detail.js';
import { secretFormsOf } from '../../../src/errors/secret-redaction.js';
import { ChannelClosed } from '../../../src/session/counting-channel.js';
import {
  classifyFailure,
  type FailureContext,
  isCommandRefusal,
  isConnectionGone,
  isNotConnectedRefusal,
  isTransientRefusal,
  notConnectedFailure,
} from '../../../src/session/failure-classification.js';

const secrets = secretFormsOf('alice@example.test', 'canary-S3cret"pw');

/** An error as Node or imapflow builds it: a message and plain string properties. */
function raw(message: string, properties: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), properties);
}
const context = (phase: ConnectionPhase, extra: Partial<FailureContext> = {}): FailureContext => ({
  host: 'imap.example.test',
  phase,
  secrets,
  ...extra,
});
/** A tagged NO/BAD as imapflow rejects a command with it. */
const refusal = (status: 'NO' | 'BAD', text: string, serverResponseCode?: string) =>
  raw('Command failed', {
    responseStatus: status,
    responseText: text,
    ...(serverResponseCode === undefined ? {} : { serverResponseCode }),
  });

describe('classifyFailure', () => {
  // Node's socket, DNS and TLS codes, wherever they happen.
  it.each<[string, ConnectionPhase, ErrorCode]>([
    ['ECONNREFUSED', 'connect', 'CONNECTION_REFUSED'],
    ['ENOTFOUND', 'connect', 'HOST_NOT_FOUND'],
    ['ENODATA', 'connect', 'HOST_NOT_FOUND'],
    ['EAI_AGAIN', 'connect', 'DNS_UNAVAILABLE'],
    ['EHOSTUNREACH', 'connect', 'NETWORK_UNREACHABLE'],
    ['ENETUNREACH', 'connect', 'NETWORK_UNREACHABLE'],
    ['ETIMEDOUT', 'connect', 'CONNECT_TIMEOUT'],
    ['CONNECT_TIMEOUT', 'connect', 'CONNECT_TIMEOUT'],
    ['GREETING_TIMEOUT', 'greeting', 'GREETING_TIMEOUT'],
    ['UPGRADE_TIMEOUT', 'starttls', 'LOGIN_TIMEOUT'],
    ['ETIMEOUT', 'login', 'LOGIN_TIMEOUT'],
    ['ETIMEOUT', 'command', 'COMMAND_TIMEOUT'],
    ['ECONNRESET', 'greeting', 'CONNECTION_RESET'],
    ['ECONNRESET', 'command', 'CONNECTION_RESET'],
    ['EPIPE', 'login', 'CONNECTION_RESET'],
    ['ECONNABORTED', 'command', 'CONNECTION_RESET'],
    ['ERR_STREAM_WRITE_AFTER_END', 'command', 'CONNECTION_RESET'],
    ['ERR_STREAM_DESTROYED', 'login', 'CONNECTION_RESET'],
    ['ETHROTTLE', 'command', 'TOO_MANY_CONNECTIONS'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls', 'CERTIFICATE_UNTRUSTED'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'tls', 'CERTIFICATE_UNTRUSTED'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'starttls', 'CERTIFICATE_UNTRUSTED'],
    ['CERT_HAS_EXPIRED', 'tls', 'CERTIFICATE_EXPIRED'],
    ['CERT_NOT_YET_VALID', 'tls', 'CERTIFICATE_EXPIRED'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls', 'CERTIFICATE_HOSTNAME_MISMATCH'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls', 'TLS_HANDSHAKE_FAILED'],
    ['EPROTO', 'starttls', 'TLS_HANDSHAKE_FAILED'],
    // Long after the handshake, a TLS error is the connection breaking (a close mid-command).
    ['ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', 'command', 'CONNECTION_RESET'],
    ['EPROTO', 'command', 'CONNECTION_RESET'],
    // imapflow's own caps and protocol checks.
    ['LineTooLarge', 'command', 'RESPONSE_TOO_LARGE'],
    ['LiteralTooLarge', 'command', 'RESPONSE_TOO_LARGE'],
    ['TooManyResponses', 'command', 'RESPONSE_TOO_LARGE'],
    ['InvalidResponse', 'command', 'PROTOCOL_ERROR'],
    ['UnexpectedTag', 'command', 'PROTOCOL_ERROR'],
    ['ParserError5', 'command', 'PROTOCOL_ERROR'],
    ['STARTTLS_INJECTION', 'starttls', 'PROTOCOL_ERROR'],
  ])('code %s in phase %s is %s', (code, phase, expected) => {
    expect(classifyFailure(raw(`failed: ${code}`, { code }), context(phase)).code).toBe(expected);
  });

  // imapflow's "connection gone" errors: a lost connection, unless the server said goodbye (BYE).
  it.each<[string, ConnectionPhase, string | undefined, ErrorCode]>([
    ['NoConnection', 'command', undefined, 'CONNECTION_RESET'],
    ['NoConnection', 'greeting', undefined, 'CONNECTION_RESET'],
    ['EConnectionClosed', 'command', undefined, 'CONNECTION_RESET'],
    ['ClosedAfterConnectText', 'greeting', undefined, 'CONNECTION_RESET'],
    ['ClosedAfterConnectTLS', 'tls', undefined, 'CONNECTION_RESET'],
    ['StateLogout', 'command', undefined, 'CONNECTION_RESET'],
    ['NoConnection', 'command', 'Shutting down for maintenance', 'SERVER_CLOSED_CONNECTION'],
    ['NoConnection', 'login', 'Server closed connection', 'SERVER_CLOSED_CONNECTION'],
    ['ClosedAfterConnectText', 'greeting', 'Too many connections', 'SERVER_CLOSED_CONNECTION'],
  ])('%s in phase %s with BYE reason %j is %s', (code, phase, reason, expected) => {
    const error = raw('Connection not available', { code, ...(reason === undefined ? {} : { reason }) });
    const classified = classifyFailure(error, context(phase));
    expect(classified.code).toBe(expected);
    expect(classified.retryable).toBe(true);
  });

  // Tagged NO/BAD answers: by phase, and by RFC 5530 response code.
  it.each<[string, ConnectionPhase, 'NO' | 'BAD', string | undefined, ErrorCode]>([
    ['login refused', 'login', 'NO', undefined, 'CREDENTIALS_REJECTED'],
    ['AUTHENTICATIONFAILED', 'login', 'NO', 'AUTHENTICATIONFAILED', 'AUTHENTICATION_FAILED'],
    ['AUTHORIZATIONFAILED', 'login', 'NO', 'AUTHORIZATIONFAILED', 'AUTHORIZATION_FAILED'],
    ['EXPIRED', 'login', 'NO', 'EXPIRED', 'CREDENTIALS_EXPIRED'],
    ['PRIVACYREQUIRED', 'login', 'NO', 'PRIVACYREQUIRED', 'PRIVACY_REQUIRED'],
    ['CONTACTADMIN', 'login', 'NO', 'CONTACTADMIN', 'CONTACT_ADMIN'],
    ['UNAVAILABLE at login', 'login', 'NO', 'UNAVAILABLE', 'ACCOUNT_UNAVAILABLE'],
    ['UNAVAILABLE after login', 'command', 'NO', 'UNAVAILABLE', 'ACCOUNT_UNAVAILABLE'],
    ['INUSE', 'command', 'NO', 'INUSE', 'TOO_MANY_CONNECTIONS'],
    ['LIMIT', 'command', 'NO', 'LIMIT', 'TOO_MANY_CONNECTIONS'],
    ['NONEXISTENT', 'command', 'NO', 'NONEXISTENT', 'COMMAND_REFUSED'],
    ['SERVERBUG', 'command', 'NO', 'SERVERBUG', 'COMMAND_REFUSED'],
    ['a bare NO', 'command', 'NO', undefined, 'COMMAND_REFUSED'],
    ['a BAD', 'command', 'BAD', undefined, 'COMMAND_REFUSED'],
    ['a NO to CAPABILITY before login', 'greeting', 'NO', undefined, 'COMMAND_REFUSED'],
  ])('%s (%s, %s [%s]) is %s', (text, phase, status, responseCode, expected) => {
    expect(classifyFailure(refusal(status, text, responseCode), context(phase)).code).toBe(expected);
  });

  it('reads the response code from the parsed answer when imapflow did not copy it (FETCH)', () => {
    const error = raw('Command failed', {
      responseStatus: 'NO',
      responseText: 'try later',
      response: { attributes: [{ section: [{ type: 'ATOM', value: 'LIMIT' }] }, { value: 'try later' }] },
    });
    expect(classifyFailure(error, context('command')).code).toBe('TOO_MANY_CONNECTIONS');
  });

  it('keeps the refusal code and words of COMMAND_REFUSED, without the password', () => {
    const classified = classifyFailure(
      refusal('NO', 'Mailbox canary-S3cret\\"pw does not exist', 'NONEXISTENT'),
      context('command'),
    );
    expect(classified).toMatchObject({
      code: 'COMMAND_REFUSED',
      httpStatus: 502,
      retryable: false,
      message: 'The server refused a command: Mailbox [REDACTED] does not exist',
      detail: {
        phase: 'command',
        serverResponseCode: 'NONEXISTENT',
        serverResponse: 'Mailbox [REDACTED] does not exist',
      },
    });
  });

  it.each<[string, Partial<FailureContext>, ErrorCode]>([
    ['the caller aborted', { aborted: true }, 'ABORTED'],
    ['a deadline fired', { deadline: { code: 'COMMAND_TIMEOUT', timeoutMs: 500 } }, 'COMMAND_TIMEOUT'],
    [
      'a cap was exceeded',
      { violation: { code: 'RESPONSE_TOO_LARGE', description: 'FETCH rows' } },
      'RESPONSE_TOO_LARGE',
    ],
    [
      'the answer broke the protocol',
      { violation: { code: 'PROTOCOL_ERROR', description: 'no EXISTS' } },
      'PROTOCOL_ERROR',
    ],
    ['the first line was SMTP', { detectedProtocol: 'smtp' }, 'NOT_IMAP_SERVER'],
  ])('what the session knew comes first: %s', (_, extra, expected) => {
    // The raw error is a reset: the session's own knowledge (why it closed the socket) wins.
    const phase: ConnectionPhase = extra.detectedProtocol ? 'greeting' : 'command';
    expect(classifyFailure(raw('reset', { code: 'ECONNRESET' }), context(phase, extra)).code).toBe(expected);
  });

  it('says what broke the protocol in detail.violation', () => {
    const classified = classifyFailure(
      raw('closed'),
      context('command', {
        violation: { code: 'PROTOCOL_ERROR', description: 'EXAMINE INBOX: no valid EXISTS' },
      }),
    );
    expect(classified).toMatchObject({
      code: 'PROTOCOL_ERROR',
      retryable: true,
      detail: { violation: 'EXAMINE INBOX: no valid EXISTS' },
    });
  });

  it('keeps UNKNOWN for what it does not recognise, with the original as a redacted cause', () => {
    const original = new TypeError('Cannot read canary-S3cret"pw of undefined');
    const classified = classifyFailure(original, context('command'));
    expect(classified.code).toBe('UNKNOWN');
    expect(classified.cause).toBeInstanceOf(Error);
    expect((classified.cause as Error).name).toBe('TypeError');
    expect((classified.cause as Error).message).toBe('Cannot read [REDACTED] of undefined');
    expect(JSON.stringify({ ...classified, message: classified.message })).not.toContain('canary-S3cret');
  });

  it('tells refusals and transient refusals apart for the session', () => {
    expect(isCommandRefusal(refusal('NO', 'x'))).toBe(true);
    expect(isCommandRefusal(refusal('BAD', 'x'))).toBe(true);
    expect(isCommandRefusal(raw('reset', { code: 'ECONNRESET' }))).toBe(false);
    expect(isTransientRefusal(refusal('NO', 'x', 'UNAVAILABLE'))).toBe(true);
    expect(isTransientRefusal(refusal('NO', 'x', 'NONEXISTENT'))).toBe(false);
  });
});

describe('a connection that went away, and Exchange answering "not connected"', () => {
  it('isConnectionGone: imapflow\'s "no connection", or the channel closed without a reason of its own', () => {
    expect(isConnectionGone(new ChannelClosed(undefined))).toBe(true);
    expect(isConnectionGone(raw('Connection not available', { code: 'NoConnection' }))).toBe(true);
    expect(isConnectionGone(raw('Connection closed', { code: 'EConnectionClosed' }))).toBe(true);
    // The channel closed because the server broke a rule: that rule is the failure, not the close.
    expect(isConnectionGone(new ChannelClosed('a FETCH row for a UID not asked for'))).toBe(false);
    expect(isConnectionGone(raw('read ECONNRESET', { code: 'ECONNRESET' }))).toBe(false);
    expect(isConnectionGone(undefined)).toBe(false);
  });

  it('isNotConnectedRefusal reads the answer wherever imapflow or the channel put it', () => {
    const text = 'User is authenticated but not connected.';
    expect(isNotConnectedRefusal(refusal('BAD', text))).toBe(true);
    expect(isNotConnectedRefusal(raw('Command failed', { response: `A3 BAD ${text}` }))).toBe(true);
    expect(isNotConnectedRefusal(refusal('NO', 'Mailbox does not exist'))).toBe(false);
    expect(isNotConnectedRefusal(null)).toBe(false);
  });

  it('notConnectedFailure is classified as the login failure imapflow reports for it', () => {
    const text = 'User is authenticated but not connected.';
    const classified = classifyFailure(notConnectedFailure(refusal('BAD', text)), context('command'));
    const imapflows = classifyFailure(
      raw('Authentication failed', { authenticationFailed: true, response: text }),
      context('command'),
    );
    expect(classified.code).toBe(imapflows.code);
    expect(classified.code).toBe('CREDENTIALS_REJECTED');
  });
});
