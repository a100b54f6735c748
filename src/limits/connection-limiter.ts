/**
 * A cap on simultaneous IMAP connections, per server and per account, shared by every connector a host
 * gives it: providers limit connections per account and per client address (Dovecot's
 * `mail_max_userip_connections` is 10 per user and IP by default; Gmail allows 15 per account).
 */
import { formatCatalogMessage } from '../errors/error-catalog.js';
import type { FieldIssue } from '../errors/failure-detail.js';
import { ImapConnectorError } from '../errors/imap-connector-error.js';

/** How many connections a {@link ConnectionLimiter} lets be open at once, and how long a caller waits. */
export interface ConnectionLimiterOptions {
  /** Connections open at once to one server (host and port), all accounts together. Default 8. */
  readonly perServer?: number | undefined;
  /** Connections open at once for one account (host, port and username). Default 2. */
  readonly perAccount?: number | undefined;
  /**
   * The longest a `testConnection` or a try of `countSignals` waits for a slot before it fails with
   * `CONNECTION_SLOT_TIMEOUT` (retryable). Default 60 000. The wait comes before, and is not part of,
   * the connector's `timeouts`.
   */
  readonly maxWaitMs?: number | undefined;
}

/** A validated {@link ConnectionLimiterOptions}, every field present. */
export interface ConnectionLimits {
  /** Connections open at once to one server. */
  readonly perServer: number;
  /** Connections open at once for one account. */
  readonly perAccount: number;
  /** The longest wait for a slot, in milliseconds. */
  readonly maxWaitMs: number;
}

/** The defaults: under Dovecot's 10 per user and IP, and two per account so a retry never waits on a stuck try. */
export const defaultConnectionLimits: ConnectionLimits = { perServer: 8, perAccount: 2, maxWaitMs: 60_000 };

/** Where a connection goes: what the limiter keys its slots by. */
export interface ConnectionEndpoint {
  /** The IMAP host (compared without case). */
  readonly host: string;
  /** The port. */
  readonly port: number;
  /** The login name (compared without case). */
  readonly username: string;
}

/** The right to hold one connection open; give it back with `release()`. */
export interface ConnectionPermit {
  /** Frees the slot for the next waiter. Idempotent. */
  release(): void;
}

/** What a limiter holds and queues right now, for a host's metrics. */
export interface ConnectionLimiterStats {
  /** Connections holding a slot. */
  readonly active: number;
  /** Callers waiting for one. */
  readonly waiting: number;
}

const MAX_SLOTS = 1_000;
const MAX_WAIT_MS = 3_600_000;

interface Waiter {
  readonly serverKey: string;
  readonly accountKey: string;
  readonly grant: () => void;
}

/**
 * A keyed semaphore for IMAP connections: a host creates one and passes it to every connector
 * (`new ImapConnector(config, { limiter })`); each `testConnection` and each try of `countSignals`
 * then waits for a slot of its server and of its account before it connects, and frees it when its
 * socket has closed, on every exit path. Waiters are served first come, first served among those whose
 * slots are free, so one busy account does not hold up the others. One process only: workers in
 * several processes each need their share of the provider's limit.
 *
 * @example
 * ```ts
 * const limiter = new ConnectionLimiter({ perServer: 8, perAccount: 2 });
 * const connectors = accounts.map((account) => new ImapConnector(account, { limiter }));
 * const results = await Promise.all(connectors.map((connector) => connector.testConnection()));
 * ```
 */
export class ConnectionLimiter {
  /** The limits in force. */
  readonly limits: ConnectionLimits;
  readonly #active = new Map<string, number>();
  readonly #queue: Waiter[] = [];
  #held = 0;

  /**
   * @param options - Slots per server and per account, and the longest wait.
   * @throws {@link ImapConnectorError} `CONFIG_INVALID` with the field issues in `detail.issues`.
   */
  constructor(options: ConnectionLimiterOptions = {}) {
    const limits = connectionLimitsOf(options);
    if (!limits.ok) {
      throw new ImapConnectorError({
        code: 'CONFIG_INVALID',
        message: `${formatCatalogMessage('CONFIG_INVALID')}: ${limits.issues.map((issue) => `${issue.field}: ${issue.message}`).join(' ')}`,
        detail: { phase: 'config', issues: limits.issues },
      });
    }
    this.limits = limits.limits;
  }

