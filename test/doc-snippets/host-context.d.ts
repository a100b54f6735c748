/**
 * What the documentation's snippets assume the host already has: a web form, a request and response
 * of its HTTP framework, a connector built earlier, a logger. Declared, never implemented: snippets are
 * type-checked, not run (`npm run docs:snippets`).
 */
import type { ImapConnector, ImapConnectorConfigInput, SignalBucket } from '../../src/index.js';

declare global {
  /** The drawer's form: what the admin typed, and where to show issues. */
  const form: {
    email: string;
    host: string;
    port: string;
    security: string;
    username: string;
    password: string;
    setError(field: string, message: string): void;
    setHint(field: string, message: string): void;
    /** Puts discovered settings into the Host, Port, Security and Username fields. */
    fill(settings: { host: string; port: number; security: string; username: string }): void;
    addNote(note: string): void;
  };
  const request: { signal: AbortSignal };
  const response: { status(code: number): void };
  function show(message: string, detail?: string): void;
  function log(value: unknown): void;
  const connector: ImapConnector;
  const signal: AbortSignal;
  /** A connector's settings, as the host keeps them. */
  const config: ImapConnectorConfigInput;
  /** The host's own account store (settings and time zone by id). */
  const accounts: {
    get(id: string): Promise<{ config: ImapConnectorConfigInput; timeZone: string }>;
  };
  /** The host's own count store (as in examples/queue-worker/bucket-store.ts). */
  const store: {
    write(
      accountId: string,
      count: {
        rows: readonly SignalBucket[];
        merge: 'replace' | 'add';
        cursor: { cursor: string; day: string } | null;
      },
    ): void;
    cursorOf(accountId: string): { cursor: string; day: string } | undefined;
  };
  /** The host's Redis connection options for BullMQ. */
  const connection: { host: string; port: number };
  /** What the host stored from this account's previous count. */
  const stored: { cursor: string };
}
