import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

export interface AlarmSpec {
  readonly metric: cloudwatch.IMetric;
  /** What is wrong, in one sentence an on-call engineer reads on a phone. */
  readonly summary: string;
  /** The heading anchor of the runbook entry in docs/operators/alarms.md. */
  readonly runbook: string;
  /** @default 1 */
  readonly threshold?: number;
  /** @default GREATER_THAN_OR_EQUAL_TO_THRESHOLD */
  readonly comparisonOperator?: cloudwatch.ComparisonOperator;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  /** @default evaluationPeriods */
  readonly datapointsToAlarm?: number;
  /** @default NOT_BREACHING: no data means nothing happened (failures are counted, not sampled) */
  readonly treatMissingData?: cloudwatch.TreatMissingData;
}

/**
 * The one way refund-gate makes an alarm (as cdk-monitoring-constructs'
 * AlarmFactory): the same description format with its runbook link, the
 * same missing-data default, and the configured action on ALARM and OK.
 */
export class AlarmFactory {
  public readonly alarms: cloudwatch.Alarm[] = [];

  public constructor(
    private readonly scope: Construct,
    private readonly options: { readonly action?: cloudwatch.IAlarmAction; readonly runbookUrl: string },
  ) {}

  public create(id: string, spec: AlarmSpec): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this.scope, id, {
      alarmDescription: `refund-gate: ${spec.summary} Runbook: ${this.options.runbookUrl}#${spec.runbook}`,
      metric: spec.metric,
      threshold: spec.threshold ?? 1,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      datapointsToAlarm: spec.datapointsToAlarm,
      comparisonOperator: spec.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: spec.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    return this.track(alarm);
  }

  /** An anomaly-detection alarm with the same description, missing-data and action conventions. */
  public createAnomaly(id: string, spec: Omit<AlarmSpec, 'threshold' | 'comparisonOperator'> & { readonly stdDevs: number }): cloudwatch.Alarm {
    const alarm = new cloudwatch.AnomalyDetectionAlarm(this.scope, id, {
      alarmDescription: `refund-gate: ${spec.summary} Runbook: ${this.options.runbookUrl}#${spec.runbook}`,
      metric: spec.metric as cloudwatch.Metric,
      stdDevs: spec.stdDevs,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
      treatMissingData: spec.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    return this.track(alarm);
  }

  private track(alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    if (this.options.action) {
      alarm.addAlarmAction(this.options.action);
      alarm.addOkAction(this.options.action);
    }
    this.alarms.push(alarm);
    return alarm;
  }
}
