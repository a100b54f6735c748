import net from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type CountProgress,
  type CountRangeInput,
  type CountSignalsOptions,
  ImapConnector,
  ImapConnectorError,
} from '../../src/index.js';
import { activeHandleCount, expectHandlesReleased } from '../harness/active-handles.js';
import { describeWithDovecot, sharedDovecot } from '../harness/dovecot/dovecot-availability.js';
import { createMailUser, type DovecotEndpoint, type MailUser } from '../harness/dovecot/dovecot-server.js';
import { seedMailboxes } from '../harness/mail-seeder.js';

const RANGE = { since: '2026-05-01T00:00:00Z', until: '2026-06-01T00:00:00Z' };

describeWithDovecot('countSignals: range validation, progress, abort and plain results', () => {
  let server: DovecotEndpoint;
  let user: MailUser;
  // A listener that only counts connections: a bad range must never reach it.
  let listener: net.Server;
  let connections = 0;

  beforeAll(async () => {
    server = sharedDovecot();
    user = createMailUser(server, 'contract');
    await seedMailboxes(
      server,
      user,
      ['INBOX', 'Sent', 'Archive', 'Projects', 'Clients'].flatMap((mailbox, index) =>
        Array.from({ length: index + 1 }, (_, day) => ({ mailbox, atMs: Date.UTC(2026, 4, day + 1, 9) })),
      ),
      ['Projects', 'Clients'],
    );
    listener = net.createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => listener?.close(resolve));
  });

  const connectorFor = (port: number) =>
    new ImapConnector({
      host: server.host,
      port,
      security: 'tls',
      username: user.username,
      password: user.password,
      tls: { ca: server.caPem },
    });

  const invalid: ReadonlyArray<[string, CountRangeInput, CountSignalsOptions, string[]]> = [
    ['a reversed range', { since: '2026-06-01T00:00:00Z', until: '2026-05-01T00:00:00Z' }, {}, ['until']],
    ['an empty range', { since: '2026-06-01T00:00:00Z', until: '2026-06-01T00:00:00Z' }, {}, ['until']],
    [
      'a local time without an offset',
      { since: '2026-05-01T00:00:00', until: '2026-06-01T00:00:00Z' },
      {},
      ['since'],
    ],
    ['not a date', { since: 'yesterday', until: new Date('nonsense') }, {}, ['since', 'until']],
    ['a missing end', { since: new Date() } as unknown as CountRangeInput, {}, ['until']],
    ['an unknown zone', RANGE, { granularity: 'day', timeZone: 'Mars/Olympus_Mons' }, ['timeZone']],
    ['an unknown granularity', RANGE, { granularity: 'hour' as 'day' }, ['granularity']],
    ['a calendar date that does not exist', { from: '2026-02-30', to: '2026-03-01' }, {}, ['from']],
    ['calendar ends the wrong way round', { from: '2026-W10', to: '2026-02' }, {}, ['to']],
    [
      'an end after 9999-12-30',
      { since: '2026-01-01T00:00:00Z', until: '9999-12-31T00:00:00Z' },
      {},
      ['until'],
    ],
    [
      'more than 100,000 buckets',
      { from: '1970-01', to: '9999-11' },
      { granularity: 'day' },
      ['granularity'],
    ],
    ['a cursor that is not a string', RANGE, { cursor: 7 as unknown as string }, ['cursor']],
  ];
  for (const [name, range, options, fields] of invalid) {
    it(`rejects ${name} with CONFIG_INVALID and field issues, before connecting`, async () => {
      const before = connections;
      const error = await connectorFor((listener.address() as net.AddressInfo).port)
        .countSignals(range, options)
        .then(
          () => undefined,
          (failure: unknown) => failure,
        );
      expect(error).toBeInstanceOf(ImapConnectorError);
      if (!(error instanceof ImapConnectorError)) return;
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.detail?.issues?.map((issue) => issue.field).sort()).toEqual(fields);
      expect(connections).toBe(before);
    });
  }

  it('reports progress after each counted mailbox, in order, ending at the total', async () => {
    const progress: CountProgress[] = [];
    const result = await connectorFor(server.tlsPort).countSignals(RANGE, {
      onProgress: (step) => progress.push(step),
    });
    const counted = result.mailboxes
      .filter((mailbox) => mailbox.counts !== 'skipped')
      .map((mailbox) => mailbox.path);
    expect(progress.map((step) => step.mailbox)).toEqual(counted);
    expect(progress.map((step) => step.mailboxesDone)).toEqual(counted.map((_, index) => index + 1));
    expect(new Set(progress.map((step) => step.mailboxesTotal))).toEqual(new Set([counted.length]));
    expect({ sent: result.sent, received: result.received }).toEqual({ sent: 2, received: 1 + 3 + 4 + 5 });
  });

  it('rejects with ABORTED without connecting when the signal is already aborted', async () => {
    const before = connections;
    const controller = new AbortController();
    controller.abort();
    await expect(
      connectorFor((listener.address() as net.AddressInfo).port).countSignals(RANGE, {
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(connections).toBe(before);
  });

  it('stops mid-count when aborted, promptly, with the connection closed and nothing left running', async () => {
    const baseline = activeHandleCount();
    const controller = new AbortController();
    let abortedAt = 0;
    const outcome = connectorFor(server.tlsPort).countSignals(RANGE, {
      signal: controller.signal,
      onProgress: (step) => {
        if (step.mailboxesDone === 1) {
          abortedAt = performance.now();
          controller.abort();
        }
      },
    });
    await expect(outcome).rejects.toMatchObject({ code: 'ABORTED', retryable: false });
    expect(performance.now() - abortedAt).toBeLessThan(1_000);
    await expectHandlesReleased(baseline);
  });

  it('returns plain data: JSON round-trips it unchanged, and neither it nor errors contain the password', async () => {
    const result = await connectorFor(server.tlsPort).countSignals(RANGE, {
      granularity: 'week',
      timeZone: 'America/Sao_Paulo',
    });
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(JSON.stringify(result)).not.toContain(user.password);
    expect(inspect(result, { depth: 10 })).not.toContain(user.password);
    expect(result.buckets.reduce((sum, bucket) => sum + bucket.sent, 0)).toBe(result.sent);
    expect(result.buckets.reduce((sum, bucket) => sum + bucket.received, 0)).toBe(result.received);
  });
});
