import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_NAMES } from '../../infra/constructs/function.js';
import { STREAM_BATCHING_WINDOW_SECONDS, STREAM_FILTERS } from '../../shared/routing.js';
import { synth, type Synthesized } from './support.js';

describe('cost controls in the template', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth();
  });

  it('filters each stream consumer on its marker, with the routing table the local runtime applies, and a bounded batching window', () => {
    for (const name of ['publisher', 'insider'] as const) {
      const mappings = Object.values(s.template.findResources('AWS::Lambda::EventSourceMapping', { Properties: { FunctionName: { Ref: s.id(s.stack.refundGate[`${name}Function`]) } } }));
      expect(mappings).toHaveLength(1);
      const props = mappings[0]!['Properties'];
      expect(props['FilterCriteria']['Filters'].map((f: { Pattern: string }) => JSON.parse(f.Pattern))).toEqual(STREAM_FILTERS[name]);
      expect(props['MaximumBatchingWindowInSeconds']).toBe(STREAM_BATCHING_WINDOW_SECONDS[name]);
      // The failure guarantees stay.
      expect(props['FunctionResponseTypes']).toEqual(['ReportBatchItemFailures']);
    }
    expect(STREAM_BATCHING_WINDOW_SECONDS.publisher).toBeLessThanOrEqual(5);
  });

  it('writes JSON logs with the platform lines (START/END/REPORT, INFO) switched off and application logs at INFO', () => {
    for (const name of FUNCTION_NAMES) {
      const fn = s.template.toJSON()['Resources'][s.id(s.stack.refundGate[`${name}Function`])]['Properties'];
      expect(fn['LoggingConfig'], name).toMatchObject({ LogFormat: 'JSON', SystemLogLevel: 'WARN', ApplicationLogLevel: 'INFO' });
      expect(fn['TracingConfig']?.['Mode'] ?? 'PassThrough', name).toBe('PassThrough');
    }
  });

  it('drops only the valid scan statuses no rule reads at the CarrierScan rule', () => {
    const rule = s.template.toJSON()['Resources'][s.id(s.stack.refundGate.inboundRules.CarrierScan)]['Properties'];
    expect(rule['EventPattern']['detail']['$or']).toEqual([
      { status: [{ 'anything-but': ['LABEL_CREATED', 'PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'EXCEPTION', 'RETURNED_TO_SENDER'] }] },
      { status: [{ exists: false }] },
    ]);
  });
});

describe('evidence archive', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth();
  });

  it('keeps closed returns in an encrypted, versioned, locked bucket that moves objects over 128 KB to Glacier Instant Retrieval', () => {
    const bucket = s.template.toJSON()['Resources'][s.id(s.stack.refundGate.evidenceArchiveBucket)]['Properties'];
    expect(bucket['VersioningConfiguration']).toEqual({ Status: 'Enabled' });
    expect(bucket['ObjectLockEnabled']).toBe(true);
    expect(bucket['ObjectLockConfiguration']).toEqual({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 730 } } });
    expect(bucket['BucketEncryption']['ServerSideEncryptionConfiguration'][0]['ServerSideEncryptionByDefault']['SSEAlgorithm']).toBe('AES256');
    expect(bucket['PublicAccessBlockConfiguration']).toMatchObject({ BlockPublicAcls: true, RestrictPublicBuckets: true });
    const [all, large] = bucket['LifecycleConfiguration']['Rules'];
    expect(all['ExpirationInDays']).toBe(760);
    expect(all['Transitions']).toBeUndefined();
    // Below Glacier IR's 128 KB minimum billable size an object stays in S3 Standard (cheaper, no transition fee).
    expect(large).toMatchObject({ ObjectSizeGreaterThan: '131072', Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 30 }] });
  });

  it('feeds the archiver from the stream, closed returns only, in large batches', () => {
    const mappings = Object.values(s.template.findResources('AWS::Lambda::EventSourceMapping')).map((m) => m['Properties']);
    const archiver = mappings.find((p) => JSON.stringify(p['FilterCriteria'] ?? {}).includes('RELEASED'));
    expect(archiver).toBeDefined();
    expect(archiver!['FilterCriteria']['Filters'].map((f: { Pattern: string }) => JSON.parse(f.Pattern))).toEqual(STREAM_FILTERS.archiver);
    expect(archiver).toMatchObject({ BatchSize: 1000, MaximumBatchingWindowInSeconds: 300, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });
});
