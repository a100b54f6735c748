import { describe, expect, it } from 'vitest';
import { backoffDelayMs, defaultRetryPolicy, retryPolicyOf } from '../../../src/retry/retry-policy.js';

describe('retry policy', () => {
  it('defaults to three tries', () => {
    expect(retryPolicyOf(undefined)).toEqual({ ok: true, policy: defaultRetryPolicy });
    expect(defaultRetryPolicy.attempts).toBe(3);
  });

  it.each([0, 11, 1.5, Number.NaN])('rejects %s tries', (attempts) => {
    expect(retryPolicyOf({ attempts })).toMatchObject({ ok: false, issues: [{ field: 'retry.attempts' }] });
  });

  it('doubles the wait, caps it, and jitters only its upper half', () => {
    const policy = { attempts: 5, initialDelayMs: 100, maxDelayMs: 300 };
    expect(backoffDelayMs(policy, 1, 0)).toBe(50);
    expect(backoffDelayMs(policy, 1, 0.999)).toBe(100);
    expect(backoffDelayMs(policy, 2, 0)).toBe(100);
    expect(backoffDelayMs(policy, 3, 0)).toBe(150);
    expect(backoffDelayMs(policy, 9, 0.999)).toBe(300);
  });
});
