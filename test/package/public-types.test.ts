/**
 * Type tests for the public results: `tsc -p tsconfig.test.json` (npm run typecheck) checks every
 * `expectTypeOf` below; at run time they are no-ops, and the runtime assertions beside them check the
 * values the types describe.
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  type BucketGranularity,
  type ConfigValidationResult,
  type ConnectionTestFailure,
  type ConnectionTestResult,
  type ConnectionTestSuccess,
  type ConnectorLogEntry,
  type ConnectorLogger,
  type ErrorCode,
  granularities,
  type ImapConnectorConfig,
  type ImapConnectorError,
  type ImapConnectorErrorJson,
  isImapConnectorError,
  type SignalBucket,
  type SignalCounts,
} from '../../src/index.js';

describe('public result types', () => {
  it('testConnection results narrow on ok', () => {
    expectTypeOf<Extract<ConnectionTestResult, { ok: true }>>().toEqualTypeOf<ConnectionTestSuccess>();
    expectTypeOf<Extract<ConnectionTestResult, { ok: false }>>().toEqualTypeOf<ConnectionTestFailure>();
    expectTypeOf<ConnectionTestFailure['code']>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<ConnectionTestFailure['httpStatus']>().toEqualTypeOf<number>();
    expectTypeOf<ConnectionTestSuccess['authenticatedAs']>().toEqualTypeOf<string>();
    // A failure carries exactly the error's JSON fields (but its name), plus ok, warnings and elapsedMs.
    expectTypeOf<Omit<ConnectionTestFailure, 'ok' | 'warnings' | 'elapsedMs'>>().toEqualTypeOf<
      Omit<ImapConnectorErrorJson, 'name'>
    >();
  });

  it('validateConfig results narrow on ok', () => {
    expectTypeOf<
      Extract<ConfigValidationResult, { ok: true }>['config']
    >().toEqualTypeOf<ImapConnectorConfig>();
  });

  it('counts are plain JSON: numbers and ISO strings, no Date', () => {
    expectTypeOf<SignalCounts['sent']>().toEqualTypeOf<number>();
    expectTypeOf<SignalCounts['buckets']>().toEqualTypeOf<readonly SignalBucket[]>();
    expectTypeOf<SignalBucket['start']>().toEqualTypeOf<string>();
    expectTypeOf<SignalCounts['granularity']>().toEqualTypeOf<BucketGranularity | null>();
  });

  it('granularities is the runtime list of BucketGranularity', () => {
    expectTypeOf(granularities).toEqualTypeOf<readonly ['day', 'week', 'month']>();
    expectTypeOf<(typeof granularities)[number]>().toEqualTypeOf<BucketGranularity>();
  });

  it('errors: a literal name, and a guard that narrows', () => {
    expectTypeOf<ImapConnectorError['name']>().toEqualTypeOf<'ImapConnectorError'>();
    expectTypeOf<ImapConnectorErrorJson['name']>().toEqualTypeOf<'ImapConnectorError'>();
    expectTypeOf(isImapConnectorError).guards.toEqualTypeOf<ImapConnectorError>();
    expectTypeOf<ReturnType<ImapConnectorError['toJSON']>>().toEqualTypeOf<ImapConnectorErrorJson>();
  });

  it('logger entries are typed', () => {
    expectTypeOf<Parameters<ConnectorLogger['warn']>[0]>().toEqualTypeOf<ConnectorLogEntry>();
    expectTypeOf<ConnectorLogEntry['component']>().toEqualTypeOf<'imap-connector'>();
    expectTypeOf<ConnectorLogEntry['msg']>().toEqualTypeOf<string>();
  });
});
