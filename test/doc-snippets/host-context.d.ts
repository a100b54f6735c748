/**
 * What the documentation's snippets assume the host already has: a web form, a request and response
 * of its HTTP framework, a connector built earlier, a logger. Declared, never implemented: snippets are
 * type-checked, not run (`npm run docs:snippets`).
 */
import type { ImapConnector, SignalCounts } from '../../src/index.js';

declare global {
  /** The drawer's form: what the admin typed, and where to show issues. */
  const form: {
    host: string;
    port: string;
    username: string;
    password: string;
    setError(field: string, message: string): void;
    setHint(field: string, message: string): void;
  };
  const request: { signal: AbortSignal };
  const response: { status(code: number): void };
  function show(message: string, detail?: string): void;
  function log(value: unknown): void;
  const connector: ImapConnector;
  /** What the host stored from its previous count of this account. */
  const stored: Pick<SignalCounts, 'cursor'>;
  const signal: AbortSignal;
}
