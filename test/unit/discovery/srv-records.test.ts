import { describe, expect, it } from 'vitest';
import { type ImapSrvRecord, isWithinDomain, orderSrvRecords } from '../../../src/discovery/srv-records.js';

const record = (name: string, priority: number, weight: number, security: 'tls' | 'starttls', port = 993) =>
  ({ name, priority, weight, port, security }) satisfies ImapSrvRecord;

describe('orderSrvRecords', () => {
  it('lower priority first, across _imaps and _imap (RFC 6186 §3.4)', () => {
    const ordered = orderSrvRecords([
      record('imaps.example', 20, 1, 'tls'),
      record('imap.example', 10, 1, 'starttls', 143),
    ]);
    expect(ordered.map((entry) => entry.name)).toEqual(['imap.example', 'imaps.example']);
  });

  it('implicit TLS first at equal priority (RFC 8314), then the heavier weight', () => {
    const ordered = orderSrvRecords([
      record('light.example', 0, 10, 'tls'),
      record('starttls.example', 0, 100, 'starttls', 143),
      record('heavy.example', 0, 60, 'tls'),
    ]);
    expect(ordered.map((entry) => entry.name)).toEqual([
      'heavy.example',
      'light.example',
      'starttls.example',
    ]);
  });

  it.each([
    ['', 0, 993],
    ['.', 0, 993],
    ['imap.example', 0, 0],
  ])('drops "no service" answers (target %j, port %s)', (name, priority, port) => {
    expect(orderSrvRecords([{ name, priority, weight: 0, port, security: 'tls' }])).toEqual([]);
  });
});

describe('isWithinDomain', () => {
  it.each([
    ['example.com', 'example.com', true],
    ['imap.example.com', 'example.com', true],
    ['imap.fastmail.com', 'example.com', false],
    ['notexample.com', 'example.com', false],
    ['example.com.evil.test', 'example.com', false],
  ])('%s in %s: %s', (host, domain, inside) => {
    expect(isWithinDomain(host, domain)).toBe(inside);
  });
});
