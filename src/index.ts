export type {
  ImapConnectorConfig,
  ImapConnectorConfigInput,
  TlsOptions,
  TlsOptionsInput,
} from './config/config-schema.js';
export { imapConnectorConfigSchema } from './config/config-schema.js';
export type {
  DeduplicationMode,
  MailboxSelection,
  MailboxSelectionInput,
  OverridableRole,
} from './config/mailbox-selection.js';
export type { PasswordProvider, PasswordRequest } from './config/password-provider.js';
export type { UnsupportedProvider } from './config/provider-hints.js';
export type { SecurityMode } from './config/security-mode.js';
export type { ConnectionTimeouts } from './config/timeouts.js';
export { defaultTimeouts } from './config/timeouts.js';
export type {
  ConfigValidationResult,
  InvalidConfigResult,
  ValidConfigResult,
} from './config/validate-config.js';
export { validateConfig } from './config/validate-config.js';
export type {
  ConnectionTestFailure,
  ConnectionTestResult,
  ConnectionTestSuccess,
  ServerEndpoint,
} from './connection-test/connection-test-result.js';
export type { ConnectorDescription, ImapConnectorOptions, TestConnectionOptions } from './connector.js';
export { ImapConnector } from './connector.js';
export type {
  BucketGranularity,
  CalendarRangeInput,
  CountRangeInput,
  InstantRangeInput,
  RangeWarningCode,
} from './counting/count-range.js';
export { granularities, rangeLimits } from './counting/count-range.js';
export type { CountProgress, CountSignalsOptions } from './counting/count-signals.js';
export type { TransferPreference } from './counting/counting-cost.js';
export { transferPreferences } from './counting/counting-cost.js';
export type { RoleWarningCode, SkipReason } from './counting/counting-plan.js';
export type { MailboxListing } from './counting/side-listing.js';
export { mailboxListings } from './counting/side-listing.js';
export type {
  CountedMailbox,
  CountedRange,
  CountingStrategy,
  CountWarning,
  CountWarningCode,
  Deduplication,
  SignalBucket,
  SignalCounts,
} from './counting/signal-counts.js';
export type { CursorFallbackReason, MailboxSync, RescanReason } from './counting/sync-cursor.js';
export type { DiscoveryFetch, DiscoveryUrlTemplates } from './discovery/autoconfig-lookup.js';
export { defaultDiscoveryUrls } from './discovery/autoconfig-lookup.js';
export type { DiscoverSettingsOptions } from './discovery/discover-settings.js';
export {
  defaultDiscoveryOptions,
  discoverSettings,
  maximumDiscoveryTimeoutMs,
} from './discovery/discover-settings.js';
export type { DiscoveryResolver } from './discovery/discovery-lookups.js';
export type {
  DiscoveredSettings,
  DiscoveryCandidate,
  DiscoveryConfidence,
  DiscoveryInvalidEmail,
  DiscoveryLookup,
  DiscoveryResult,
  DiscoverySource,
  DiscoverySuccess,
  LookupOutcome,
  UsernameForm,
  WrongConnector,
} from './discovery/discovery-result.js';
export { discoveryConfidences, discoverySources } from './discovery/discovery-result.js';
export type { PresetServer, ProviderPreset } from './discovery/provider-presets.js';
export { providerPresets } from './discovery/provider-presets.js';
export type { CatalogEntry, CatalogMessageParameters, ErrorCode } from './errors/error-catalog.js';
export { errorCatalog, errorCodes, formatCatalogMessage, isErrorCode } from './errors/error-catalog.js';
export type {
  ConnectionPhase,
  DetectedProtocol,
  FailureDetail,
  FieldIssue,
} from './errors/failure-detail.js';
export type { ImapConnectorErrorJson, ImapConnectorErrorOptions } from './errors/imap-connector-error.js';
export { ImapConnectorError, isImapConnectorError } from './errors/imap-connector-error.js';
export type {
  ConnectionEndpoint,
  ConnectionLimiterOptions,
  ConnectionLimiterStats,
  ConnectionLimits,
  ConnectionPermit,
} from './limits/connection-limiter.js';
export { ConnectionLimiter, defaultConnectionLimits } from './limits/connection-limiter.js';
export type { ConnectorLogEntry, ConnectorLogger, LogFieldValue } from './logger.js';
export type { MailboxRole, MailboxRoleAssignment, RoleSource } from './mailboxes/role-detection.js';
export type { RetryOptions, RetryPolicy } from './retry/retry-policy.js';
export { defaultRetryPolicy } from './retry/retry-policy.js';
