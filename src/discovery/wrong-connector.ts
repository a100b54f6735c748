// The answer for mail hosted by Google or Microsoft: this connector is the wrong one, and why.
import type { UnsupportedProvider } from '../config/provider-hints.js';
import type { DiscoverySource, WrongConnector } from './discovery-result.js';

const EXPLANATIONS: Readonly<Record<UnsupportedProvider, { message: string; fix: string }>> = {
  google: {
    message:
      'This mail is hosted by Google (Gmail or Google Workspace). Google signs IMAP clients in with OAuth; passwords work only as app passwords with 2-Step Verification, which Workspace admins can block and Google is phasing out.',
    fix: 'Use the Gmail integration instead of the IMAP connector.',
  },
  microsoft: {
    message:
      'This mail is hosted by Microsoft (Outlook.com or Microsoft 365). Microsoft accepts only OAuth sign-in for IMAP: basic authentication is off in Microsoft 365 since 2022 and for Outlook.com since September 2024, so no password or app password can work.',
    fix: 'Use the Microsoft 365 integration instead of the IMAP connector.',
  },
};

/**
 * Builds the {@link WrongConnector} answer.
 *
 * @param provider - Google or Microsoft.
 * @param source - What showed it.
 * @param evidence - The domain, MX host or server name that showed it.
 * @returns The answer, with the reason and what to do.
 */
export function wrongConnectorOf(
  provider: UnsupportedProvider,
  source: DiscoverySource,
  evidence: string,
): WrongConnector {
  return { provider, source, evidence, ...EXPLANATIONS[provider] };
}
