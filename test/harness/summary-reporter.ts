import type { Reporter, TestModule } from 'vitest/node';
import { dovecotMissingReason } from './dovecot/dovecot-availability.js';

/**
 * Prints one plain closing line, `N passed, N failed, N skipped`, after vitest's own summary, so CI
 * logs can be read without knowing vitest's format; when Dovecot is missing, the warning that the
 * real-server tests were skipped follows it, as the run's last lines, where a reader looks.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed += 1;
        else if (state === 'failed') counts.failed += 1;
        else counts.skipped += 1;
      }
    }
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
    const missing = dovecotMissingReason();
    if (missing !== undefined) {
      process.stdout.write(
        `\n⚠️  REAL-SERVER TESTS SKIPPED: ${missing}.\n` +
          '   Only the unit tests and the fault-server tests ran; see README.md, "Two commands on a fresh machine".\n',
      );
    }
  }
}
