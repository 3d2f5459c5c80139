import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_NAMES, RefundGate, RefundGatePropsError, type FunctionName, type RefundGateProps } from '../../infra/refund-gate.js';
import { ConfigurationError, settingsFromEnv, storeOptionsFromEnv } from '../../shared/app/environment.js';
import { DEFAULT_SETTINGS, DEFAULT_SOURCES, resolveSettings, SettingsInput } from '../../shared/contract/config.js';
import { getAtt, newApp, synth, type Synthesized, CONSTRUCT_TRUST } from './support.js';

type Variables = Record<string, unknown>;

describe('the functions', () => {
  let s: Synthesized;
  const fnResource = (name: FunctionName) =>
    s.template.toJSON()['Resources'][s.id(s.stack.refundGate[`${name}Function`])]['Properties'] as Record<string, unknown>;
  const env = (name: FunctionName) => (fnResource(name)['Environment'] as { Variables: Variables }).Variables;

  beforeAll(() => {
    s = synth({ eventBusName: 'orders', settings: { skew: 'PT30M', threshold: 5, sources: { WarehouseReceipt: 'acme.wms' } } });
  });

  it('run nodejs24.x on arm64 as ESM bundles, untraced, with explicit memory, timeout and log group', () => {
    for (const name of FUNCTION_NAMES) {
      // Tracing is off (no Powertools Tracer in the handlers): no TracingConfig, and no xray:* grant (iam.test.ts).
      expect(fnResource(name)['TracingConfig'], name).toBeUndefined();
      expect(fnResource(name), name).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 256,
        LoggingConfig: { LogGroup: { Ref: `RefundGate${name[0]!.toUpperCase()}${name.slice(1)}Logs` } },
      });
      expect(fnResource(name)['Timeout'], name).toBeLessThanOrEqual(60);
    }
    s.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('get exactly the environment their handler reads', () => {
    const common = { POWERTOOLS_SERVICE_NAME: 'refund-gate', POWERTOOLS_METRICS_NAMESPACE: 'RefundGate', NODE_OPTIONS: '--enable-source-maps' };
    const table = { Ref: 'RefundGateTable' };
    expect(Object.keys(env('ingest')).sort()).toEqual([...Object.keys(common), 'TABLE_NAME', 'TABLE_RETENTION_DAYS', 'REFUND_GATE_SETTINGS', 'REJECTED_QUEUE_URL'].sort());
    expect(env('ingest')).toMatchObject({ ...common, TABLE_NAME: table, TABLE_RETENTION_DAYS: '30', REJECTED_QUEUE_URL: { Ref: 'RefundGateRejectedQueue' } });
    // The publisher gets the bus ARN (PutEvents accepts a name or an ARN), never a bare name.
    expect(env('publisher')).toEqual({
      ...common,
      REVIEW_TOPIC_ARN: { Ref: 'RefundGateReviewTopic' },
      EVENT_BUS_NAME: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':event-bus/orders']] },
    });
    expect(env('sweeper')).toEqual({ ...common, TABLE_NAME: table, TABLE_RETENTION_DAYS: '30', REFUND_GATE_SETTINGS: env('ingest')['REFUND_GATE_SETTINGS'] });
    expect(env('insider')).toEqual({ ...common, TABLE_NAME: table, TABLE_RETENTION_DAYS: '30', REFUND_GATE_SETTINGS: env('ingest')['REFUND_GATE_SETTINGS'] });
  });

  it('give every function that writes items the table retention, which the handlers read back; too short a retention is refused', () => {
    const custom = synth({ eventBusName: 'orders', tableRetentionDays: 45 });
    const variables = (name: FunctionName) =>
      (custom.template.toJSON()['Resources'][custom.id(custom.stack.refundGate[`${name}Function`])]['Properties']['Environment'] as { Variables: Record<string, string> }).Variables;
    for (const name of ['ingest', 'sweeper', 'insider'] as const) expect(storeOptionsFromEnv(variables(name)), name).toEqual({ retentionDays: 45 });
    expect(storeOptionsFromEnv({})).toEqual({});
    expect(() => storeOptionsFromEnv({ TABLE_RETENTION_DAYS: '7' })).toThrow(ConfigurationError);
    expect(() => storeOptionsFromEnv({ TABLE_RETENTION_DAYS: 'thirty' })).toThrow(ConfigurationError);
    const stack = new Stack(newApp(), 'ShortRetention');
    expect(() => new RefundGate(stack, 'R', { ...CONSTRUCT_TRUST, eventBus: events.EventBus.fromEventBusName(stack, 'B', 'orders'), tableRetentionDays: 13 })).toThrow(RefundGatePropsError);
  });

  it('are updated readers first: ingest and sweeper (which write return items) depend on publisher, insider and archiver (which read them)', () => {
    const resources = s.template.toJSON()['Resources'] as Record<string, { DependsOn?: string[] }>;
    const readers = [s.stack.refundGate.publisherFunction, s.stack.refundGate.insiderFunction, s.stack.refundGate.archiverFunction].map((f) => s.id(f));
    for (const writer of ['ingest', 'sweeper'] as const) {
      const dependsOn = resources[s.id(s.stack.refundGate[`${writer}Function`])]!.DependsOn ?? [];
      for (const reader of readers) expect(dependsOn, `${writer} → ${reader}`).toContain(reader);
    }
  });

  it('carry every setting, defaults filled in, as REFUND_GATE_SETTINGS the handlers accept', () => {
    const raw = env('ingest')['REFUND_GATE_SETTINGS'] as string;
    // Every setting of the contract's schema, defaults filled in (a setting added there shows up here unchanged).
    expect(JSON.parse(raw)).toEqual({ ...DEFAULT_SETTINGS, sources: { ...DEFAULT_SOURCES, WarehouseReceipt: 'acme.wms' }, skew: 'PT30M', threshold: 5 });
    for (const key of Object.keys(JSON.parse(raw))) expect(Object.keys(SettingsInput.shape), key).toContain(key);
    // The handlers' own reader, as at a cold start.
    expect(settingsFromEnv({ REFUND_GATE_SETTINGS: raw })).toEqual(
      resolveSettings({ skew: 'PT30M', threshold: 5, sources: { WarehouseReceipt: 'acme.wms' } }),
    );
  });

  it('consume the table stream (publisher and insider) with bisect, bounded retries and age, partial batch responses and the S3 failure bucket', () => {
    for (const name of ['publisher', 'insider'] as const) {
      s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: s.id(s.stack.refundGate[`${name}Function`]) },
        EventSourceArn: getAtt('RefundGateTable', 'StreamArn'),
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 10,
        MaximumRecordAgeInSeconds: 6 * 3600,
        ParallelizationFactor: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: getAtt('RefundGateStreamFailureBucket', 'Arn') } },
      });
    }
    // Ingest and sweeper are not stream consumers.
    for (const name of ['ingest', 'sweeper'] as const) {
      expect(s.template.findResources('AWS::Lambda::EventSourceMapping', { Properties: { FunctionName: { Ref: s.id(s.stack.refundGate[`${name}Function`]) } } })).toEqual({});
    }
  });

  it('reserve one concurrent execution for the sweeper (an inbound flood cannot starve the timers) and cap nothing else by default', () => {
    expect(fnResource('sweeper')['ReservedConcurrentExecutions']).toBe(1);
    for (const name of ['ingest', 'publisher', 'insider'] as const) expect(fnResource(name)['ReservedConcurrentExecutions'], name).toBeUndefined();
    const t = synth({ sweeperReservedConcurrency: 0, ingestReservedConcurrency: 50 });
    const props = (name: FunctionName) => t.template.toJSON()['Resources'][t.id(t.stack.refundGate[`${name}Function`])]['Properties'] as Record<string, unknown>;
    expect(props('sweeper')['ReservedConcurrentExecutions']).toBeUndefined();
    expect(props('ingest')['ReservedConcurrentExecutions']).toBe(50);
  });

  it('take per-consumer stream options (filter criteria, batching window) through one seam, keeping the failure guarantees', () => {
    const t = synth({ streamConsumers: { insider: { maxBatchingWindow: Duration.seconds(5), batchSize: 10 } } });
    t.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: t.id(t.stack.refundGate.insiderFunction) },
      MaximumBatchingWindowInSeconds: 5,
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: getAtt('RefundGateStreamFailureBucket', 'Arn') } },
    });
    t.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionName: { Ref: t.id(t.stack.refundGate.publisherFunction) }, BatchSize: 100 });
  });

  it('keep functions without asynchronous callers free of an invoke config (failures go through the stream mapping)', () => {
    for (const name of ['publisher', 'insider'] as const) {
      s.template.resourcePropertiesCountIs('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: s.id(s.stack.refundGate[`${name}Function`]) } }, 0);
    }
  });
});

