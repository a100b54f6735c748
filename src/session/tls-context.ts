import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

// Building a context from Node's ~140 root certificates plus a host's own costs ~25 ms of CPU: per
// connection, that is most of the client's work when a host runs many accounts. Contexts are
// immutable, so one per distinct CA list is shared; the bound keeps a host with many self-signed
// servers (one Bridge each) from growing it without limit.
const MAX_CACHED_CONTEXTS = 64;
const contexts = new Map<string, SecureContext>();

/** TLS 1.2 is the oldest version any connection accepts (RFC 8996 deprecates 1.0 and 1.1). */
export const MIN_TLS_VERSION = 'TLSv1.2';

/**
 * The TLS context trusting the system's authorities plus `ca`, shared by every connection with the
 * same `ca`.
 *
 * @param ca - Extra trusted certificates (PEM); empty for the system's authorities only.
 * @returns The context, or `undefined` when Node's default one (system roots) applies.
 */
export function secureContextTrusting(ca: readonly string[]): SecureContext | undefined {
  if (ca.length === 0) return undefined;
  const key = ca.join('\n');
  const cached = contexts.get(key);
  if (cached) {
    // Most recently used last, so the oldest is the one evicted.
    contexts.delete(key);
    contexts.set(key, cached);
    return cached;
  }
  // Node replaces its trusted roots with `ca`; the SDK adds to them instead.
  const context = createSecureContext({ ca: [...rootCertificates, ...ca], minVersion: MIN_TLS_VERSION });
  contexts.set(key, context);
  if (contexts.size > MAX_CACHED_CONTEXTS) {
    const oldest = contexts.keys().next().value;
    if (oldest !== undefined) contexts.delete(oldest);
  }
  return context;
}
