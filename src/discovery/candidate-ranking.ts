// How candidates from several sources become one ranked list: merged when they agree, best first.
import type { CandidateDraft } from './discovery-lookups.js';
import {
  type DiscoveryCandidate,
  type DiscoveryConfidence,
  type DiscoverySource,
  discoveryConfidences,
  discoverySources,
  type WrongConnector,
} from './discovery-result.js';

/**
 * Merges drafts that name the same host, port, security and username, and orders the result: by
 * confidence, then source precedence, then the order the source gave. Two different sources agreeing
 * raise the confidence one step (a DNS answer confirmed by the provider's own file is worth more).
 *
 * @param drafts - Every source's candidates, in the order the sources were started.
 * @returns The merged candidates, best first.
 */
export function mergeCandidates(drafts: readonly CandidateDraft[]): DiscoveryCandidate[] {
  const groups = new Map<string, CandidateDraft[]>();
  for (const draft of drafts) {
    const { host, port, security, username } = draft.settings;
    const key = JSON.stringify([host, port, security, username]);
    groups.set(key, [...(groups.get(key) ?? []), draft]);
  }
  const merged = [...groups.values()].map((group, order) => {
    const ranked = [...group].sort(byRank);
    const best = ranked[0] as CandidateDraft;
    const sources = [...new Set(ranked.map((draft) => draft.source))];
    const bestConfidence = confidenceRank(best.confidence);
    const confidence = sources.length > 1 ? raise(bestConfidence) : best.confidence;
    const candidate: DiscoveryCandidate = {
      ...best,
      confidence,
      alsoFoundBy: sources.filter((source) => source !== best.source),
      provider: ranked.find((draft) => draft.provider !== null)?.provider ?? null,
      notes: [...new Set(ranked.flatMap((draft) => draft.notes))],
    };
    return { candidate, order };
  });
  return merged
    .sort((a, b) => byRank(a.candidate, b.candidate) || a.order - b.order)
    .map(({ candidate }) => candidate);
}

function byRank(a: CandidateDraft, b: CandidateDraft): number {
  return (
    confidenceRank(a.confidence) - confidenceRank(b.confidence) || precedence(a.source) - precedence(b.source)
  );
}

function confidenceRank(confidence: DiscoveryConfidence): number {
  return discoveryConfidences.indexOf(confidence);
}

function raise(rank: number): DiscoveryConfidence {
  return discoveryConfidences[Math.max(0, rank - 1)] ?? 'high';
}

function precedence(source: DiscoverySource): number {
  return discoverySources.indexOf(source);
}

/**
 * The wrong-connector answer of the highest-precedence source that gave one.
 *
 * @param answers - Each source's answer or `null`.
 * @returns The answer to show, or `null`.
 */
export function firstByPrecedence(answers: readonly (WrongConnector | null)[]): WrongConnector | null {
  return (
    answers
      .filter((answer) => answer !== null)
      .sort((a, b) => precedence(a.source) - precedence(b.source))[0] ?? null
  );
}
