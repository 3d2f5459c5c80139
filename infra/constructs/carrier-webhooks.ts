import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
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
import { AlarmFactory, DEFAULT_RUNBOOK } from './monitoring.js';
import { WEBHOOK_METRIC } from '../../functions/webhook/app.js';
import { SECRET_ARN_ENV, WEBHOOK_ENV } from '../../functions/webhook/env.js';
import { METRICS_NAMESPACE, SERVICE } from '../../shared/app/telemetry.js';
import { FacilityMap, type FacilityMapInput } from '../../shared/carriers/facilities.js';
import { PROVIDER_NAMES, type ProviderName } from '../../shared/carriers/provider.js';
import { DEFAULT_MAX_BODY_BYTES } from '../../shared/carriers/receiver.js';
import { DEFAULT_PREVIOUS_SECRET_WINDOW_MS, PLACEHOLDER_KEY } from '../../shared/carriers/secrets.js';
import { DEFAULT_SHIPPO_REPLAY_WINDOW_MS } from '../../shared/carriers/shippo.js';
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

  /** Where every alarm sends its ALARM and OK notifications (when no `alarmFactory` is given). @default - alarms without actions */
  readonly alarmAction?: cloudwatch.IAlarmAction;

  /** refund-gate's one alarm factory (same description format, runbook links and actions). @default - a factory of its own with `alarmAction` */
  readonly alarmFactory?: AlarmFactory;

  /** Accept provider test-mode events (EasyPost `mode: "test"`, Shippo `test: true`, UPS CIE test numbers). @default false */
  readonly allowTestMode?: boolean;

  /** How far Shippo's signed `t` may be from the function's clock. @default 5 minutes */
  readonly replayWindow?: Duration;

  /** How long after a rotation the previous secret (AWSPREVIOUS) is still accepted. @default 24 hours */
  readonly previousSecretWindow?: Duration;

  /**
   * Alarm when no UPS webhook has been accepted for `after` while returns
   * are active: some of the `returnRules` (ReturnAuthorized, WarehouseReceipt
   * rules on `eventBusName`) matched events in that time. Track Alert
   * subscriptions last 14 days; silence usually means they were not renewed.
   * From 1 hour to 7 days, in whole hours.
   *
   * @default - no silence alarm (set it when UPS Track Alert is registered)
   */
  readonly upsSilence?: { readonly after: Duration; readonly returnRules: readonly events.IRule[]; readonly eventBusName: string };

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
  /** Only with `upsSilence`. */
  readonly upsSilence?: cloudwatch.Alarm;
}

/** The runbook anchor of each carrier alarm (headings in docs/operators/alarms.md). */
export const CARRIER_RUNBOOK_ANCHORS = {
  deadLettered: 'carrier-scans-dead-lettered',
  errors: 'function-errors',
  throttles: 'carrier-webhook-throttles',
  putFailures: 'carrier-scan-put-failures',
  refused: 'carrier-webhooks-refused',
  secretMissing: 'carrier-webhook-secret-missing',
  upsSilence: 'ups-silence',
} as const satisfies Record<keyof CarrierWebhooksAlarms, string>;