  /**
   * Waits for a slot of the endpoint's server and account. The connectors call this themselves; a
   * host calls it only to put its own connections to the same servers under the same cap.
   *
   * @param endpoint - Host, port and username.
   * @param options - A signal that cancels the wait.
   * @returns The permit; release it when the connection has closed.
   * @throws {@link ImapConnectorError} `ABORTED` when the signal fires first, `CONNECTION_SLOT_TIMEOUT`
   *   after `maxWaitMs` (with `detail.limit` naming the full limit).
   *
   * @example
   * ```ts
   * const permit = await limiter.acquire({ host: 'imap.example.com', port: 993, username: 'ana' });
   * try {
   *   await useConnection();
   * } finally {
   *   permit.release();
   * }
   * ```
   */
  acquire(
    endpoint: ConnectionEndpoint,
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<ConnectionPermit> {
    const serverKey = `${endpoint.host.toLowerCase()}:${endpoint.port}`;
    const accountKey = `${serverKey} ${endpoint.username.toLowerCase()}`;
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new ImapConnectorError({ code: 'ABORTED' }));
    // Every queued waiter lacks a free slot (each release grants all that fit), so a caller whose slots
    // are free overtakes no one by taking them at once.
    if (this.#fits(serverKey, accountKey)) return Promise.resolve(this.#take(serverKey, accountKey));
    return new Promise<ConnectionPermit>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
      };
      const waiter: Waiter = {
        serverKey,
        accountKey,
        grant: () => {
          settle();
          resolve(this.#take(serverKey, accountKey));
        },
      };
      const onAbort = () => {
        settle();
        reject(new ImapConnectorError({ code: 'ABORTED' }));
      };
      const timer = setTimeout(() => {
        settle();
        reject(this.#timeoutError(endpoint, accountKey));
      }, this.limits.maxWaitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  /**
   * Takes a slot of the endpoint's server and account only if both are free now, without waiting and
   * without overtaking anyone: while a caller waits, no slot is free to it (each release grants all
   * that fit), so this never takes a slot a waiter needs. For optional extra connections, such as the
   * side connection a count may list its mailboxes on.
   *
   * @param endpoint - Host, port and username.
   * @returns The permit, or `undefined` when no slot is free at once.
   *
   * @example
   * ```ts
   * const permit = limiter.tryAcquire({ host: 'imap.example.com', port: 993, username: 'ana' });
   * if (permit !== undefined) {
   *   try {
   *     await useOptionalConnection();
   *   } finally {
   *     permit.release();
   *   }
   * }
   * ```
   */
  tryAcquire(endpoint: ConnectionEndpoint): ConnectionPermit | undefined {
    const serverKey = `${endpoint.host.toLowerCase()}:${endpoint.port}`;
    const accountKey = `${serverKey} ${endpoint.username.toLowerCase()}`;
    if (this.#queue.length > 0 || !this.#fits(serverKey, accountKey)) return undefined;
    return this.#take(serverKey, accountKey);
  }

  /**
   * What the limiter holds and queues now.
   *
   * @returns Active and waiting counts.
   *
   * @example
   * ```ts
   * metrics.gauge('imap.connections.active', limiter.stats().active);
   * ```
   */
  stats(): ConnectionLimiterStats {
    return { active: this.#held, waiting: this.#queue.length };
  }

  #fits(serverKey: string, accountKey: string): boolean {
    return (
      (this.#active.get(serverKey) ?? 0) < this.limits.perServer &&
      (this.#active.get(accountKey) ?? 0) < this.limits.perAccount
    );
  }

  #take(serverKey: string, accountKey: string): ConnectionPermit {
    this.#adjust(serverKey, 1);
    this.#adjust(accountKey, 1);
    this.#held += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#adjust(serverKey, -1);
        this.#adjust(accountKey, -1);
        this.#held -= 1;
        this.#grantWaiting();
      },
    };
  }

  #adjust(key: string, delta: number): void {
    const next = (this.#active.get(key) ?? 0) + delta;
    if (next === 0) this.#active.delete(key);
    else this.#active.set(key, next);
  }

  /** Grants, in arrival order, every waiter whose server and account both have a free slot. */
  #grantWaiting(): void {
    for (const waiter of [...this.#queue]) {
      if (this.#fits(waiter.serverKey, waiter.accountKey)) waiter.grant();
    }
  }

  #timeoutError(endpoint: ConnectionEndpoint, accountKey: string): ImapConnectorError {
    const limit = (this.#active.get(accountKey) ?? 0) >= this.limits.perAccount ? 'perAccount' : 'perServer';
    return new ImapConnectorError({
      code: 'CONNECTION_SLOT_TIMEOUT',
      message: formatCatalogMessage('CONNECTION_SLOT_TIMEOUT', { host: endpoint.host }),
      // No phase: nothing was sent, so none of the connection's stages is to blame.
      detail: { timeoutMs: this.limits.maxWaitMs, limit },
    });
  }
}

/**
 * Checks and completes limiter options.
 *
 * @param options - What the host passed.
 * @returns The limits, or the field issues.
 */
export function connectionLimitsOf(
  options: ConnectionLimiterOptions,
): { ok: true; limits: ConnectionLimits } | { ok: false; issues: FieldIssue[] } {
  const limits: ConnectionLimits = {
    perServer: options.perServer ?? defaultConnectionLimits.perServer,
    perAccount: options.perAccount ?? defaultConnectionLimits.perAccount,
    maxWaitMs: options.maxWaitMs ?? defaultConnectionLimits.maxWaitMs,
  };
  const issues: FieldIssue[] = [];
  for (const field of ['perServer', 'perAccount'] as const) {
    const value = limits[field];
    if (!Number.isInteger(value) || value < 1 || value > MAX_SLOTS) {
      issues.push({
        field: `limiter.${field}`,
        code: 'out_of_range',
        message: `Enter a whole number of connections from 1 to ${MAX_SLOTS}.`,
      });
    }
  }
  if (!Number.isFinite(limits.maxWaitMs) || limits.maxWaitMs < 0 || limits.maxWaitMs > MAX_WAIT_MS) {
    issues.push({
      field: 'limiter.maxWaitMs',
      code: 'out_of_range',
      message: `Enter a number of milliseconds from 0 to ${MAX_WAIT_MS}.`,
    });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, limits };
}
