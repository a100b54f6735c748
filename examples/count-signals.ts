/**
 * Counts sent/received email for a real account, or for the embedded demo server when no account is
 * given. Prints the result as JSON, the way a host would store it.
 *
 *   IMAP_HOST=imap.fastmail.com IMAP_USERNAME=you@fastmail.com IMAP_PASSWORD=app-password \
 *     npx tsx examples/count-signals.ts
 *
 * Optional: IMAP_PORT (993), IMAP_SECURITY (tls | starttls | none), IMAP_CA_FILE (PEM, e.g. ProtonMail
 * Bridge's exported certificate), COUNT_DAYS (30), COUNT_GRANULARITY (day | week | month),
 * COUNT_TIME_ZONE (UTC).
 */
import { readFileSync } from 'node:fs';
import { granularities, ImapConnector, type ImapConnectorConfigInput } from '../src/index.js';
import { type DemoServer, startDemoServer } from './demo-server.js';

const environment = process.env;
let demo: DemoServer | undefined;
let config: ImapConnectorConfigInput;
if (environment['IMAP_HOST']) {
  const caFile = environment['IMAP_CA_FILE'];
  config = {
    host: environment['IMAP_HOST'],
    port: environment['IMAP_PORT'] ?? 993,
    username: environment['IMAP_USERNAME'] ?? '',
    password: environment['IMAP_PASSWORD'] ?? '',
    ...(environment['IMAP_SECURITY']
      ? { security: environment['IMAP_SECURITY'] as 'tls' | 'starttls' | 'none' }
      : {}),
    ...(caFile ? { tls: { ca: readFileSync(caFile, 'utf8') } } : {}),
  };
} else {
  console.error('No IMAP_HOST set: counting the embedded demo mailbox.');
  demo = await startDemoServer();
  config = demo.config;
}

try {
  const validation = ImapConnector.validateConfig(config);
  if (!validation.ok) {
    for (const issue of validation.issues) console.error(`❌ ${issue.field}: ${issue.message}`);
    process.exitCode = 1;
  } else {
    const days = Number(environment['COUNT_DAYS'] ?? 30);
    const until = new Date();
    const since = new Date(until.getTime() - days * 86_400_000);
    const counts = await new ImapConnector(config).countSignals(
      { since, until },
      {
        granularity: granularities.find((value) => value === environment['COUNT_GRANULARITY']) ?? 'day',
        timeZone: environment['COUNT_TIME_ZONE'] ?? 'UTC',
        onProgress: ({ mailboxesDone, mailboxesTotal, mailbox }) =>
          console.error(`counted ${mailbox} (${mailboxesDone}/${mailboxesTotal})`),
      },
    );
    console.log(JSON.stringify(counts, null, 2));
    console.error(`sent ${counts.sent}, received ${counts.received} in the last ${days} days`);
  }
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await demo?.stop();
}
