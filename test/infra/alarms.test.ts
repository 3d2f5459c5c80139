import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RUNBOOK_ANCHORS } from '../../infra/constructs/monitoring.js';
import { METRIC, METRICS_NAMESPACE, SERVICE } from '../../shared/app/telemetry.js';
import { getAtt, ROOT, synth, type Synthesized, VARIANTS } from './support.js';

const ALARM_TOPIC = 'arn:aws:sns:us-east-1:111122223333:on-call';
type AlarmKey = keyof Synthesized['stack']['refundGate']['alarms'];

describe('alarms', () => {
  let s: Synthesized;
  const alarmOf = (t: Synthesized, key: AlarmKey) => t.template.toJSON()['Resources'][t.id(t.stack.refundGate.alarms[key])]['Properties'] as Record<string, unknown>;
  const alarm = (key: AlarmKey) => alarmOf(s, key);
  const fnRef = (name: 'ingest' | 'publisher' | 'sweeper' | 'insider') => ({ Ref: s.id(s.stack.refundGate[`${name}Function`]) });

  beforeAll(() => {
    s = synth({ eventBusName: 'orders', alarmTopicArn: ALARM_TOPIC });
  });

  it('fire on each new message in a dead-letter queue, and return to OK when none arrives (so the next one notifies again)', () => {
    const queues = { rejectedEvents: 'RejectedQueue', ingestFailures: 'IngestFailureQueue', sweepFailures: 'SweepFailureQueue' } as const;
    for (const [key, queue] of Object.entries(queues)) {
      expect(alarm(key as AlarmKey), key).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'NumberOfMessagesSent',
        Dimensions: [{ Name: 'QueueName', Value: getAtt(`RefundGate${queue}`, 'QueueName') }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('fire on each failed stream batch written to the failure bucket (S3 request metrics on the whole bucket)', () => {
    expect(alarm('streamFailures')).toMatchObject({
      Namespace: 'AWS/S3',
      MetricName: 'PutRequests',
      Dimensions: expect.arrayContaining([
        { Name: 'BucketName', Value: { Ref: 'RefundGateStreamFailureBucket' } },
        { Name: 'FilterId', Value: 'EntireBucket' },
      ]),
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    s.template.hasResourceProperties('AWS::S3::Bucket', { MetricsConfigurations: [{ Id: 'EntireBucket' }] });
  });

  it('page when the sweeper stops running: fewer than one invocation per 5 minutes for 15 minutes, missing data breaching', () => {
    expect(alarm('sweeperHeartbeat')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'FunctionName', Value: fnRef('sweeper') }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
    });
  });

  it('fire when Lambda cannot deliver a failure to its destination (every function) or drops asynchronous events (ingest, sweeper)', () => {
    for (const name of ['ingest', 'publisher', 'sweeper', 'insider'] as const) {
      expect(alarm(`${name}DestinationFailures`), name).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'DestinationDeliveryFailures',
        Dimensions: [{ Name: 'FunctionName', Value: fnRef(name) }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
    for (const name of ['ingest', 'sweeper'] as const) {
      expect(alarm(`${name}EventsDropped`), name).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'AsyncEventsDropped',
        Dimensions: [{ Name: 'FunctionName', Value: fnRef(name) }],
        Statistic: 'Sum',
        Threshold: 1,
      });
    }
  });

  it('fire when EventBridge fails to dead-letter an event of any refund-gate rule (custom bus: EventBusName and RuleName; schedule: RuleName)', () => {
    const props = alarm('ruleDeadLetterFailures');
    expect(props).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
    const metrics = props['Metrics'] as Array<{ Id: string; Expression?: string; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] } } }>;
    const stats = metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat!.Metric);
    const rule = (r: { node: { defaultChild?: unknown } }) => ({ Ref: s.id(r as never) });
    expect(stats).toEqual(
      expect.arrayContaining([
        ...Object.values(s.stack.refundGate.inboundRules).map((r) => ({
          Namespace: 'AWS/Events',
          MetricName: 'InvocationsFailedToBeSentToDlq',
          Dimensions: expect.arrayContaining([{ Name: 'EventBusName', Value: 'orders' }, { Name: 'RuleName', Value: rule(r) }]),
        })),
        { Namespace: 'AWS/Events', MetricName: 'InvocationsFailedToBeSentToDlq', Dimensions: [{ Name: 'RuleName', Value: rule(s.stack.refundGate.sweeperSchedule) }] },
      ]),
    );
    expect(stats).toHaveLength(6);
    const expression = metrics.find((m) => m.Expression)!.Expression!;
    for (const m of metrics.filter((x) => x.MetricStat)) expect(expression).toContain(`FILL(${m.Id}, 0)`);
    // On the default bus, rule metrics carry RuleName only.
    const onDefault = synth({ alarmTopicArn: ALARM_TOPIC });
    const defaultStats = (alarmOf(onDefault, 'ruleDeadLetterFailures')['Metrics'] as typeof metrics).filter((m) => m.MetricStat);
    for (const m of defaultStats) expect(m.MetricStat!.Metric.Dimensions).toHaveLength(1);
  });

  it('fire on any function error', () => {
    for (const name of ['ingest', 'publisher', 'sweeper', 'insider'] as const) {
      expect(alarm(`${name}Errors`), name).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: fnRef(name) }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('watch every function refund-gate deploys for errors, in every variant (the decision function and the carrier webhook included)', () => {
    for (const [variant, props] of Object.entries(VARIANTS)) {
      const resources = synth(props).template.toJSON()['Resources'] as Record<string, { Type: string; Properties: Record<string, unknown> }>;
      const functions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function').map(([id]) => id);
      const watched = new Set(
        Object.values(resources)
          .filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties['MetricName'] === 'Errors' && r.Properties['Namespace'] === 'AWS/Lambda')
          .flatMap((r) => (r.Properties['Dimensions'] as Array<{ Name: string; Value: { Ref?: string } }>).filter((d) => d.Name === 'FunctionName').map((d) => d.Value.Ref)),
      );
      expect(functions.length, variant).toBeGreaterThanOrEqual(6);
      expect(functions.filter((id) => !watched.has(id)), `${variant}: functions without an Errors alarm`).toEqual([]);
    }
    expect(alarm('decisionErrors')).toMatchObject({
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: s.id(s.stack.refundGate.decisionFunction) } }],
      Threshold: 1,
      AlarmActions: [ALARM_TOPIC],
    });
  });

  it('fire when a stream consumer is five minutes behind', () => {
    for (const name of ['publisher', 'insider'] as const) {
      expect(alarm(`${name}IteratorAge`), name).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Dimensions: [{ Name: 'FunctionName', Value: fnRef(name) }],
        Statistic: 'Maximum',
        Threshold: 5 * 60 * 1000,
      });
    }
  });

  it('fire when publishing, or insider detection, has failed records for three periods in a row (batch item failures are not Lambda errors)', () => {
    for (const [key, metricName] of [
      ['publishFailures', METRIC.publishFailures],
      ['insiderFailures', METRIC.insiderFailures],
      ['archiveFailures', METRIC.archiveFailures],
    ] as const) {
      expect(alarm(key), key).toMatchObject({
        Namespace: METRICS_NAMESPACE,
        MetricName: metricName,
        Dimensions: [{ Name: 'service', Value: SERVICE }],
        Statistic: 'Sum',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        Threshold: 1,
      });
    }
  });

  it('watch the hourly rate of reviews with an anomaly detection band by default', () => {
    const props = alarm('reviewRate');
    expect(props).toMatchObject({ ComparisonOperator: 'GreaterThanUpperThreshold', ThresholdMetricId: 'expr_1' });
    expect(props['Metrics']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Id: 'expr_1', Expression: 'ANOMALY_DETECTION_BAND(m0, 3)' }),
        expect.objectContaining({
          Id: 'm0',
          MetricStat: {
            Metric: { Namespace: METRICS_NAMESPACE, MetricName: METRIC.reviewsRaised, Dimensions: [{ Name: 'service', Value: SERVICE }] },
            Period: 3600,
            Stat: 'Sum',
          },
        }),
      ]),
    );
  });

  it('use a fixed hourly ceiling for reviews when one is configured', () => {
    const t = synth({ reviewsPerHourThreshold: 40 });
    expect(alarmOf(t, 'reviewRate')).toMatchObject({
      MetricName: METRIC.reviewsRaised,
      Namespace: METRICS_NAMESPACE,
      Period: 3600,
      Threshold: 40,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('all notify the alarm topic on ALARM and on OK when one is configured, and have no action otherwise', () => {
    const keys = Object.keys(s.stack.refundGate.alarms) as AlarmKey[];
    expect(keys.sort()).toEqual(Object.keys(RUNBOOK_ANCHORS).sort());
    for (const key of keys) expect(alarm(key), key).toMatchObject({ AlarmActions: [ALARM_TOPIC], OKActions: [ALARM_TOPIC] });
    const silent = synth({ eventBusName: 'orders' });
    for (const key of keys) {
      const props = alarmOf(silent, key);
      expect([props['AlarmActions'], props['OKActions']], key).toEqual([undefined, undefined]);
    }
  });

  it('link each description to its own runbook entry in docs/operators/alarms.md, and every entry exists', () => {
    const doc = readFileSync(new URL('docs/operators/alarms.md', ROOT), 'utf8');
    for (const [key, anchor] of Object.entries(RUNBOOK_ANCHORS)) {
      expect(alarm(key as AlarmKey)['AlarmDescription'], key).toMatch(new RegExp(`^refund-gate: .+ Runbook: docs/operators/alarms\\.md#${anchor}$`));
      expect(doc, `anchor ${anchor}`).toContain(`<a id="${anchor}"></a>`);
      // The index table at the top names each alarm (as the console shows it) in the row of its entry.
      const name = s.stack.refundGate.alarms[key as AlarmKey].node.id;
      const row = doc.split('\n').find((line) => line.startsWith('|') && line.includes(`\`${name}\``));
      expect(row ?? `(no row names ${name})`, `docs/operators/alarms.md: the index row of ${name}`).toContain(`(#${anchor})`);
    }
  });

  it('appear on the dashboard, next to reviews by reason', () => {
    const body = JSON.stringify(s.template.findResources('AWS::CloudWatch::Dashboard'));
    for (const a of Object.values(s.stack.refundGate.alarms)) expect(body).toContain(s.id(a));
    // The graph of reviews by reason is a SEARCH over the `reason` dimension the handlers emit (quotes are escaped twice here).
    expect(body).toMatch(new RegExp(`SEARCH\\('\\{${METRICS_NAMESPACE},reason,service\\} MetricName=\\\\+"${METRIC.reviewsRaised}\\\\+"`));
  });
});
