import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createRefundGateFunction } from './function.js';
import { WEBHOOK_METRIC } from '../../functions/webhook/app.js';
import { WEBHOOK_ENV } from '../../functions/webhook/env.js';
import { METRICS_NAMESPACE, SERVICE } from '../../shared/app/telemetry.js';
import { FacilityMap, type FacilityMapInput } from '../../shared/carriers/facilities.js';
import { PROVIDER_NAMES, type ProviderName } from '../../shared/carriers/provider.js';
import { DEFAULT_MAX_BODY_BYTES } from '../../shared/carriers/receiver.js';
import { PLACEHOLDER_KEY } from '../../shared/carriers/secrets.js';
import { DEFAULT_SOURCES } from '../../shared/contract/config.js';
import { RefundGateError } from '../../shared/errors.js';


/** A prop of {@link CarrierWebhooks} is invalid; thrown at synth time. */
export class CarrierWebhooksPropsError extends RefundGateError {
  public constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'CarrierWebhooksPropsError';
  }
}

/** Lambda limits the whole environment to 4 KB; the facility map travels in it. */
const MAX_FACILITY_MAP_BYTES = 3 * 1024;

export interface CarrierWebhooksProps {
  /** The bus refund-gate's CarrierScan rule listens on (the same bus as {@link RefundGate}). */
  readonly eventBus: events.IEventBus;

  /**
   * The CarrierScan source the scans are put with: refund-gate's configured
   * CarrierScan source, or its rule never matches them.
   *
   * @default 'retail.carrier'
   */
  readonly source?: string;

  /**
   * Each warehouse and the delivery addresses carriers report for it
   * (docs/producers/carriers.md, "Facility map"). Validated at synth time.
   * A DELIVERED scan anywhere else keeps the carrier's location.
   */
  readonly facilities: FacilityMapInput;

  /**
   * The most webhook requests handled at once (reserved concurrency). More
   * are answered 429 by Lambda and the providers retry them later; it also
   * caps what a flood of unsigned requests can cost.
   *
   * @default 10
   */
  readonly reservedConcurrency?: number;

  /** @default 1 MiB */
  readonly maxBodyBytes?: number;

  /** Where every alarm sends its ALARM and OK notifications. @default - alarms without actions */
  readonly alarmAction?: cloudwatch.IAlarmAction;

  /** @default logs.RetentionDays.THREE_MONTHS (as the rest of refund-gate) */
  readonly logRetention?: logs.RetentionDays;

  /** For the secrets, the dead-letter queue and the log group. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * This many refused (4xx) requests in 5 minutes alarm: probing, or a
   * secret that no longer matches after a rotation.
   *
   * @default 25
   */
  readonly refusedPerFiveMinutes?: number;
}

/** The alarms {@link CarrierWebhooks} creates; docs/producers/carriers.md says what each means. */
export interface CarrierWebhooksAlarms {
  readonly deadLettered: cloudwatch.Alarm;
  readonly errors: cloudwatch.Alarm;
  readonly throttles: cloudwatch.Alarm;
  readonly putFailures: cloudwatch.Alarm;
  readonly refused: cloudwatch.Alarm;
  readonly secretMissing: cloudwatch.Alarm;
}

/**
 * Carrier webhooks in AWS: one Lambda behind a Function URL (auth NONE: the
 * providers cannot sign AWS requests; every request is authenticated by its
 * provider's HMAC signature instead) serving `/webhooks/easypost` and
 * `/webhooks/aftership`, one Secrets Manager secret per provider (created
 * holding a placeholder: the webhook answers 503 until an operator puts the
 * provider's secret in), PutEvents on the bus allowed only with the carrier
 * source and the CarrierScan detail-type, a dead-letter queue for scans that
 * could not be put, and alarms.
 *
 * Why a Function URL and not an HTTP API: nothing to route beyond a path,
 * the raw body reaches the function unchanged (base64 for binary), no extra
 * per-request cost, and throttling by reserved concurrency bounds both load
 * and cost; an HTTP API would add stage throttling but no check the signature
 * does not already make.
 */
