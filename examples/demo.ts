/**
 * `npm run demo`: the drawer's whole journey against a local server (Dovecot when installed, else the
 * embedded IMAP server in this process) — validate what an admin
 * pasted, click Test (a good and three bad settings), then pull a week of sent/received counts.
 */
import { ImapConnector } from '../src/index.js';
import { startDemoServer } from './demo-server.js';

const demo = await startDemoServer().catch((error: unknown) => {
  console.error(`❌ ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

try {
  const { config } = demo;
  console.log(`Server: ${demo.description}; account ${config.username}\n`);

  console.log('1. Validate what was pasted into the drawer');
  const pasted = { ...config, host: ` imaps://${config.host}:${config.port}/ `, port: String(config.port) };
  const validation = ImapConnector.validateConfig(pasted);
  if (validation.ok) {
    const { host, port, security } = validation.config;
    console.log(`   → host ${host}, port ${port}, security ${security}`);
    for (const warning of validation.warnings) console.log(`   ⚠️  ${warning.field}: ${warning.message}`);
  }

  console.log('\n2. Click Test');
  const attempts = [
    ['the right settings', config],
    ['a wrong password', { ...config, password: 'not-the-app-password' }],
    ['a closed port', { ...config, port: 1 }],
    ["the server's CA left out", { ...config, tls: {} }],
  ] as const;
  for (const [label, settings] of attempts) {
    const result = await new ImapConnector(settings).testConnection();
    console.log(`   ${label}:`);
    if (result.ok) {
      console.log(`     ✅ ${result.message} (${result.elapsedMs} ms)`);
      console.log(
        `        folders: ${result.mailboxes.map((mailbox) => `${mailbox.path} (${mailbox.role})`).join(', ')}`,
      );
    } else {
      console.log(`     ❌ ${result.message}  [${result.code}]`);
      console.log(`        fix: ${result.fix}`);
    }
  }

  console.log('\n3. Count the last 7 days, per day in Europe/Berlin');
  const until = new Date();
  const since = new Date(until.getTime() - 7 * 86_400_000);
  const counts = await new ImapConnector(config).countSignals(
    { since, until },
    { granularity: 'day', timeZone: 'Europe/Berlin' },
  );
  // The seed list, counted by brute force, next to what the connector counted.
  const seededIn = (mailboxes: readonly string[], start: string, end: string) =>
    demo.seeded.filter(
      (message) =>
        mailboxes.includes(message.mailbox) &&
        message.atMs >= Date.parse(start) &&
        message.atMs < Date.parse(end),
    ).length;
  console.log('   bucket start (UTC)          sent  received   seeded sent/received');
  for (const bucket of counts.buckets) {
    const expected = `${seededIn(['Sent'], bucket.start, bucket.end)}/${seededIn(['INBOX', 'Archive'], bucket.start, bucket.end)}`;
    const same = expected === `${bucket.sent}/${bucket.received}` ? '✓' : '✗';
    if (same === '✗') process.exitCode = 1;
    console.log(
      `   ${bucket.start.padEnd(26)} ${String(bucket.sent).padStart(5)} ${String(bucket.received).padStart(9)}   ${expected.padStart(9)} ${same}`,
    );
  }
  console.log(
    `   total                      ${String(counts.sent).padStart(5)} ${String(counts.received).padStart(9)}`,
  );
  const skipped = counts.mailboxes.filter((mailbox) => mailbox.counts === 'skipped');
  console.log(
    `   not counted: ${skipped.map((mailbox) => `${mailbox.path} (${mailbox.skipReason})`).join(', ')}`,
  );
  console.log(`   strategies: ${counts.strategies.join(', ')}; ${counts.elapsedMs} ms`);
} finally {
  await demo.stop();
}
