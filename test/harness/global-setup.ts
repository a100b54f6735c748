import type { TestProject } from 'vitest/node';
import { type DovecotEndpoint, findDovecot, startDovecot } from './dovecot/dovecot-server.js';
import { standardVariant } from './dovecot/dovecot-variants.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared standard Dovecot, or null when it is not installed (outside CI only). */
    dovecot: DovecotEndpoint | null;
  }
}

/**
 * Starts the Dovecot instance the integration tests share, once per run, and stops it at the end.
 * Without Dovecot the integration tests skip with a one-line reason, except in CI, where that is a
 * failure: CI installs it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!findDovecot()) {
    const reason =
      'Dovecot is not installed (apt-get install -y dovecot-imapd): real-server tests are skipped';
    if (process.env['CI']) throw new Error(`${reason} — not allowed in CI`);
    process.stderr.write(`\n⚠️  SKIPPING REAL-SERVER TESTS: ${reason}\n\n`);
    project.provide('dovecot', null);
    return async () => {};
  }
  const server = await startDovecot(standardVariant);
  const { stop, ...endpoint } = server;
  project.provide('dovecot', endpoint);
  return stop;
}
