import { afterAll, beforeAll, expect, it } from 'vitest';
import { ImapConnector, type ImapConnectorConfigInput, type SignalCounts } from '../../src/index.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import {
  createMailUser,
  type DovecotEndpoint,
  type DovecotServer,
  type MailUser,
  startDovecot,
} from '../harness/dovecot/dovecot-server.js';
import {
  bridgeVariant,
  type DovecotVariant,
  dottedNamespaceVariant,
  localizedVariant,
  reducedCapabilityVariant,
} from '../harness/dovecot/dovecot-variants.js';
import { expectCountsToMatch, expectedCounts, type MailboxClass } from '../harness/expected-counts.js';
import { type SeedMessage, seedMailboxes, snapshotMailboxes } from '../harness/mail-seeder.js';

const SINCE = '2026-05-01T00:00:00Z';
const UNTIL = '2026-06-01T00:00:00Z';
const range = { sinceMs: Date.parse(SINCE), untilMs: Date.parse(UNTIL) };
const inside = (day: number, hour = 12) => Date.UTC(2026, 4, day, hour);
const outside = Date.UTC(2026, 3, 30, 23, 59, 59);

/** `count` messages in a mailbox inside the range, and one just outside it that must never count. */
function messagesIn(mailbox: string, count: number): SeedMessage[] {
  return [
    ...Array.from({ length: count }, (_, index) => ({ mailbox, atMs: inside(index + 1) })),
    { mailbox, atMs: outside },
  ];
}

const classFrom =
  (sent: readonly string[], received: readonly string[]): MailboxClass =>
  (path) =>
    sent.includes(path) ? 'sent' : received.includes(path) ? 'received' : null;

