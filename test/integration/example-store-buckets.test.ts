import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { describeWithDovecot } from '../harness/dovecot/dovecot-availability.js';

const run = promisify(execFile);

describeWithDovecot('examples/store-buckets.ts', () => {
  it('stores labelled buckets in SQLite, adds an incremental sync, and matches a full recount', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/store-buckets.ts'], {
      timeout: 60_000,
    });
    expect(stdout).toContain('first sync (full)');
    expect(stdout).toContain('second sync (incremental)');
    expect(stdout).toContain('✅ stored rows equal a full recount, day by day');
  }, 90_000);
});
