import { describe, expect, it } from 'vitest';
import { baseDomainOf } from '../../../src/discovery/discovery-lookups.js';

describe('baseDomainOf', () => {
  it.each([
    ['mx01.mail.hostingco.example', 'hostingco.example'],
    ['in1-smtp.messagingengine.com', 'messagingengine.com'],
    ['mx.example.co.uk', 'example.co.uk'],
    ['mail.example.com.au', 'example.com.au'],
    ['mx.example.ne.jp', 'example.ne.jp'],
    ['example.com', 'example.com'],
    ['co.uk', 'co.uk'],
    ['localhost', undefined],
  ])('%s → %s', (host, base) => {
    expect(baseDomainOf(host)).toBe(base);
  });
});
