import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ImapConnectorError } from '../../../src/errors/imap-connector-error.js';
import { secretFormsOf } from '../../../src/errors/secret-redaction.js';
import { callHost, hostErrorOf, unexpectedFailure } from '../../../src/errors/unexpected-failure.js';

const password = 'canary-Pa55word';
const secrets = secretFormsOf('alice@example.test', password);

describe('unexpectedFailure', () => {
  it('builds UNKNOWN with the original as a redacted cause', () => {
    const original = new TypeError(`boom near ${password}`);
    const failure = unexpectedFailure(original, secrets);
    expect(failure.code).toBe('UNKNOWN');
    // The catalog's message, with the original's (redacted) as the excerpt.
    expect(failure.message).toBe('Unexpected error: TypeError: boom near [REDACTED]');
    expect(failure.cause).toBeInstanceOf(Error);
    expect((failure.cause as Error).name).toBe('TypeError');
    expect((failure.cause as Error).message).toBe('boom near [REDACTED]');
    expect(inspect(failure, { depth: 5 })).not.toContain(password);
    expect(JSON.stringify(failure)).not.toContain(password);
  });

  it('keeps a thrown non-Error as text', () => {
    const failure = unexpectedFailure('a string', []);
    expect((failure.cause as Error).message).toBe('a string');
  });

  it('returns an ImapConnectorError as it is', () => {
    const classified = new ImapConnectorError({ code: 'COMMAND_TIMEOUT' });
    expect(unexpectedFailure(classified, secrets)).toBe(classified);
  });
});

describe('callHost', () => {
  it("wraps the host's error so it can be passed up unchanged", () => {
    const hostBug = new RangeError('host bug');
    let caught: unknown;
    try {
      callHost(
        () => {
          throw hostBug;
        },
        () => 1,
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).not.toBeInstanceOf(Error);
    expect(hostErrorOf(caught)?.thrown).toBe(hostBug);
    expect(hostErrorOf(hostBug)).toBeUndefined();
  });

  it('calls the callback with its argument, and builds none without one', () => {
    const seen: number[] = [];
    const built: number[] = [];
    const argumentOf = (value: number) => () => {
      built.push(value);
      return value;
    };
    callHost((value: number) => seen.push(value), argumentOf(7));
    callHost(undefined, argumentOf(8));
    expect(seen).toEqual([7]);
    expect(built).toEqual([7]);
  });
});
