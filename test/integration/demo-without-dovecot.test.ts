import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DOVECOT_ENV } from '../harness/dovecot/dovecot-server.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const vitest = path.join(root, 'node_modules/.bin/vitest');

/** PATH without any directory that holds a `dovecot`, plus the harness's switch: as on a machine without it. */
function withoutDovecot(): NodeJS.ProcessEnv {
  const dirs = (process.env['PATH'] ?? '').split(':').filter((dir) => {
    try {
      accessSync(path.join(dir, 'dovecot'), constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  // CI=true would turn a missing Dovecot into a failure; this test is about the fresh-machine path.
  const { CI: _ci, ...rest } = process.env;
  return { ...rest, PATH: dirs.join(':'), [DOVECOT_ENV]: 'none' };
}

describe('without Dovecot', () => {
  it('npm run demo runs the drawer flow on the embedded server, and its counts match the seed', async () => {
    const { stdout } = await run(tsx, ['examples/demo.ts'], { cwd: root, env: withoutDovecot() });
    expect(stdout).toContain('Server: the embedded IMAP server in this Node process');
    expect(stdout).toMatch(/the right settings:\n\s+✅ Authenticated as your\.name@example\.test/);
    expect(stdout).toContain('[AUTHENTICATION_FAILED]');
    expect(stdout).toContain('[CONNECTION_REFUSED]');
    expect(stdout).toContain('[CERTIFICATE_UNTRUSTED]');
    // Every bucket is compared with a brute-force count of the seed list (the demo exits 1 otherwise).
    const buckets = stdout.split('\n').filter((line) => /^\s+\d{4}-\d{2}-\d{2}T/.test(line));
    expect(buckets.length).toBeGreaterThanOrEqual(7);
    for (const line of buckets) expect(line.trimEnd()).toMatch(/✓$/);
  });

  it('npm test ends with the warning that real-server tests were skipped', async () => {
    const { stdout } = await run(vitest, ['run', 'test/unit/retry'], { cwd: root, env: withoutDovecot() });
    const lines = stdout.trimEnd().split('\n');
    expect(lines.at(-2)).toContain(`REAL-SERVER TESTS SKIPPED: Dovecot is hidden (${DOVECOT_ENV}=none)`);
    expect(lines.at(-4)).toMatch(/^\d+ passed, 0 failed, \d+ skipped$/);
  });
});