export class CarrierWebhooks extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly functionUrl: lambda.FunctionUrl;
  /** The webhook secret of each provider, by provider name. */
  public readonly secrets: Readonly<Record<ProviderName, secretsmanager.Secret>>;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly alarms: CarrierWebhooksAlarms;

  public constructor(scope: Construct, id: string, props: CarrierWebhooksProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const source = props.source ?? DEFAULT_SOURCES.CarrierScan;
    const facilitiesJson = validFacilities(props.facilities);
    const reservedConcurrency = props.reservedConcurrency ?? 10;
    if (!Number.isInteger(reservedConcurrency) || reservedConcurrency < 1) throw new CarrierWebhooksPropsError('CarrierWebhooks: reservedConcurrency must be a whole number ≥ 1');

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    for (const rule of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
      Validations.of(this.deadLetterQueue).acknowledge({
        id: rule,
        reason: 'This queue is itself the dead-letter queue of carrier scans that could not be put on the bus; an operator puts them again (docs/producers/carriers.md).',
      });
    }

    const secrets = {} as Record<ProviderName, secretsmanager.Secret>;
    for (const provider of PROVIDER_NAMES) {
      const secret = new secretsmanager.Secret(this, `${title(provider)}Secret`, {
        description: `refund-gate: the ${provider} webhook secret. Created holding a placeholder; put the provider's secret in (docs/producers/carriers.md).`,
        // A placeholder nobody knows, marked as such: the webhook answers 503 (retry later) until it is replaced.
        generateSecretString: { secretStringTemplate: JSON.stringify({ [PLACEHOLDER_KEY]: true }), generateStringKey: 'value', excludePunctuation: true },
        removalPolicy,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: `The ${provider} webhook secret is shared with ${provider}, which cannot take part in a Secrets Manager rotation Lambda; it is rotated by the documented two-step procedure (AWSPREVIOUS stays valid meanwhile).`,
      });
      secrets[provider] = secret;
    }
    this.secrets = secrets;

    // The same function shape as refund-gate's own (runtime, bundling, lean JSON logs, tracing off, own role and log group).
    this.function = createRefundGateFunction(
      this,
      'webhook',
      { removalPolicy, logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS, pin: () => {} },
      {
        description: 'refund-gate: carrier webhooks (EasyPost, AfterShip) → CarrierScan events',
        timeout: Duration.seconds(15),
        reservedConcurrentExecutions: reservedConcurrency,
        environment: {
          [WEBHOOK_ENV.eventBusName]: props.eventBus.eventBusName,
          [WEBHOOK_ENV.source]: source,
          [WEBHOOK_ENV.facilities]: facilitiesJson,
          [WEBHOOK_ENV.maxBodyBytes]: String(props.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES),
          [WEBHOOK_ENV.easypostSecretArn]: secrets.easypost.secretArn,
          [WEBHOOK_ENV.aftershipSecretArn]: secrets.aftership.secretArn,
          [WEBHOOK_ENV.deadLetterQueueUrl]: this.deadLetterQueue.queueUrl,
        },
      },
    );
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaTracing',
      reason: 'Tracing is off on purpose, as for every refund-gate function: the handler does not use the Powertools Tracer, so X-Ray would only show Lambda start/end segments; logs, metrics and the alarms carry the diagnosis.',
    });
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Invoked synchronously through its Function URL only (the provider retries on 5xx); scans that cannot be put on the bus go to this construct\'s own dead-letter queue.',
    });

    // Only CarrierScans with the carrier source: a leaked webhook function cannot put receipts or refunds.
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [props.eventBus.eventBusArn],
        conditions: { StringEquals: { 'events:source': [source], 'events:detail-type': ['CarrierScan'] } },
      }),
    );
    for (const secret of Object.values(secrets)) {
      this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }));
    }
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));

    this.functionUrl = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE, invokeMode: lambda.InvokeMode.BUFFERED });

    this.alarms = this.createAlarms(props);
    if (props.alarmAction) {
      for (const alarm of Object.values(this.alarms)) {
        alarm.addAlarmAction(props.alarmAction);
        alarm.addOkAction(props.alarmAction);
      }
    }
  }

  /** The URL to register with a provider (`<function URL>webhooks/<provider>`). */
  public endpointFor(provider: ProviderName): string {
    return `${this.functionUrl.url}webhooks/${provider}`;
  }

  private createAlarms(props: CarrierWebhooksProps): CarrierWebhooksAlarms {
    const fiveMinutes = Duration.minutes(5);
    const metric = (metricName: string) =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: SERVICE }, statistic: cloudwatch.Stats.SUM, period: fiveMinutes });
    const alarm = (id: string, what: string, m: cloudwatch.IMetric, threshold = 1) =>
      new cloudwatch.Alarm(this, id, {
        alarmDescription: `refund-gate carrier webhooks: ${what}. See docs/producers/carriers.md "Alarms".`,
        metric: m,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    return {
      deadLettered: alarm(
        'DeadLetteredAlarm',
        'carrier scans could not be put on the bus and were dead-lettered',
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }),
      ),
      errors: alarm('ErrorsAlarm', 'the webhook function failed (Errors ≥ 1 in 5 minutes)', this.function.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM })),
      throttles: alarm('ThrottlesAlarm', 'webhook requests were throttled (reserved concurrency reached); providers retry them', this.function.metricThrottles({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM })),
      putFailures: alarm('PutFailuresAlarm', 'scans could not be put on the bus (answered 503; the provider re-sends)', metric(WEBHOOK_METRIC.putFailures)),
      refused: alarm('RefusedAlarm', 'many webhook requests were refused (bad signatures: probing, or a secret out of step after a rotation)', metric(WEBHOOK_METRIC.refused), props.refusedPerFiveMinutes ?? 25),
      secretMissing: alarm('SecretMissingAlarm', 'a provider sends webhooks but its secret is still the placeholder', metric(WEBHOOK_METRIC.notConfigured)),
    };
  }
}

function validFacilities(input: FacilityMapInput): string {
  try {
    FacilityMap.parse(input);
  } catch (cause) {
    throw new CarrierWebhooksPropsError(`CarrierWebhooks: ${(cause as Error).message}`, { cause });
  }
  const json = JSON.stringify(input);
  if (Buffer.byteLength(json) > MAX_FACILITY_MAP_BYTES) {
    throw new CarrierWebhooksPropsError(`CarrierWebhooks: the facility map is ${Buffer.byteLength(json)} bytes of JSON; at most ${MAX_FACILITY_MAP_BYTES} fit in the function's environment`);
  }
  return json;
}

function title(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
