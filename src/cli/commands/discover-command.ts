/** `discover <email>`: the IMAP settings for an address, from public data only (no password, no IMAP connection). */
import { Resolver } from 'node:dns/promises';
import { parseArgs } from 'node:util';
import {
  type DiscoveryCandidate,
  type DiscoverySource,
  type DiscoverySuccess,
  discoverSettings,
  discoverySources,
} from '../../index.js';
import type { CliIo } from '../cli-io.js';
import { UsageError, writeLines } from '../cli-io.js';
import { exitCodes } from '../exit-codes.js';
import { terminalStyleOf } from '../terminal-style.js';

const BIN = 'npx @perfcopilot/imap-connector';

/**
 * Runs `discover`.
 *
 * @param args - The arguments after `discover`.
 * @param io - Streams, environment, Ctrl-C signal.
 * @returns The exit status: 0 with a candidate, 2 for an unusable address, 6 when nothing usable was found.
 */
export async function discoverCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      json: { type: 'boolean' },
      'timeout-ms': { type: 'string' },
      sources: { type: 'string' },
      'dns-server': { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  const [email, ...extra] = positionals;
  if (email === undefined || extra.length > 0) {
    throw new UsageError('discover takes one email address: discover you@example.com');
  }
  const timeoutMs = values['timeout-ms'] === undefined ? undefined : Number(values['timeout-ms']);
  if (timeoutMs !== undefined && !Number.isInteger(timeoutMs)) {
    throw new UsageError(`--timeout-ms takes a whole number of milliseconds, not "${values['timeout-ms']}".`);
  }
  const resolver = values['dns-server'] === undefined ? undefined : resolverFor(values['dns-server']);
  const result = await discoverSettings(email, {
    signal: io.signal,
    timeoutMs,
    sources: values.sources === undefined ? undefined : sourcesOf(values.sources),
    resolver,
  });
  resolver?.cancel();
  const status = !result.ok
    ? exitCodes.usage
    : result.candidates.length === 0
      ? exitCodes.notFound
      : exitCodes.ok;
  if (values.json === true) {
    writeLines(io.stdout, JSON.stringify(result, null, 2));
    return status;
  }
  if (!result.ok) {
    const style = terminalStyleOf(io.stderr, io.env);
    writeLines(io.stderr, ...result.issues.map((issue) => style.red(`❌ ${issue.field}: ${issue.message}`)));
    return status;
  }
  writeLines(io.stdout, ...discoveryReport(result, terminalStyleOf(io.stdout, io.env)));
  return status;
}

function sourcesOf(list: string): DiscoverySource[] {
  const names = list.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(discoverySources as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `--sources: unknown ${unknown.join(', ')}; choose from ${discoverySources.join(', ')}.`,
    );
  }
  return names as DiscoverySource[];
}

// The SDK leaves a resolver it was given running (others may share it): one try, a short timeout.
function resolverFor(server: string): Resolver {
  const resolver = new Resolver({ timeout: 2_000, tries: 1 });
  try {
    // Takes 10.0.0.53, 127.0.0.1:5353, [::1] and [::1]:5353.
    resolver.setServers([server]);
  } catch {
    throw new UsageError(
      `--dns-server takes an IP address and optional port, e.g. 10.0.0.53 or 127.0.0.1:5353, not "${server}".`,
    );
  }
  return resolver;
}

function describe(candidate: DiscoveryCandidate): string {
  const { host, port, security, username } = candidate.settings;
  return `${host}:${port} (${security}), username ${username}`;
}

function discoveryReport(result: DiscoverySuccess, style: ReturnType<typeof terminalStyleOf>): string[] {
  const header = `${result.email} (${result.domain}), ${result.elapsedMs} ms${result.timedOut ? ', some lookups timed out' : ''}`;
  const lines = [style.dim(header), ''];
  if (result.wrongConnector !== null) {
    lines.push(style.red(`❌ ${result.wrongConnector.message}`), `   Fix: ${result.wrongConnector.fix}`);
    lines.push(style.dim(`   (${result.wrongConnector.source}: ${result.wrongConnector.evidence})`));
  }
  const [best, ...others] = result.candidates;
  if (best === undefined) {
    if (result.wrongConnector === null) {
      lines.push(
        'No IMAP settings found. Look for "IMAP" in your provider\'s help pages, or ask the mail administrator.',
      );
    }
    return [...lines, ...lookupLines(result, style)];
  }
  if (result.wrongConnector !== null) lines.push('');
  lines.push(style.bold(`✅ ${describe(best)}`));
  lines.push(`   ${candidateFacts(best)}`);
  lines.push(style.dim(`   evidence: ${best.evidence}`));
  for (const note of best.notes) lines.push(`   • ${note}`);
  if (others.length > 0) {
    lines.push('', 'Also possible:');
    others.forEach((candidate, index) => {
      lines.push(`  ${index + 2}. ${describe(candidate)} — ${candidateFacts(candidate)}`);
    });
  }
  const { host, port, security, username } = best.settings;
  lines.push(
    '',
    'Test them (the password is asked for, or taken from IMAP_PASSWORD):',
    `  ${BIN} test --host ${host} --port ${port} --security ${security} -u ${username}`,
  );
  return lines;
}

function candidateFacts(candidate: DiscoveryCandidate): string {
  const found = [candidate.source, ...candidate.alsoFoundBy].join(' + ');
  return `${candidate.provider === null ? '' : `${candidate.provider} · `}confidence ${candidate.confidence} · found by ${found}`;
}

function lookupLines(result: DiscoverySuccess, style: ReturnType<typeof terminalStyleOf>): string[] {
  return [
    '',
    style.dim('Lookups:'),
    ...result.lookups.map((lookup) =>
      style.dim(
        `  ${lookup.source.padEnd(10)} ${lookup.outcome.padEnd(9)} ${lookup.target}${lookup.detail === null ? '' : ` (${lookup.detail})`}`,
      ),
    ),
  ];
}
