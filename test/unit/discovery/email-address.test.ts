import { describe, expect, it } from 'vitest';
import { parseEmailAddress } from '../../../src/discovery/email-address.js';

describe('parseEmailAddress', () => {
  it.each([
    ['anna@example.com', 'anna', 'example.com'],
    ['  Anna.Smith+crm@Example.COM. ', 'Anna.Smith+crm', 'example.com'],
    ['anna@bücher.example', 'anna', 'xn--bcher-kva.example'],
    ['anna@BÜCHER.example', 'anna', 'xn--bcher-kva.example'],
    ['"a@b"@example.com', '"a@b"', 'example.com'],
  ])('%j → local part %j, domain %j', (raw, localPart, domain) => {
    expect(parseEmailAddress(raw)).toEqual({ ok: true, address: raw.trim(), localPart, domain });
  });

  it.each([
    ['', 'required'],
    ['   ', 'required'],
    ['anna.example.com', 'missing_at'],
    ['@example.com', 'invalid_email'],
    ['anna@', 'invalid_domain'],
    ['anna@-bad-.example', 'invalid_domain'],
    ['anna@exa_mple.com', 'invalid_domain'],
    ['anna@[192.0.2.1]', 'invalid_domain'],
    ['anna@192.0.2.1', 'invalid_domain'],
    ['an na@example.com', 'invalid_email'],
    [`${'a'.repeat(250)}@example.com`, 'invalid_email'],
    [undefined, 'invalid_type'],
    [42, 'invalid_type'],
  ])('%j is refused with %s', (raw, code) => {
    expect(parseEmailAddress(raw)).toMatchObject({ ok: false, issue: { field: 'email', code } });
  });
});
