import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC, METRICS_NAMESPACE, SERVICE } from '../../shared/app/telemetry.js';
import { getAtt, synth, type Synthesized } from './support.js';

const ALARM_TOPIC = 'arn:aws:sns:us-east-1:111122223333:on-call';

describe('alarms', () => {
  let s: Synthesized;
  const alarm = (key: keyof Synthesized['stack']['refundGate']['alarms']) =>
    s.template.toJSON()['Resources'][s.id(s.stack.refundGate.alarms[key])]['Properties'] as Record<string, unknown>;

  beforeAll(() => {
    s = synth({ alarmTopicArn: ALARM_TOPIC });
  });

  it('fire on the first message in any dead-letter queue', () => {
    const queues = { rejectedEvents: 'RejectedQueue', ingestFailures: 'IngestFailureQueue', streamFailures: 'StreamFailureQueue', sweepFailures: 'SweepFailureQueue' } as const;
    for (const [key, queue] of Object.entries(queues)) {
      expect(alarm(key as keyof typeof queues), key).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: getAtt(`RefundGate${queue}`, 'QueueName') }],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('fire on any function error', () => {
    for (const name of ['ingest', 'publisher', 'sweeper', 'insider'] as const) {
      expect(alarm(`${name}Errors`), name).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: s.id(s.stack.refundGate[`${name}Function`]) } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('fire when a stream consumer is five minutes behind', () => {
    for (const name of ['publisher', 'insider'] as const) {
      expect(alarm(`${name}IteratorAge`), name).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: s.id(s.stack.refundGate[`${name}Function`]) } }],
        Statistic: 'Maximum',
        Threshold: 5 * 60 * 1000,
      });
    }
  });

  it('fire when publishing has failed for three periods in a row (batch item failures are not Lambda errors)', () => {
    expect(alarm('publishFailures')).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.publishFailures,
      Dimensions: [{ Name: 'service', Value: SERVICE }],
      Statistic: 'Sum',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 1,
    });
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
    t.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: METRIC.reviewsRaised,
      Namespace: METRICS_NAMESPACE,
      Period: 3600,
      Threshold: 40,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('all notify the alarm topic on ALARM and on OK', () => {
    for (const [key, a] of Object.entries(s.stack.refundGate.alarms)) {
      expect(s.template.toJSON()['Resources'][s.id(a)]['Properties'], key).toMatchObject({ AlarmActions: [ALARM_TOPIC], OKActions: [ALARM_TOPIC] });
    }
  });

  it('appear on the dashboard, next to reviews by reason', () => {
    const body = JSON.stringify(s.template.findResources('AWS::CloudWatch::Dashboard'));
    for (const a of Object.values(s.stack.refundGate.alarms)) expect(body).toContain(s.id(a));
    // The graph of reviews by reason is a SEARCH over the `reason` dimension the handlers emit (quotes are escaped twice here).
    expect(body).toMatch(new RegExp(`SEARCH\\('\\{${METRICS_NAMESPACE},reason,service\\} MetricName=\\\\+"${METRIC.reviewsRaised}\\\\+"`));
  });
});
