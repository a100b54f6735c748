// The presets against docs/providers.md (read independently of the code) and validateConfig.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mailExchangerRules } from '../../../src/discovery/mail-exchangers.js';
import { presetById, providerPresets } from '../../../src/discovery/provider-presets.js';
import { validateConfig } from '../../../src/index.js';

// The provider table of docs/providers.md ("Settings per provider"): | Provider | Host | Port | ...
const providersDoc = readFileSync(new URL('../../../docs/providers.md', import.meta.url), 'utf8');
const settingsSection = providersDoc.slice(providersDoc.indexOf('## Settings per provider'));
const providerRows = settingsSection
  .slice(0, settingsSection.indexOf('\n## ', 1) === -1 ? undefined : settingsSection.indexOf('\n## ', 1))
  .split('\n')
  .filter((line) => line.startsWith('| ') && !line.startsWith('| Provider') && !line.startsWith('|---'))
  .map((line) => line.split('|').map((cell) => cell.trim()))
  .map(([, provider = '', host = '']) => ({
    provider,
    hosts: [...host.matchAll(/`([^`]+)`/g)].map((match) => match[1]),
  }));

describe('providerPresets', () => {
  it('the docs table was read', () => {
    expect(providerRows.length).toBeGreaterThanOrEqual(10);
  });

  it('every host name in the docs table has a preset server', () => {
    const presetHosts = new Set(
      providerPresets.flatMap((preset) => preset.servers.map((server) => server.host)),
    );
    // imappro.zoho.com is for organisations, reached through the MX rules.
    const mxHosts = new Set(
      mailExchangerRules.flatMap((rule) => (rule.kind === 'preset' && rule.host ? [rule.host] : [])),
    );
    const documented = providerRows
      .flatMap((row) => row.hosts)
      .filter((host) => /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host ?? ''));
    expect(documented.length).toBeGreaterThanOrEqual(9);
    for (const host of documented)
      expect(presetHosts.has(host ?? '') || mxHosts.has(host ?? ''), host).toBe(true);
  });

  it.each(providerPresets.map((preset) => [preset.id, preset] as const))(
    '%s names its sources and validates',
    (_, preset) => {
      expect(preset.sources.length).toBeGreaterThan(0);
      for (const source of preset.sources) expect(source).toMatch(/^(https:\/\/|Thunderbird ISPDB ispdb\/)/);
      for (const domain of preset.domains) expect(domain).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
      for (const server of preset.servers) {
        const checked = validateConfig({ ...server, username: 'anna@example.com', password: 'app-password' });
        expect(checked.ok).toBe(true);
      }
    },
  );

  it('no domain belongs to two presets', () => {
    const domains = providerPresets.flatMap((preset) => preset.domains);
    expect(new Set(domains).size).toBe(domains.length);
  });

  it('every MX rule points at a preset', () => {
    for (const rule of mailExchangerRules) {
      if (rule.kind === 'preset') expect(presetById(rule.presetId), rule.suffix).toBeDefined();
    }
  });
});
