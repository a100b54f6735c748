import type { TestProject } from 'vitest/node';
import { dovecotMissingReason } from './dovecot/dovecot-availability.js';
import { type DovecotEndpoint, startDovecot } from './dovecot/dovecot-server.js';
import { standardVariant } from './dovecot/dovecot-variants.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared standard Dovecot, or null when it is not installed (outside CI only). */
    dovecot: DovecotEndpoint | null;
  }
}

/**
 * Starts the Dovecot instance the integration tests share, once per run, and stops it at the end.
 * Without Dovecot the integration tests skip, and the summary reporter says so in the run's last
 * lines; in CI that is a failure instead: CI installs it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const missing = dovecotMissingReason();
  if (missing !== undefined) {
    if (process.env['CI']) throw new Error(`${missing}: real-server tests cannot be skipped in CI`);
    project.provide('dovecot', null);
    return async () => {};
  }
  const server = await startDovecot(standardVariant);
  const { stop, ...endpoint } = server;
  project.provide('dovecot', endpoint);
  return stop;
}
