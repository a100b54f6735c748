import { describe, expect, it } from 'vitest';
import { internalDateMsOf, messageIdOf } from '../../../src/session/fetched-fields.js';
import { detectNonImapProtocol } from '../../../src/session/protocol-detection.js';
import { toSequenceSet } from '../../../src/session/sequence-set.js';

describe('sequence sets', () => {
  it('packs runs and never uses *', () => {
    expect(toSequenceSet([1, 2, 3, 5, 7, 8, 100])).toBe('1:3,5,7:8,100');
    expect(toSequenceSet([42])).toBe('42');
    expect(toSequenceSet([])).toBe('');
  });
});

describe('INTERNALDATE parsing', () => {
  it.each([
    ['01-Jan-2026 05:45:00 +0545', '2026-01-01T00:00:00.000Z'],
    [' 1-Jan-2026 00:00:00 -1200', '2026-01-01T12:00:00.000Z'],
    ['31-Dec-2025 23:59:59 +1400', '2025-12-31T09:59:59.000Z'],
  ])('reads %j as %s by the RFC 3501 grammar', (text, iso) => {
    expect(new Date(internalDateMsOf(text) ?? Number.NaN).toISOString()).toBe(iso);
  });

  it('rejects malformed dates', () => {
    expect(internalDateMsOf('2026-01-01')).toBeUndefined();
    expect(internalDateMsOf(new Date(Number.NaN))).toBeUndefined();
  });

  it.each([
    '31-Feb-2026 10:00:00 +0000',
    '29-Feb-2025 10:00:00 +0000',
    '00-Jan-2026 10:00:00 +0000',
    '32-Jan-2026 10:00:00 +0000',
    '01-Jan-2026 24:00:00 +0000',
    '01-Jan-2026 10:60:00 +0000',
    '01-Jan-2026 10:00:61 +0000',
    '01-Jan-2026 10:00:00 +2400',
    '01-Jan-2026 10:00:00 +0060',
    '01-Foo-2026 10:00:00 +0000',
  ])('rejects %j instead of moving it to another instant', (text) => {
    expect(internalDateMsOf(text)).toBeUndefined();
  });

  it('accepts 29 February of a leap year and a leap second', () => {
    expect(internalDateMsOf('29-Feb-2028 10:00:00 +0000')).toBe(Date.UTC(2028, 1, 29, 10));
    expect(internalDateMsOf('31-Dec-2026 23:59:60 +0000')).toBe(Date.UTC(2027, 0, 1));
  });
});

describe('Message-ID extraction', () => {
  it('unfolds and trims', () => {
    expect(messageIdOf(Buffer.from('Message-ID:\r\n <abc@example.test>\r\n\r\n'))).toBe('<abc@example.test>');
    expect(messageIdOf(Buffer.from('\r\n'))).toBeUndefined();
  });
});

describe('non-IMAP greetings', () => {
  it.each([
    ['* OK [CAPABILITY IMAP4rev1] ready', undefined],
    ['220 mail.example.test ESMTP Postfix', 'smtp'],
    ['HTTP/1.1 400 Bad Request', 'http'],
    ['SSH-2.0-OpenSSH_9.2p1 Debian-2', 'ssh'],
    ['+OK POP3 ready', 'pop3'],
    ['\u0016\u0003\u0001 garbage', 'unknown'],
    ['* PREAUTH [CAPABILITY IMAP4rev2] logged in', undefined],
    ['* BYE [UNAVAILABLE] shutting down', undefined],
    ['554 5.7.1 mail.example.test ESMTP not available', 'smtp'],
    ['421 4.3.2 Service not available', 'smtp'],
    ['220 ProFTPD Server (ftp.example.test)', 'ftp'],
    ['<!DOCTYPE html><html>', 'http'],
    ['+ok pop3 ready', 'pop3'],
    ['A1 OK hello', 'unknown'],
  ])('%j → %s', (line, protocol) => {
    expect(detectNonImapProtocol(line)).toBe(protocol);
  });
});
