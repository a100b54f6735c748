/** A counting channel whose server is the test: lines are fed by hand, writes and violations recorded. */
import { CountingChannel } from '../../../src/session/counting-channel.js';
import type { ResponseViolation } from '../../../src/session/response-lines.js';

/**
 * A channel with a recording host.
 *
 * @returns The channel, what it wrote, the violations it reported, and `feed` to hand it server lines.
 */
export function channelUnderTest() {
  const written: string[] = [];
  const violations: ResponseViolation[] = [];
  const channel = new CountingChannel({
    write: (lines) => written.push(lines),
    violation: (error) => violations.push(error),
    uidValidity: () => undefined,
    traceCommand: () => undefined,
    traceResponse: () => undefined,
  });
  const feed = async (...lines: string[]) => {
    for (const line of lines) await channel.take(Buffer.from(line, 'latin1'), 0);
  };
  return { channel, written, violations, feed };
}
