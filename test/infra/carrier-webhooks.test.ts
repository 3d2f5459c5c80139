import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, Stack, Validations, type App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CARRIER_RUNBOOK_ANCHORS, CarrierWebhooks, CarrierWebhooksPropsError, type CarrierWebhooksProps } from '../../infra/constructs/carrier-webhooks.js';
import { PLACEHOLDER_KEY } from '../../shared/carriers/secrets.js';
import { logicalIdOf, newApp, notInstalled, permissionsOf, sortedPermissions } from './support.js';

const FACILITIES = { warehouses: [{ warehouseId: 'WH-ATL-1', addresses: [{ postalCode: '30336', city: 'Atlanta' }] }] };
const BUS_ARN = 'arn:aws:events:us-east-1:111122223333:event-bus/orders';

function build(props: Partial<CarrierWebhooksProps> = {}) {
  const app = newApp();
  const stack = new Stack(app, 'Bare', { env: { account: '111122223333', region: 'us-east-1' } });
  const eventBus = events.EventBus.fromEventBusArn(stack, 'Bus', BUS_ARN);
  const webhooks = new CarrierWebhooks(stack, 'CarrierWebhooks', { eventBus, facilities: FACILITIES, ...props });
  return { app, stack, webhooks, template: Template.fromStack(stack) };
}

function nagFindings(app: App): string[] {
  return [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
    pack.validateScope(app).violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)),
  );
}