/**
 * Carrier webhooks in AWS: one Lambda behind a Function URL (auth NONE: the
 * providers cannot sign AWS requests; every request is authenticated by its
 * provider's HMAC signature, or UPS's subscription credential, instead)
 * serving `/webhooks/<provider>` (easypost, aftership, ups, shippo), one
 * Secrets Manager secret per provider (created
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
    const settings = checkedSettings(props);
    this.deadLetterQueue = this.createDeadLetterQueue(settings.removalPolicy);
    this.secrets = this.createSecrets(settings.removalPolicy);
    this.function = this.createFunction(props, settings);
    this.grantFunction(props.eventBus, settings.source);
    this.functionUrl = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE, invokeMode: lambda.InvokeMode.BUFFERED });
    this.alarms = this.createAlarms(props, props.alarmFactory ?? new AlarmFactory(this, { action: props.alarmAction, runbookUrl: DEFAULT_RUNBOOK }));
  }

  /** Scans that could not be put on the bus, kept for an operator to put again. */
  private createDeadLetterQueue(removalPolicy: RemovalPolicy): sqs.Queue {
    const queue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    for (const rule of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
      Validations.of(queue).acknowledge({
        id: rule,
        reason: 'This queue is itself the dead-letter queue of carrier scans that could not be put on the bus; an operator puts them again (docs/producers/carriers.md).',
      });
    }
    return queue;
  }

  /** One secret per provider, created holding a placeholder. */
  private createSecrets(removalPolicy: RemovalPolicy): Record<ProviderName, secretsmanager.Secret> {
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
        reason: `The ${provider} webhook secret is shared with ${provider}, which cannot take part in a Secrets Manager rotation Lambda; it is rotated by the documented two-step procedure (AWSPREVIOUS stays valid for a bounded window only).`,
      });
      secrets[provider] = secret;
    }
    return secrets;
  }

  /** The same function shape as refund-gate's own (runtime, bundling, lean JSON logs, tracing off, own role and log group). */
  private createFunction(props: CarrierWebhooksProps, settings: WebhookSettings): nodejs.NodejsFunction {
    const fn = createRefundGateFunction(
      this,
      'webhook',
      { removalPolicy: settings.removalPolicy, logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS, pin: () => {} },
      {
        description: 'refund-gate: carrier webhooks (EasyPost, AfterShip, UPS, Shippo) → CarrierScan events',
        timeout: Duration.seconds(15),
        reservedConcurrentExecutions: settings.reservedConcurrency,
        environment: {
          [WEBHOOK_ENV.eventBusName]: props.eventBus.eventBusName,
          [WEBHOOK_ENV.source]: settings.source,
          [WEBHOOK_ENV.facilities]: settings.facilitiesJson,
          [WEBHOOK_ENV.maxBodyBytes]: String(props.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES),
          ...Object.fromEntries(PROVIDER_NAMES.map((p) => [SECRET_ARN_ENV[p], this.secrets[p].secretArn])),
          [WEBHOOK_ENV.deadLetterQueueUrl]: this.deadLetterQueue.queueUrl,
          [WEBHOOK_ENV.allowTestMode]: String(props.allowTestMode === true),
          [WEBHOOK_ENV.replayWindowSeconds]: String(settings.replaySeconds),
          [WEBHOOK_ENV.previousSecretSeconds]: String(settings.previousSeconds),
        },
      },
    );
    Validations.of(fn).acknowledge({
      id: 'Serverless-LambdaTracing',
      reason: 'Tracing is off on purpose, as for every refund-gate function: the handler does not use the Powertools Tracer, so X-Ray would only show Lambda start/end segments; logs, metrics and the alarms carry the diagnosis.',
    });
    Validations.of(fn).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Invoked synchronously through its Function URL only (the provider retries on 5xx); scans that cannot be put on the bus go to this construct\'s own dead-letter queue.',
    });
    return fn;
  }

  /** Only CarrierScans with the carrier source: a leaked webhook function cannot put receipts or refunds. It reads the secrets and dead-letters. */
  private grantFunction(eventBus: events.IEventBus, source: string): void {
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [eventBus.eventBusArn],
        conditions: { StringEquals: { 'events:source': [source], 'events:detail-type': ['CarrierScan'] } },
      }),
    );
    for (const secret of Object.values(this.secrets)) {
      this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }));
    }
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));
  }

  /** The URL to register with a provider (`<function URL>webhooks/<provider>`). */
  public endpointFor(provider: ProviderName): string {
    return `${this.functionUrl.url}webhooks/${provider}`;
  }

  /** Every alarm through the one {@link AlarmFactory}; ids are this construct's own, so two instances never clash. */
  private createAlarms(props: CarrierWebhooksProps, factory: AlarmFactory): CarrierWebhooksAlarms {
    const fiveMinutes = Duration.minutes(5);
    const sum = { period: fiveMinutes, statistic: cloudwatch.Stats.SUM };
    const metric = (metricName: string) => new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: SERVICE }, ...sum });
    const id = (name: string) => `${this.node.id}${name}`;
    const anchors = CARRIER_RUNBOOK_ANCHORS;
    return {
      deadLettered: factory.create(id('DeadLetteredAlarm'), {
        // New messages, not "visible ≥ 1": a second failure notifies again (as refund-gate's other dead-letter alarms).
        metric: this.deadLetterQueue.metricNumberOfMessagesSent(sum),
        summary: 'carrier scans could not be put on the bus and were dead-lettered (webhook dead-letter queue).',
        runbook: anchors.deadLettered,
      }),
      errors: factory.create(id('ErrorsAlarm'), { metric: this.function.metricErrors(sum), summary: 'the carrier webhook function failed (Errors ≥ 1 in 5 minutes).', runbook: anchors.errors }),
      throttles: factory.create(id('ThrottlesAlarm'), {
        metric: this.function.metricThrottles(sum),
        summary: 'carrier webhook requests were throttled (reserved concurrency reached); providers retry them.',
        runbook: anchors.throttles,
      }),
      putFailures: factory.create(id('PutFailuresAlarm'), {
        metric: metric(WEBHOOK_METRIC.putFailures),
        summary: 'carrier scans could not be put on the bus (answered 503; the provider re-sends).',
        runbook: anchors.putFailures,
      }),
      refused: factory.create(id('RefusedAlarm'), {
        metric: metric(WEBHOOK_METRIC.refused),
        threshold: props.refusedPerFiveMinutes ?? 25,
        summary: 'many carrier webhooks were refused (bad signatures or credentials, old t, test mode: probing, or a secret out of step after a rotation).',
        runbook: anchors.refused,
      }),
      secretMissing: factory.create(id('SecretMissingAlarm'), {
        metric: metric(WEBHOOK_METRIC.notConfigured),
        summary: 'a carrier sends webhooks but its secret is still the placeholder, or shorter than 32 bytes.',
        runbook: anchors.secretMissing,
      }),
      ...(props.upsSilence ? { upsSilence: this.upsSilenceAlarm(props.upsSilence, factory, id('UpsSilenceAlarm')) } : {}),
    };
  }

  /**
   * No UPS webhook accepted for the whole period while returns were
   * authorized or received in it: Track Alert subscriptions (14 days) have
   * probably lapsed. One datapoint per period; no data counts as silence.
   */
  private upsSilenceAlarm(silence: NonNullable<CarrierWebhooksProps['upsSilence']>, factory: AlarmFactory, alarmId: string): cloudwatch.Alarm {
    const hours = silence.after.toHours({ integral: false });
    if (!Number.isInteger(hours) || hours < 1 || hours > 168) throw new CarrierWebhooksPropsError('CarrierWebhooks: upsSilence.after must be whole hours from 1 to 168');
    if (silence.returnRules.length === 0) throw new CarrierWebhooksPropsError('CarrierWebhooks: upsSilence.returnRules must name at least one rule');
    const period = silence.after;
    const usingMetrics: Record<string, cloudwatch.IMetric> = {
      ups: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: WEBHOOK_METRIC.accepted,
        dimensionsMap: { service: SERVICE, provider: 'ups' },
        statistic: cloudwatch.Stats.SUM,
        period,
      }),
    };
    // Rules on the default bus report RuleName alone; on a custom bus, EventBusName and RuleName.
    const onDefault = !Token.isUnresolved(silence.eventBusName) && silence.eventBusName === 'default';
    silence.returnRules.forEach((rule, i) => {
      usingMetrics[`returns${i}`] = new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'MatchedEvents',
        dimensionsMap: onDefault ? { RuleName: rule.ruleName } : { EventBusName: silence.eventBusName, RuleName: rule.ruleName },
        statistic: cloudwatch.Stats.SUM,
        period,
      });
    });
    const returns = Object.keys(usingMetrics)
      .filter((k) => k !== 'ups')
      .map((k) => `FILL(${k}, 0)`)
      .join(' + ');
    return factory.create(alarmId, {
      metric: new cloudwatch.MathExpression({
        expression: `IF(FILL(ups, 0) == 0 AND (${returns}) > 0, 1, 0)`,
        usingMetrics,
        label: `UPS silent for ${hours} h while returns are active`,
        period,
      }),
      summary: `no UPS Track Alert event was accepted for ${hours} hours while returns were authorized or received: renew the UPS subscriptions (they last 14 days).`,
      runbook: CARRIER_RUNBOOK_ANCHORS.upsSilence,
    });
  }
}

