import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ImapConnector } from '../../src/index.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import {
  createMailUser,
  type DovecotEndpoint,
  type DovecotServer,
  startDovecot,
} from '../harness/dovecot/dovecot-server.js';
import { reducedCapabilityVariant } from '../harness/dovecot/dovecot-variants.js';
import { expectCountsToMatch, expectedCounts } from '../harness/expected-counts.js';
import { type SeedMessage, seedMailboxes } from '../harness/mail-seeder.js';

// The host in Newfoundland (-03:30, with DST), the plain server in Chatham (+12:45/+13:45).
process.env['TZ'] = 'America/St_Johns';

const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/Berlin',
  'Asia/Kathmandu',
  'Australia/Lord_Howe', // DST shifts by 30 minutes
  'Pacific/Chatham',
  'Pacific/Kiritimati',
  'Etc/GMT+12',
  'America/Santiago',
] as const;
const MAILBOXES = ['INBOX', 'Sent', 'Archive', 'Junk', 'Trash'] as const;
const classOf = (path: string) =>
  path === 'Sent' ? ('sent' as const) : path === 'INBOX' || path === 'Archive' ? ('received' as const) : null;
// Around the DST changes of March/April 2026 in both hemispheres.
const WINDOW_START = Date.UTC(2026, 2, 5);
const WINDOW_MS = 40 * 86_400_000;
const OFFSETS = [-720, -300, -210, 0, 60, 345, 540, 765, 840];

const scenario = fc
  .record({
    sinceSeconds: fc.integer({ min: 0, max: WINDOW_MS / 1_000 }),
    lengthSeconds: fc.integer({ min: 1, max: 20 * 86_400 }),
    timeZone: fc.constantFrom(...ZONES),
    granularity: fc.constantFrom('day', 'week', 'month', undefined),
    messages: fc.array(
      fc.record({
        mailbox: fc.constantFrom(...MAILBOXES),
        // Near an end of the range (to the second) or anywhere in the window.
        anchor: fc.constantFrom('since', 'until', 'anywhere'),
        deltaSeconds: fc.oneof(
          fc.integer({ min: -2, max: 2 }),
          fc.integer({ min: -3 * 86_400, max: 3 * 86_400 }),
        ),
        anywhereSeconds: fc.integer({ min: 0, max: WINDOW_MS / 1_000 }),
        offsetMinutes: fc.constantFrom(...OFFSETS),
      }),
      { maxLength: 25 },
    ),
  })
  .map(({ sinceSeconds, lengthSeconds, timeZone, granularity, messages }) => {
    const sinceMs = WINDOW_START + sinceSeconds * 1_000;
    const untilMs = sinceMs + lengthSeconds * 1_000;
    const seeds: SeedMessage[] = messages.map((message) => ({
      mailbox: message.mailbox,
      offsetMinutes: message.offsetMinutes,
      atMs:
        message.anchor === 'anywhere'
          ? WINDOW_START + message.anywhereSeconds * 1_000
          : (message.anchor === 'since' ? sinceMs : untilMs) + message.deltaSeconds * 1_000,
    }));
    return { sinceMs, untilMs, timeZone, granularity, seeds };
  });

describeWithDovecot('countSignals equals brute force on random mailboxes, ranges and zones', () => {
  let plain: DovecotServer;

  beforeAll(async () => {
    plain = await startDovecot({
      ...reducedCapabilityVariant,
      name: 'reduced-chatham',
      timeZone: 'Pacific/Chatham',
    });
  });

  afterAll(async () => {
    await plain?.stop();
  });

  for (const [label, endpoint] of [
    ['stock Dovecot in UTC', () => sharedDovecot()],
    ['plain RFC 3501 Dovecot in Pacific/Chatham', () => plain],
  ] as const) {
    it(`on ${label}`, async () => {
      const server: DovecotEndpoint = endpoint();
      await fc.assert(
        fc.asyncProperty(scenario, async ({ sinceMs, untilMs, timeZone, granularity, seeds }) => {
          const user = createMailUser(server, 'random');
          await seedMailboxes(server, user, seeds);
          const range = { sinceMs, untilMs, granularity, timeZone };
          const result = await new ImapConnector({
            host: server.host,
            port: server.tlsPort,
            security: 'tls',
            username: user.username,
            password: user.password,
            tls: { ca: server.caPem },
          }).countSignals({ since: new Date(sinceMs), until: new Date(untilMs) }, { granularity, timeZone });
          expectCountsToMatch(result, expectedCounts(seeds, range, classOf), range);
        }),
        { numRuns: 25 },
      );
      expect(new Date(Date.UTC(2026, 0, 1)).getTimezoneOffset()).toBe(210);
    });
  }
});