describe('CarrierWebhooks construct', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('serves a Function URL without AWS auth (the provider signature is checked inside), throttled by reserved concurrency', () => {
    const { template, webhooks } = build();
    const fn = logicalIdOf(webhooks.function);
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', InvokeMode: 'BUFFERED', TargetFunctionArn: { 'Fn::GetAtt': [fn, 'Arn'] } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 10,
      Runtime: 'nodejs24.x',
      TracingConfig: Match.absent(),
      Environment: {
        Variables: Match.objectLike({
          CARRIER_SOURCE: 'retail.carrier',
          FACILITY_MAP: JSON.stringify(FACILITIES),
          MAX_BODY_BYTES: String(1024 * 1024),
          EVENT_BUS_NAME: 'orders',
          EASYPOST_SECRET_ARN: { Ref: logicalIdOf(webhooks.secrets.easypost) },
          AFTERSHIP_SECRET_ARN: { Ref: logicalIdOf(webhooks.secrets.aftership) },
          UPS_SECRET_ARN: { Ref: logicalIdOf(webhooks.secrets.ups) },
          SHIPPO_SECRET_ARN: { Ref: logicalIdOf(webhooks.secrets.shippo) },
          // Test mode refused, Shippo's 5-minute replay window, the previous secret for 24 hours after a rotation.
          ALLOW_TEST_MODE: 'false',
          REPLAY_WINDOW_SECONDS: '300',
          PREVIOUS_SECRET_SECONDS: '86400',
        }),
      },
    });
  });

  it('creates one secret per provider holding a placeholder the function treats as "not configured"', () => {
    const { template } = build();
    const secrets = template.findResources('AWS::SecretsManager::Secret');
    const templates = Object.values(secrets).map((s) => JSON.parse(s['Properties'].GenerateSecretString.SecretStringTemplate));
    expect(templates).toEqual([{ [PLACEHOLDER_KEY]: true }, { [PLACEHOLDER_KEY]: true }, { [PLACEHOLDER_KEY]: true }, { [PLACEHOLDER_KEY]: true }]);
    expect(Object.values(secrets).every((s) => s['DeletionPolicy'] === 'Retain')).toBe(true);
  });

  it('may put only CarrierScans with the carrier source on the bus, read only its four secrets, and send only to its dead-letter queue', () => {
    const { template, webhooks } = build({ source: 'acme.carrier' });
    const role = logicalIdOf(webhooks.function.role!);
    const permissions = sortedPermissions(permissionsOf(template, role));
    expect(permissions).toContain(
      `events:PutEvents on "${BUS_ARN}" if ${JSON.stringify({ StringEquals: { 'events:source': ['acme.carrier'], 'events:detail-type': ['CarrierScan'] } })}`,
    );
    for (const secret of Object.values(webhooks.secrets)) {
      expect(permissions).toContain(`secretsmanager:GetSecretValue on ${JSON.stringify({ Ref: logicalIdOf(secret) })}`);
    }
    expect(permissions).toContain(`sqs:SendMessage on ${JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(webhooks.deadLetterQueue), 'Arn'] })}`);
    const wildcard = permissionsOf(template, role).filter((p) => p.resource === '"*"').map((p) => p.action);
    expect(wildcard).toEqual([]);
    expect(permissionsOf(template, role).map((p) => p.action)).not.toContain('events:*');
  });

  it('alarms on dead-lettered scans, errors, throttles, put failures, refusals and a missing secret, all to the alarm action', () => {
    const { template } = build({ alarmAction: new cwActions.SnsAction(sns.Topic.fromTopicArn(new Stack(), 'T', 'arn:aws:sns:us-east-1:111122223333:on-call')) });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a['Properties']);
    const metricNames = alarms.map((a) => a.MetricName).sort();
    expect(metricNames).toEqual(['CarrierScanPutFailures', 'Errors', 'NumberOfMessagesSent', 'Throttles', 'WebhookSecretMissing', 'WebhooksRefused']);
    expect(alarms.find((a) => a.MetricName === 'WebhooksRefused').Threshold).toBe(25);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual(['arn:aws:sns:us-east-1:111122223333:on-call']);
      expect(alarm.OKActions).toEqual(['arn:aws:sns:us-east-1:111122223333:on-call']);
      // Built by the one alarm factory: its description format and runbook link.
      expect(alarm.AlarmDescription).toMatch(/^refund-gate: .+ Runbook: docs\/operators\/alarms\.md#[a-z-]+$/);
    }
  });

  it('has a runbook entry in docs/operators/alarms.md for every carrier alarm', () => {
    const doc = readFileSync('docs/operators/alarms.md', 'utf8');
    for (const anchor of Object.values(CARRIER_RUNBOOK_ANCHORS)) expect(doc, anchor).toContain(`<a id="${anchor}"></a>`);
  });

  it('alarms when no UPS event was accepted for the configured hours while ReturnAuthorized or WarehouseReceipt rules matched events', () => {
    // Prepare
    const app = newApp();
    const stack = new Stack(app, 'Silence', { env: { account: '111122223333', region: 'us-east-1' } });
    const eventBus = events.EventBus.fromEventBusArn(stack, 'Bus', BUS_ARN);
    const rules = ['Returns', 'Receipts'].map((name) => new events.Rule(stack, name, { eventBus, eventPattern: { source: [name] } }));
    // Act
    new CarrierWebhooks(stack, 'CarrierWebhooks', { eventBus, facilities: FACILITIES, upsSilence: { after: Duration.hours(36), returnRules: rules, eventBusName: 'orders' } });
    // Assess
    const alarm = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))
      .map((a) => a['Properties'])
      .find((a) => a.Metrics !== undefined);
    expect(alarm.AlarmDescription).toMatch(/36 hours.+Runbook: docs\/operators\/alarms\.md#ups-silence$/);
    expect(alarm.Metrics[0].Expression).toBe('IF(FILL(ups, 0) == 0 AND (FILL(returns0, 0) + FILL(returns1, 0)) > 0, 1, 0)');
    const stats = new Map(alarm.Metrics.filter((m: any) => m.MetricStat).map((m: any) => [m.Id, m.MetricStat]));
    expect(stats.get('ups')).toMatchObject({
      Metric: { Namespace: 'RefundGate', MetricName: 'CarrierWebhooksAccepted', Dimensions: expect.arrayContaining([{ Name: 'provider', Value: 'ups' }]) },
      Period: 36 * 3600,
      Stat: 'Sum',
    });
    expect(stats.get('returns0')).toMatchObject({ Metric: { Namespace: 'AWS/Events', MetricName: 'MatchedEvents' }, Period: 36 * 3600 });
    expect(alarm.Threshold).toBe(1);
    expect(alarm.EvaluationPeriods).toBe(1);
    expect(() =>
      new CarrierWebhooks(stack, 'Other', { eventBus, facilities: FACILITIES, upsSilence: { after: Duration.minutes(30), returnRules: rules, eventBusName: 'orders' } }),
    ).toThrow(/whole hours from 1 to 168/);
  });

  it('passes test mode, the replay window and the rotation window to the function', () => {
    const { template } = build({ allowTestMode: true, replayWindow: Duration.minutes(2), previousSecretWindow: Duration.hours(2) });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ALLOW_TEST_MODE: 'true', REPLAY_WINDOW_SECONDS: '120', PREVIOUS_SECRET_SECONDS: '7200' }) },
    });
  });

  it('refuses a facility map that is invalid or too big for the environment at synth time', () => {
    expect(() => build({ facilities: { warehouses: [{ warehouseId: 'W', addresses: [] }] } })).toThrow(CarrierWebhooksPropsError);
    const big = { warehouses: Array.from({ length: 80 }, (_, i) => ({ warehouseId: `WH-${i}`, addresses: [{ postalCode: `${10000 + i}`, city: 'Somewhere long enough' }] })) };
    expect(() => build({ facilities: big })).toThrow(/at most/);
    expect(() => build({ reservedConcurrency: 0 })).toThrow(CarrierWebhooksPropsError);
  });

  it('leaves nothing unacknowledged for cdk-nag (AwsSolutions and Serverless packs)', () => {
    expect(nagFindings(build().app)).toEqual([]);
  });

  it('acknowledges only findings that really occur, each on the construct it concerns', () => {
    // Prepare: the acknowledgements in the tree, then the same construct with acknowledging switched off
    const acknowledged = new Set<string>();
    for (const c of build().app.node.findAll()) {
      for (const entry of c.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const id of Object.keys(entry.data as Record<string, string>)) acknowledged.add(`${id.replace(/^annotation::/i, '')} at ${c.node.path}`);
      }
    }
    vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    // Act
    const found = new Set(nagFindings(build().app).map((f) => f.replace(/\/(Resource|DefaultPolicy\/Resource)$/, '')));
    // Assess
    expect([...acknowledged].map((a) => a.replace(/\/Resource$/, '')).sort()).toEqual([...found].sort());
  });

  it('passes cfn-lint', (ctx) => {
    const { template } = build();
    const dir = mkdtempSync(join(tmpdir(), 'rg-cfn-'));
    try {
      const file = join(dir, 'carrier-webhooks.json');
      writeFileSync(file, JSON.stringify(template.toJSON()));
      // W3005: the CDK makes the function depend on its role and on the role's policy; the first is redundant, not wrong.
      const result = spawnSync('cfn-lint', ['--regions', 'us-east-1', '--ignore-checks', 'W3005', '--', file], { encoding: 'utf8' });
      if (notInstalled(result)) ctx.skip();
      expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
