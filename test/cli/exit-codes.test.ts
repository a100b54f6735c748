import { describe, expect, it } from 'vitest';
import { exitClassOf, exitCodeOf, exitCodes } from '../../src/cli/exit-codes.js';
import { mainHelp } from '../../src/cli/help-text.js';
import { errorCodes } from '../../src/index.js';

describe('exit statuses', () => {
  it.each([
    ['AUTHENTICATION_FAILED', 3],
    ['CREDENTIALS_REJECTED', 3],
    ['CREDENTIALS_EXPIRED', 3],
    ['CONNECTION_REFUSED', 4],
    ['HOST_NOT_FOUND', 4],
    ['CERTIFICATE_UNTRUSTED', 4],
    ['GREETING_TIMEOUT', 4],
    ['NOT_IMAP_SERVER', 5],
    ['TOO_MANY_CONNECTIONS', 5],
    ['PROTOCOL_ERROR', 5],
    ['CONFIG_INVALID', 2],
    ['ABORTED', 130],
    ['UNKNOWN', 1],
  ] as const)('%s exits %i', (code, status) => {
    expect(exitCodeOf(code)).toBe(status);
  });

  it('gives every catalog code a class that the help text documents', () => {
    for (const code of errorCodes) {
      const status = exitCodes[exitClassOf(code)];
      expect(mainHelp).toMatch(new RegExp(`^ {2}${status} +\\S`, 'm'));
    }
  });
});
