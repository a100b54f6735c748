import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cachedFormatterCount } from '../../src/counting/zone-clock.js';
import { closeTogether } from '../harness/close-together.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import { createMailUser, type DovecotEndpoint, type MailUser } from '../harness/dovecot/dovecot-server.js';
import { expectCountsToMatch, expectedCounts } from '../harness/expected-counts.js';
import { loopbackConnector } from '../harness/loopback-connector.js';
import { seedMailboxes } from '../harness/mail-seeder.js';

// The first time-zone formatter of a process costs ~20 ms; a count builds its zone's while the server
// checks the password, not before it connects (docs/performance.md, "Cold process"). A proxy in front of
// Dovecot notes whether the count's zone had a formatter when the connection arrived, and again just
// before it hands over the login's answer, which it holds back for a while: built between the two.
const ZONE = 'Pacific/Chatham'; // +12:45/+13:45; no other test of this file uses it
const LOGIN_ANSWER_HELD_MS = 300;

describeWithDovecot('a count does its zone arithmetic while the login is in flight', () => {
  let server: DovecotEndpoint;
  let user: MailUser;
  let proxy: net.Server;
  const seen: { atAccept?: number; beforeLoginAnswer?: number } = {};
  const seeds = [0, 1, 2, 5, 9].map((day) => ({ mailbox: 'INBOX', atMs: Date.UTC(2026, 2, day + 1, 11) }));

  beforeAll(async () => {
    server = sharedDovecot();
    user = createMailUser(server, 'zone-during-login');
    await seedMailboxes(server, user, seeds);
    proxy = net.createServer((client) => {
      seen.atAccept ??= cachedFormatterCount();
      const upstream = net.connect(server.plainPort, '127.0.0.1');
      let loginSent = false;
      let held: Buffer[] | undefined;
      client.on('data', (chunk: Buffer) => {
        if (!loginSent && / (LOGIN|AUTHENTICATE) /i.test(chunk.toString('latin1'))) {
          loginSent = true;
          held = [];
          setTimeout(() => {
            seen.beforeLoginAnswer ??= cachedFormatterCount();
            for (const bytes of held ?? []) client.write(bytes);
            held = undefined;
          }, LOGIN_ANSWER_HELD_MS);
        }
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => (held === undefined ? client.write(chunk) : held.push(chunk)));
      closeTogether(client, upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => proxy?.close(resolve));
  });

  it('builds the zone formatter after connecting, before the login is answered, and counts exactly', async () => {
    const before = cachedFormatterCount();
    const range = { from: '2026-03-01', to: '2026-03-10' };
    const result = await loopbackConnector((proxy.address() as net.AddressInfo).port, user).countSignals(
      range,
      {
        granularity: 'day',
        timeZone: ZONE,
        retry: { attempts: 1 },
      },
    );
    expect(seen.atAccept).toBe(before);
    expect(seen.beforeLoginAnswer).toBeGreaterThan(before);
    // Chatham keeps +13:45 until April: March 1 starts at 10:15 UTC the day before; 11:00 UTC is 00:45
    // the next local day, so the message of March 10 (UTC) falls on March 11, outside the range.
    const bounds = {
      sinceMs: Date.UTC(2026, 1, 28, 10, 15),
      untilMs: Date.UTC(2026, 2, 10, 10, 15),
      granularity: 'day' as const,
      timeZone: ZONE,
    };
    const expected = expectedCounts(seeds, bounds, (path) => (path === 'INBOX' ? 'received' : null));
    expect(expected.received).toBe(4);
    expectCountsToMatch(result, expected, bounds);
  });
});
