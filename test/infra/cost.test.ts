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
