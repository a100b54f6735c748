import fc from 'fast-check';
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
    ['an\u0001na@example.com', 'invalid_email'],
    ['anna@example.com\u0000', 'invalid_email'],
    [undefined, 'invalid_type'],
    [42, 'invalid_type'],
  ])('%j is refused with %s', (raw, code) => {
    expect(parseEmailAddress(raw)).toMatchObject({ ok: false, issue: { field: 'email', code } });
  });
});

describe('parseEmailAddress on arbitrary input', () => {
  it('never throws; an accepted domain is lower-case ASCII', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.emailAddress(), fc.anything()), (raw) => {
        const parsed = parseEmailAddress(raw);
        if (parsed.ok) expect(parsed.domain).toMatch(/^[a-z0-9.-]+$/);
        else expect(parsed.issue.field).toBe('email');
      }),
      { numRuns: 2_000 },
    );
  });
});