describe('settings validation at synth time', () => {
  const build = (props: Omit<RefundGateProps, 'eventBus'>) => () => {
    const stack = new Stack(newApp(), 'Invalid');
    new RefundGate(stack, 'RefundGate', { ...CONSTRUCT_TRUST, eventBus: events.EventBus.fromEventBusName(stack, 'Bus', 'default'), ...props });
  };

  it.each([
    ['a threshold below 1', { threshold: 0 }],
    ['a fractional threshold', { threshold: 2.5 }],
    ['an empty source', { sources: { CarrierScan: '' } }],
    ["refund-gate's own outbound source as an inbound source", { sources: { ReviewDecided: 'refund-gate' } }],
    ['an unknown setting', { skw: 'PT1M' }],
    ['a duration that is not ISO 8601', { skew: '15m' }],
  ])('rejects %s', (_what, settings) => {
    expect(build({ settings: settings as RefundGateProps['settings'] })).toThrow(RefundGatePropsError);
  });

  it('names the offending setting', () => {
    expect(build({ settings: { threshold: 0 } })).toThrow(/threshold/);
  });

  it('accepts durations of days, hours, minutes and seconds', () => {
    expect(build({ settings: { skew: 'PT90S', grace: 'PT5M', maxHold: 'P30D', flagFor: 'PT36H' } })).not.toThrow();
  });

  it.each([
    ['a negative sweeper reservation', { sweeperReservedConcurrency: -1 }],
    ['a fractional ingest ceiling', { ingestReservedConcurrency: 2.5 }],
    ['a review ceiling of zero', { reviewsPerHourThreshold: 0 }],
  ])('rejects %s', (_what, props) => {
    expect(build(props)).toThrow(RefundGatePropsError);
  });
});
