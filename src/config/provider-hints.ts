/**
 * Providers whose IMAP service cannot be used with an app-specific password through this connector,
 * recognised from the host or the username's domain.
 */
export type UnsupportedProvider = 'microsoft' | 'google';

// Personal Outlook.com/Hotmail IMAP accepts only OAuth2 since 2024-09-16, and Exchange Online turned
// basic authentication off for IMAP in 2022.
const MICROSOFT_HOSTS = /(^|\.)(outlook\.office365\.com|outlook\.com|office365\.com|hotmail\.com|live\.com)$/;
const MICROSOFT_MAIL_DOMAINS = /^(outlook|hotmail|live|msn|passport)\.[a-z.]+$/;
const GOOGLE_HOSTS = /(^|\.)(gmail\.com|googlemail\.com)$/;
const GOOGLE_MAIL_DOMAINS = /^(gmail|googlemail)\.com$/;

/**
 * Tells whether the account belongs to a provider that has its own integration in the product.
 *
 * @param host - The normalized IMAP host.
 * @param username - The username as entered.
 * @returns The provider, or `undefined` for any other server.
 */
export function unsupportedProviderOf(host: string, username: string): UnsupportedProvider | undefined {
  const domain = username.includes('@') ? (username.split('@').pop() ?? '').toLowerCase() : '';
  if (MICROSOFT_HOSTS.test(host) || MICROSOFT_MAIL_DOMAINS.test(domain)) return 'microsoft';
  if (GOOGLE_HOSTS.test(host) || GOOGLE_MAIL_DOMAINS.test(domain)) return 'google';
  return undefined;
}
