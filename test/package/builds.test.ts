/**
 * The published surface, read from the ESM and CommonJS builds themselves (built here with the repo's
 * tsup config into a temporary directory): the runtime export list of each, and the error guard
 * across the two.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Sdk = typeof import('../../src/index.js');

// Every runtime export, by hand: adding or removing one is a decision this list records.
const RUNTIME_EXPORTS = [
  'ConnectionLimiter',
  'ImapConnector',
  'ImapConnectorError',
  'defaultConnectionLimits',
  'defaultDiscoveryOptions',
  'defaultDiscoveryUrls',
  'defaultRetryPolicy',
  'defaultTimeouts',
  'discoverSettings',
  'discoveryConfidences',
  'discoverySources',
  'errorCatalog',
  'errorCodes',
  'formatCatalogMessage',
  'granularities',
  'imapConnectorConfigSchema',
  'isErrorCode',
  'isImapConnectorError',
  'mailboxListings',
  'maximumDiscoveryTimeoutMs',
  'providerPresets',
  'rangeLimits',
  'transferPreferences',
  'validateConfig',
];

let outDir: string;
let esm: Sdk;
let cjs: Sdk;

beforeAll(async () => {
  // Inside the repository, so the builds resolve zod, luxon and imapflow from its node_modules.
  const cache = path.resolve(import.meta.dirname, '../../node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  outDir = mkdtempSync(path.join(cache, 'imap-connector-builds-'));
  // The repo's tsup.config.ts, minus declarations (tsc checks those) and with its own output folder.
  await build({ outDir, dts: false, silent: true, sourcemap: false });
  esm = (await import(pathToFileURL(path.join(outDir, 'index.js')).href)) as Sdk;
  cjs = createRequire(import.meta.url)(path.join(outDir, 'index.cjs')) as Sdk;
}, 120_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('the ESM and CommonJS builds', () => {
  it('export exactly the pinned runtime names', () => {
    expect(Object.keys(esm).sort()).toEqual(RUNTIME_EXPORTS);
    expect(Object.keys(cjs).sort()).toEqual(RUNTIME_EXPORTS);
  });

  it('are two copies: instanceof does not see across them, which is why the guard exists', () => {
    const fromCjs = new cjs.ImapConnectorError({ code: 'UNKNOWN' });
    expect(fromCjs instanceof esm.ImapConnectorError).toBe(false);
  });

  it.each([
    ['CJS', 'ESM'],
    ['ESM', 'CJS'],
  ] as const)(
    'isImapConnectorError of the %s build recognises an error thrown by the %s build',
    (guardBuild, throwingBuild) => {
      const guard = (guardBuild === 'ESM' ? esm : cjs).isImapConnectorError;
      const thrower = throwingBuild === 'ESM' ? esm : cjs;
      // A real failure of that build: the constructor rejects an invalid configuration.
      let caught: unknown;
      try {
        new thrower.ImapConnector({ host: '', username: '', password: '' });
      } catch (error) {
        caught = error;
      }
      expect(guard(caught)).toBe(true);
      if (!guard(caught)) return;
      expect(caught.name).toBe('ImapConnectorError');
      expect(caught.code).toBe('CONFIG_INVALID');
    },
  );

  it('the guard refuses look-alikes', () => {
    const lookAlike = Object.assign(new Error('x'), { name: 'ImapConnectorError', code: 'UNKNOWN' });
    for (const value of [
      lookAlike,
      new Error('x'),
      { name: 'ImapConnectorError' },
      null,
      undefined,
      'error',
    ]) {
      expect(esm.isImapConnectorError(value)).toBe(false);
      expect(cjs.isImapConnectorError(value)).toBe(false);
    }
  });

  it('name is the literal in both builds and in toJSON', () => {
    for (const sdk of [esm, cjs]) {
      const error = new sdk.ImapConnectorError({ code: 'COMMAND_TIMEOUT' });
      expect(error.name).toBe('ImapConnectorError');
      expect(error.toJSON().name).toBe('ImapConnectorError');
      expect(JSON.parse(JSON.stringify(error))).toMatchObject({
        name: 'ImapConnectorError',
        code: 'COMMAND_TIMEOUT',
      });
    }
  });
});
