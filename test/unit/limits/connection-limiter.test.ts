import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ImapConnectorError } from '../../../src/errors/imap-connector-error.js';
import {
  type ConnectionEndpoint,
  ConnectionLimiter,
  type ConnectionPermit,
} from '../../../src/limits/connection-limiter.js';

const account = (username: string, host = 'imap.example.com', port = 993): ConnectionEndpoint => ({
  host,
  port,
  username,
});

/** A pending acquire whose outcome the test can read without awaiting it. */
function track(promise: Promise<ConnectionPermit>) {
  const state: { permit?: ConnectionPermit; error?: unknown } = {};
  promise.then(
    (permit) => (state.permit = permit),
    (error: unknown) => (state.error = error),
  );
  return state;
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('ConnectionLimiter', () => {
  it('lets perAccount connections of one account through and queues the next until one is released', async () => {
    const limiter = new ConnectionLimiter({ perServer: 10, perAccount: 2 });
    const first = await limiter.acquire(account('ana'));
    await limiter.acquire(account('ana'));
    const third = track(limiter.acquire(account('ana')));
    await settle();
    expect(third.permit).toBeUndefined();
    expect(limiter.stats()).toEqual({ active: 2, waiting: 1 });
    first.release();
    await settle();
    expect(third.permit).toBeDefined();
    expect(limiter.stats()).toEqual({ active: 2, waiting: 0 });
  });

  it('caps one server across accounts, and keeps other servers apart', async () => {
    const limiter = new ConnectionLimiter({ perServer: 2, perAccount: 2 });
    const ana = await limiter.acquire(account('ana'));
    await limiter.acquire(account('bo'));
    const carl = track(limiter.acquire(account('carl')));
    const otherPort = track(limiter.acquire(account('carl', 'imap.example.com', 143)));
    const otherHost = track(limiter.acquire(account('carl', 'mail.example.org')));
    await settle();
    expect(carl.permit).toBeUndefined();
    expect(otherPort.permit).toBeDefined();
    expect(otherHost.permit).toBeDefined();
    ana.release();
    await settle();
    expect(carl.permit).toBeDefined();
  });

  it('compares host and username without case', async () => {
    const limiter = new ConnectionLimiter({ perServer: 10, perAccount: 1 });
    await limiter.acquire(account('Ana@Example.com', 'IMAP.example.com'));
    const same = track(limiter.acquire(account('ana@example.com', 'imap.EXAMPLE.com')));
    await settle();
    expect(same.permit).toBeUndefined();
  });

  it('does not let an account waiting for its own slot hold up other accounts', async () => {
    const limiter = new ConnectionLimiter({ perServer: 3, perAccount: 1 });
    await limiter.acquire(account('ana'));
    const anaAgain = track(limiter.acquire(account('ana')));
    const bo = track(limiter.acquire(account('bo')));
    await settle();
    expect(anaAgain.permit).toBeUndefined();
    expect(bo.permit).toBeDefined();
  });

  it('serves waiters for a full server in arrival order', async () => {
    const limiter = new ConnectionLimiter({ perServer: 1, perAccount: 1 });
    const holder = await limiter.acquire(account('ana'));
    const order: string[] = [];
    const waiting = ['bo', 'carl', 'dee'].map((name) =>
      limiter.acquire(account(name)).then((permit) => {
        order.push(name);
        permit.release();
      }),
    );
    holder.release();
    await Promise.all(waiting);
    expect(order).toEqual(['bo', 'carl', 'dee']);
  });

  it('tryAcquire takes a slot only when one is free at once, and never one a waiter needs', async () => {
    const limiter = new ConnectionLimiter({ perServer: 3, perAccount: 2 });
    const first = limiter.tryAcquire(account('ana'));
    const second = limiter.tryAcquire(account('Ana'));
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(limiter.tryAcquire(account('ana'))).toBeUndefined();
    expect(limiter.stats()).toEqual({ active: 2, waiting: 0 });
    // A waiter of the full account: the server's last slot is bo's by the account's rule, but with
    // anyone queued tryAcquire takes nothing (a release grants the queue first).
    const waiting = track(limiter.acquire(account('ana')));
    await settle();
    expect(limiter.tryAcquire(account('bo'))).toBeUndefined();
    first?.release();
    await settle();
    expect(waiting.permit).toBeDefined();
    expect(limiter.tryAcquire(account('ana'))).toBeUndefined();
    expect(limiter.tryAcquire(account('bo'))).toBeDefined();
    expect(limiter.stats()).toEqual({ active: 3, waiting: 0 });
  });

  it('releases once however often release() is called', async () => {
    const limiter = new ConnectionLimiter({ perServer: 1, perAccount: 1 });
    const permit = await limiter.acquire(account('ana'));
    permit.release();
    permit.release();
    expect(limiter.stats()).toEqual({ active: 0, waiting: 0 });
    await limiter.acquire(account('ana'));
    const next = track(limiter.acquire(account('bo')));
    permit.release();
    await settle();
    expect(next.permit).toBeUndefined();
  });

  it('ends a wait with ABORTED when the signal fires, and the abandoned place takes no slot', async () => {
    const limiter = new ConnectionLimiter({ perServer: 1, perAccount: 1 });
    const holder = await limiter.acquire(account('ana'));
    const controller = new AbortController();
    const aborted = track(limiter.acquire(account('bo'), { signal: controller.signal }));
    const after = track(limiter.acquire(account('carl')));
    controller.abort();
    await settle();
    expect(aborted.error).toBeInstanceOf(ImapConnectorError);
    expect((aborted.error as ImapConnectorError).code).toBe('ABORTED');
    expect(limiter.stats()).toEqual({ active: 1, waiting: 1 });
    holder.release();
    await settle();
    expect(after.permit).toBeDefined();
  });

  it('refuses at once with a signal that has already fired', async () => {
    const limiter = new ConnectionLimiter();
    await expect(limiter.acquire(account('ana'), { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ABORTED',
    });
    expect(limiter.stats()).toEqual({ active: 0, waiting: 0 });
  });

  it.each([
    ['perAccount', { perServer: 5, perAccount: 1 }, ['ana']],
    ['perServer', { perServer: 1, perAccount: 5 }, ['bo']],
  ] as const)(
    'fails a wait with CONNECTION_SLOT_TIMEOUT naming %s after maxWaitMs',
    async (limit, options, holders) => {
      vi.useFakeTimers();
      const limiter = new ConnectionLimiter({ ...options, maxWaitMs: 5_000 });
      for (const name of holders) await limiter.acquire(account(name));
      const waiting = track(limiter.acquire(account('ana')));
      await vi.advanceTimersByTimeAsync(4_999);
      expect(waiting.error).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      const error = waiting.error as ImapConnectorError;
      expect(error.code).toBe('CONNECTION_SLOT_TIMEOUT');
      expect(error.retryable).toBe(true);
      expect(error.message).toBe('No connection to imap.example.com became free in time');
      expect(error.detail).toEqual({ timeoutMs: 5_000, limit });
      expect(limiter.stats().waiting).toBe(0);
    },
  );

  it.each([
    [{ perServer: 0 }, 'limiter.perServer'],
    [{ perAccount: 1.5 }, 'limiter.perAccount'],
    [{ perAccount: Number.NaN }, 'limiter.perAccount'],
    [{ maxWaitMs: -1 }, 'limiter.maxWaitMs'],
    [{ maxWaitMs: Number.POSITIVE_INFINITY }, 'limiter.maxWaitMs'],
  ])('rejects %o as CONFIG_INVALID on %s', (options, field) => {
    let thrown: unknown;
    try {
      new ConnectionLimiter(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ImapConnectorError);
    expect((thrown as ImapConnectorError).code).toBe('CONFIG_INVALID');
    expect((thrown as ImapConnectorError).detail.issues?.map((issue) => issue.field)).toEqual([field]);
  });

  it('never exceeds either cap and serves every waiter, whatever the order of acquires and releases', async () => {
    const accounts = ['a', 'b', 'c', 'd'].flatMap((name) => [
      account(name, 'one.example'),
      account(name, 'two.example'),
    ]);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.tuple(fc.nat(accounts.length - 1), fc.nat(5)), { minLength: 1, maxLength: 40 }),
        async (perServer, perAccount, requests) => {
          const limiter = new ConnectionLimiter({ perServer, perAccount });
          const open = new Map<string, number>();
          const bump = (key: string, delta: number) => open.set(key, (open.get(key) ?? 0) + delta);
          let peakServer = 0;
          let peakAccount = 0;
          await Promise.all(
            requests.map(async ([index, holdTicks]) => {
              const endpoint = accounts[index] ?? account('a');
              const serverKey = endpoint.host;
              const accountKey = `${endpoint.host} ${endpoint.username}`;
              const permit = await limiter.acquire(endpoint);
              bump(serverKey, 1);
              bump(accountKey, 1);
              peakServer = Math.max(peakServer, open.get(serverKey) ?? 0);
              peakAccount = Math.max(peakAccount, open.get(accountKey) ?? 0);
              for (let tick = 0; tick < holdTicks; tick += 1) await settle();
              bump(serverKey, -1);
              bump(accountKey, -1);
              permit.release();
            }),
          );
          expect(peakServer).toBeLessThanOrEqual(perServer);
          expect(peakAccount).toBeLessThanOrEqual(perAccount);
          expect(limiter.stats()).toEqual({ active: 0, waiting: 0 });
        },
      ),
      { numRuns: 60 },
    );
  });
});