describeWithDovecot('countSignals finds each mailbox role on servers of every shape', () => {
  const started = new Map<string, DovecotServer>();

  beforeAll(async () => {
    for (const variant of [
      reducedCapabilityVariant,
      localizedVariant,
      dottedNamespaceVariant,
      bridgeVariant,
    ]) {
      started.set(variant.name, await startDovecot(variant));
    }
  });

  afterAll(async () => {
    await Promise.all([...started.values()].map((server) => server.stop()));
  });

  function serverOf(variant: DovecotVariant | 'shared'): DovecotEndpoint {
    if (variant === 'shared') return sharedDovecot();
    const server = started.get(variant.name);
    if (!server) throw new Error(`${variant.name} did not start`);
    return server;
  }

  async function count(
    endpoint: DovecotEndpoint,
    user: MailUser,
    extra: Partial<ImapConnectorConfigInput> = {},
  ): Promise<SignalCounts> {
    const connector = new ImapConnector({
      host: endpoint.host,
      port: endpoint.plainPort,
      security: 'starttls',
      username: user.username,
      password: user.password,
      tls: { ca: endpoint.caPem },
      ...extra,
    });
    return connector.countSignals({ since: SINCE, until: UNTIL });
  }

  function rolesOf(result: SignalCounts): Record<string, string> {
    return Object.fromEntries(
      result.mailboxes.map((mailbox) => [
        mailbox.path,
        `${mailbox.role ?? '-'}/${mailbox.roleSource ?? '-'}/${mailbox.counts}${mailbox.skipReason ? `:${mailbox.skipReason}` : ''}`,
      ]),
    );
  }

  it('finds roles by name on a server without SPECIAL-USE, and says so', async () => {
    const endpoint = serverOf(reducedCapabilityVariant);
    const user = createMailUser(endpoint, 'names');
    const seeds = [
      ...messagesIn('INBOX', 3),
      ...messagesIn('Sent', 2),
      ...messagesIn('Archive', 1),
      ...messagesIn('Drafts', 1),
      ...messagesIn('Junk', 1),
      ...messagesIn('Trash', 1),
      ...messagesIn('Projects', 2),
    ];
    await seedMailboxes(endpoint, user, seeds, ['Projects']);
    const result = await count(endpoint, user);
    expectCountsToMatch(
      result,
      expectedCounts(seeds, range, classFrom(['Sent'], ['INBOX', 'Archive', 'Projects'])),
      range,
    );
    expect(rolesOf(result)).toEqual({
      INBOX: 'inbox/standard/received',
      Sent: 'sent/name/sent',
      Drafts: 'drafts/name/skipped:drafts',
      Junk: 'junk/name/skipped:junk',
      Trash: 'trash/name/skipped:trash',
      Archive: 'archive/name/received',
      Projects: '-/-/received',
    });
    const guessed = result.warnings.filter((warning) => warning.code === 'role_guessed_by_name');
    expect(guessed.map((warning) => warning.mailbox).sort()).toEqual([
      'Archive',
      'Drafts',
      'Junk',
      'Sent',
      'Trash',
    ]);
  });

  it('finds German folder names (Gesendet, Entwürfe, Papierkorb, Spam, Archiv)', async () => {
    const endpoint = serverOf(localizedVariant);
    const user = createMailUser(endpoint, 'localized');
    const seeds = [
      ...messagesIn('INBOX', 2),
      ...messagesIn('Gesendet', 3),
      ...messagesIn('Entwürfe', 1),
      ...messagesIn('Spam', 1),
      ...messagesIn('Papierkorb', 1),
      ...messagesIn('Archiv', 2),
    ];
    await seedMailboxes(endpoint, user, seeds);
    const result = await count(endpoint, user);
    expectCountsToMatch(
      result,
      expectedCounts(seeds, range, classFrom(['Gesendet'], ['INBOX', 'Archiv'])),
      range,
    );
    expect(rolesOf(result)).toMatchObject({
      Gesendet: 'sent/name/sent',
      Entwürfe: 'drafts/name/skipped:drafts',
      Spam: 'junk/name/skipped:junk',
      Papierkorb: 'trash/name/skipped:trash',
    });
  });

  it('finds Outlook-style names under an INBOX. namespace with a "." delimiter', async () => {
    const endpoint = serverOf(dottedNamespaceVariant);
    const user = createMailUser(endpoint, 'dotted');
    const seeds = [
      ...messagesIn('INBOX', 2),
      ...messagesIn('INBOX.Sent Items', 2),
      ...messagesIn('INBOX.Drafts', 1),
      ...messagesIn('INBOX.Junk E-mail', 1),
      ...messagesIn('INBOX.Deleted Items', 1),
      ...messagesIn('INBOX.Clients', 2),
    ];
    await seedMailboxes(endpoint, user, seeds, ['INBOX.Clients']);
    const result = await count(endpoint, user);
    expectCountsToMatch(
      result,
      expectedCounts(seeds, range, classFrom(['INBOX.Sent Items'], ['INBOX', 'INBOX.Clients'])),
      range,
    );
    expect(rolesOf(result)).toMatchObject({
      'INBOX.Sent Items': 'sent/name/sent',
      'INBOX.Drafts': 'drafts/name/skipped:drafts',
      'INBOX.Junk E-mail': 'junk/name/skipped:junk',
      'INBOX.Deleted Items': 'trash/name/skipped:trash',
      'INBOX.Clients': '-/-/received',
    });
  });

  it('on a ProtonMail Bridge-like server, skips All Mail, Starred and label views and counts each message once', async () => {
    const endpoint = serverOf(bridgeVariant);
    const user = createMailUser(endpoint, 'bridge');
    const copies = (messageId: string, atMs: number, mailboxes: readonly string[]): SeedMessage[] =>
      mailboxes.map((mailbox) => ({ mailbox, atMs, messageId }));
    const seeds = [
      // One message in INBOX, under two labels, and in the All Mail and Starred views.
      ...copies('<labelled@bridge.test>', inside(2), [
        'INBOX',
        'Labels/Work',
        'Labels/Urgent',
        'All Mail',
        'Starred',
      ]),
      // A rule copied this one from INBOX into a folder.
      ...copies('<filed@bridge.test>', inside(3), ['INBOX', 'Folders/Clients', 'All Mail']),
      ...copies('<client@bridge.test>', inside(4), ['Folders/Clients', 'All Mail']),
      ...copies('<archived@bridge.test>', inside(5), ['Archive', 'All Mail']),
      ...copies('<sent@bridge.test>', inside(6), ['Sent', 'All Mail']),
      ...copies('<sent-to-self@bridge.test>', inside(7), ['Sent', 'INBOX', 'All Mail']),
      ...copies('<spam@bridge.test>', inside(8), ['Spam', 'All Mail']),
      ...copies('<trash@bridge.test>', inside(9), ['Trash']),
      ...copies('<draft@bridge.test>', inside(10), ['Drafts', 'All Mail']),
      ...copies('<old@bridge.test>', outside, ['INBOX', 'Labels/Work', 'All Mail']),
    ];
    await seedMailboxes(endpoint, user, seeds, ['Labels/Work', 'Labels/Urgent', 'Folders/Clients']);
    const classOf = classFrom(['Sent'], ['INBOX', 'Archive', 'Folders/Clients']);

    const result = await count(endpoint, user);
    expectCountsToMatch(result, expectedCounts(seeds, range, classOf, true), range);
    expect({ sent: result.sent, received: result.received }).toEqual({ sent: 2, received: 5 });
    expect(result.deduplication).toBe('message-id');
    expect(rolesOf(result)).toMatchObject({
      'All Mail': 'all/attribute/skipped:all_mail_view',
      Starred: 'flagged/attribute/skipped:flagged_view',
      'Labels/Work': '-/-/skipped:label_view',
      'Labels/Urgent': '-/-/skipped:label_view',
      'Folders/Clients': '-/-/received',
      Sent: 'sent/attribute/sent',
      Spam: 'junk/attribute/skipped:junk',
    });

    const undeduplicated = await count(endpoint, user, { mailboxes: { deduplicate: 'never' } });
    expect(undeduplicated.deduplication).toBe('none');
    expectCountsToMatch(undeduplicated, expectedCounts(seeds, range, classOf, false), range);
    expect(undeduplicated.received).toBe(6);
  });

  it('lets the host assign roles and exclude folders', async () => {
    const endpoint = serverOf('shared');
    const user = createMailUser(endpoint, 'overrides');
    const seeds = [
      ...messagesIn('INBOX', 2),
      ...messagesIn('Sent', 1),
      ...messagesIn('Outbox Copies', 2),
      ...messagesIn('Projects', 3),
      ...messagesIn('Newsletters', 4),
      ...messagesIn('Old Junk', 2),
    ];
    await seedMailboxes(endpoint, user, seeds, ['Outbox Copies', 'Projects', 'Newsletters', 'Old Junk']);
    const result = await count(endpoint, user, {
      mailboxes: { roles: { sent: 'Outbox Copies', junk: ['Old Junk'] }, exclude: ['Newsletters'] },
    });
    expectCountsToMatch(
      result,
      expectedCounts(seeds, range, classFrom(['Sent', 'Outbox Copies'], ['INBOX', 'Projects'])),
      range,
    );
    expect(rolesOf(result)).toMatchObject({
      Sent: 'sent/special-use/sent',
      'Outbox Copies': 'sent/override/sent',
      'Old Junk': 'junk/override/skipped:junk',
      Newsletters: '-/-/skipped:excluded',
      Projects: '-/-/received',
    });
  });

  it('reports each mailbox with the UIDVALIDITY, UIDNEXT and size the server has, for later incremental counts', async () => {
    const endpoint = serverOf('shared');
    const user = createMailUser(endpoint, 'cursor');
    await seedMailboxes(endpoint, user, [...messagesIn('INBOX', 4), ...messagesIn('Sent', 2)]);
    const before = await snapshotMailboxes(endpoint, user);
    const result = await count(endpoint, user);
    for (const mailbox of result.mailboxes) {
      const snapshot = before[mailbox.path];
      expect(snapshot, mailbox.path).toBeDefined();
      if (mailbox.counts === 'skipped') continue;
      expect({
        uidValidity: mailbox.uidValidity,
        uidNext: String(mailbox.uidNext),
        messages: mailbox.messages,
      }).toEqual({
        uidValidity: snapshot?.uidValidity,
        uidNext: snapshot?.uidNext,
        messages: snapshot?.messages.length,
      });
    }
    expect(result.mailboxes.find((mailbox) => mailbox.path === 'INBOX')).toMatchObject({
      inRange: 4,
      messages: 5,
    });
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  for (const variant of ['shared', reducedCapabilityVariant] as const) {
    const label = variant === 'shared' ? 'stock' : 'plain RFC 3501';
    it(`counts an empty account on ${label} Dovecot as zero without searching`, async () => {
      const endpoint = serverOf(variant);
      const user = createMailUser(endpoint, 'empty');
      const result = await count(endpoint, user);
      expect({ sent: result.sent, received: result.received }).toEqual({ sent: 0, received: 0 });
      expect(result.strategies).toEqual(['empty']);
      for (const mailbox of result.mailboxes.filter((entry) => entry.counts !== 'skipped')) {
        expect(mailbox).toMatchObject({ messages: 0, inRange: 0, strategy: 'empty' });
      }
    });
  }
});
