import { describe, expect, it } from 'vitest';
import { mergeCandidates } from '../../../src/discovery/candidate-ranking.js';
import type { CandidateDraft } from '../../../src/discovery/discovery-lookups.js';
import type { DiscoveryConfidence, DiscoverySource } from '../../../src/index.js';

const draft = (
  host: string,
  source: DiscoverySource,
  confidence: DiscoveryConfidence,
  port = 993,
): CandidateDraft => ({
  settings: { host, port, security: port === 993 ? 'tls' : 'starttls', username: 'anna@example.com' },
  usernameForm: 'email-address',
  source,
  confidence,
  evidence: `${source} evidence`,
  provider: null,
  notes: [`${source} note`],
});

const ranked = (drafts: CandidateDraft[]) =>
  mergeCandidates(drafts).map(({ settings, source, confidence, alsoFoundBy }) => [
    `${settings.host}:${settings.port}`,
    source,
    confidence,
    alsoFoundBy.join('+'),
  ]);

describe('mergeCandidates', () => {
  it.each([
    [
      'agreeing sources raise low → medium',
      [draft('a', 'srv', 'low'), draft('a', 'mx', 'low')],
      [['a:993', 'srv', 'medium', 'mx']],
    ],
    [
      'agreeing sources raise medium → high',
      [draft('a', 'mx', 'medium'), draft('a', 'srv', 'low')],
      [['a:993', 'mx', 'high', 'srv']],
    ],
    [
      'high stays high',
      [draft('a', 'preset', 'high'), draft('a', 'srv', 'medium')],
      [['a:993', 'preset', 'high', 'srv']],
    ],
    [
      'one source twice is not agreement',
      [draft('a', 'srv', 'medium'), draft('a', 'srv', 'medium')],
      [['a:993', 'srv', 'medium', '']],
    ],
    [
      'confidence first, then source precedence',
      [
        draft('m', 'mx', 'medium'),
        draft('s', 'srv', 'medium'),
        draft('i', 'ispdb', 'high'),
        draft('w', 'well-known', 'high'),
      ],
      [
        ['w:993', 'well-known', 'high', ''],
        ['i:993', 'ispdb', 'high', ''],
        ['s:993', 'srv', 'medium', ''],
        ['m:993', 'mx', 'medium', ''],
      ],
    ],
    [
      'a source’s own order within equal rank',
      [draft('a', 'autoconfig', 'high', 143), draft('a', 'autoconfig', 'high', 993)],
      [
        ['a:143', 'autoconfig', 'high', ''],
        ['a:993', 'autoconfig', 'high', ''],
      ],
    ],
  ])('%s', (_, drafts, expected) => {
    expect(ranked(drafts)).toEqual(expected);
  });

  it('keeps every source’s notes once', () => {
    const [merged] = mergeCandidates([
      draft('a', 'srv', 'low'),
      draft('a', 'mx', 'medium'),
      draft('a', 'mx', 'medium'),
    ]);
    expect(merged?.notes).toEqual(['mx note', 'srv note']);
  });
});