interface WebhookSettings {
  readonly removalPolicy: RemovalPolicy;
  readonly source: string;
  readonly facilitiesJson: string;
  readonly reservedConcurrency: number;
  readonly replaySeconds: number;
  readonly previousSeconds: number;
}

/** The props with their defaults, checked before anything is built (facilities, concurrency, then the windows). */
function checkedSettings(props: CarrierWebhooksProps): WebhookSettings {
  const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
  const source = props.source ?? DEFAULT_SOURCES.CarrierScan;
  const facilitiesJson = validFacilities(props.facilities);
  const reservedConcurrency = props.reservedConcurrency ?? 10;
  if (!Number.isInteger(reservedConcurrency) || reservedConcurrency < 1) throw new CarrierWebhooksPropsError('CarrierWebhooks: reservedConcurrency must be a whole number ≥ 1');
  const replaySeconds = wholeSeconds('replayWindow', props.replayWindow, DEFAULT_SHIPPO_REPLAY_WINDOW_MS);
  const previousSeconds = wholeSeconds('previousSecretWindow', props.previousSecretWindow, DEFAULT_PREVIOUS_SECRET_WINDOW_MS);
  return { removalPolicy, source, facilitiesJson, reservedConcurrency, replaySeconds, previousSeconds };
}

/** A duration as whole seconds ≥ 1 for the function's environment. */
function wholeSeconds(name: string, value: Duration | undefined, defaultMs: number): number {
  const seconds = value === undefined ? defaultMs / 1000 : value.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < 1) throw new CarrierWebhooksPropsError(`CarrierWebhooks: ${name} must be whole seconds ≥ 1`);
  return seconds;
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
