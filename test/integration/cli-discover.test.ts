/**
 * `imap-connector discover`, the built binary, against the local DNS fixture server (Fastmail's real
 * SRV and MX records, a Google Workspace MX) and the built-in presets: no internet, no IMAP connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoveryResult } from '../../src/index.js';
import { type BuiltCli, buildCli, runCli } from '../cli/cli-binary.js';
import { type DiscoveryFixtures, startDiscoveryFixtures } from '../harness/discovery-fixtures.js';

let cli: BuiltCli;
let fixtures: DiscoveryFixtures;
beforeAll(async () => {
  [cli, fixtures] = await Promise.all([buildCli(), startDiscoveryFixtures()]);
}, 120_000);
afterAll(async () => {
  cli?.remove();
  await fixtures?.close();
});

const dnsServer = () => `127.0.0.1:${fixtures.dns.port}`;

describe('imap-connector discover', () => {
  it('finds Fastmail from its preset and its SRV record, and prints the test command', async () => {
    const run = await runCli(cli, [
      'discover',
      'anna@fastmail.com',
      '--sources',
      'preset,srv',
      '--dns-server',
      dnsServer(),
    ]);
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines).toContain('✅ imap.fastmail.com:993 (tls), username anna@fastmail.com');
    expect(run.stdout).toMatch(/Fastmail · confidence high · found by preset \+ srv/);
    expect(lines).toContain(
      '  npx @perfcopilot/imap-connector test --host imap.fastmail.com --port 993 --security tls -u anna@fastmail.com',
    );
    expect(fixtures.dns.questions).toContain('_imaps._tcp.fastmail.com SRV');
  });

  it('prints the SDK result with --json', async () => {
    const run = await runCli(cli, [
      'discover',
      'anna@fastmail.com',
      '--sources',
      'srv',
      '--dns-server',
      dnsServer(),
      '--json',
    ]);
    expect(run.exitCode).toBe(0);
    const result = JSON.parse(run.stdout) as DiscoveryResult;
    if (!result.ok) throw new Error('expected a discovery');
    expect(result.candidates[0]).toMatchObject({
      settings: { host: 'imap.fastmail.com', port: 993, security: 'tls', username: 'anna@fastmail.com' },
      source: 'srv',
    });
  });

  it('says a Google Workspace domain needs the Gmail integration and exits 6', async () => {
    const run = await runCli(cli, [
      'discover',
      'boss@workspace.example',
      '--sources',
      'mx',
      '--dns-server',
      dnsServer(),
    ]);
    expect(run.exitCode).toBe(6);
    expect(run.stdout).toMatch(/^❌ .*Google/m);
    expect(run.stdout).toMatch(/Fix: .*Gmail integration/);
  });

  it('exits 6 when no source knows the domain', async () => {
    const run = await runCli(cli, [
      'discover',
      'x@unknown.example',
      '--sources',
      'srv,mx',
      '--dns-server',
      dnsServer(),
    ]);
    expect(run.exitCode).toBe(6);
    expect(run.stdout).toContain('No IMAP settings found.');
    expect(run.stdout).toMatch(/srv +not_found +_imaps\._tcp\.unknown\.example/);
  });

  it.each([
    [['discover', 'not-an-address'], /email: Enter the full email address/],
    [['discover'], /one email address/],
    [['discover', 'a@b.example', '--sources', 'carrier-pigeon'], /unknown carrier-pigeon/],
    [['discover', 'a@b.example', '--dns-server', 'dns.example'], /--dns-server takes an IP address/],
  ])('%j exits 2', async (args, message) => {
    const run = await runCli(cli, args);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
