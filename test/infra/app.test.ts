import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, RemovalPolicy } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STACK_NAME, stackFromContext } from '../../infra/context.js';
import { FUNCTION_NAMES, RefundGatePropsError } from '../../infra/refund-gate.js';
import { RefundGateStack } from '../../infra/refund-gate-stack.js';
import { ROOT } from './support.js';

const root = fileURLToPath(ROOT);

describe('context → stack props', () => {
  const read = (context: Record<string, unknown>) => stackFromContext(new App({ context }).node);

  it('defaults to the stack RefundGate on the default bus with every setting left to the construct', () => {
    const { stackName, props } = read({});
    expect(stackName).toBe(DEFAULT_STACK_NAME);
    expect(Object.values(props).filter((v) => v !== undefined)).toEqual([]);
  });

  it('reads every key; individual settings override the settings object', () => {
    // Act
    const { stackName, props } = read({
      stackName: 'RefundGateEu',
      eventBusName: 'orders',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:on-call',
      settings: '{"grace":"PT5M","threshold":2,"sources":{"CarrierScan":"acme.carrier"}}',
      sources: '{"WarehouseReceipt":"acme.wms"}',
      skew: 'PT30M',
      threshold: '5',
      removalPolicy: 'destroy',
      deletionProtection: 'false',
      logRetentionDays: '30',
      reviewsPerHourThreshold: '40',
    });
    // Assess
    expect(stackName).toBe('RefundGateEu');
    expect(props).toMatchObject({
      eventBusName: 'orders',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:on-call',
      sources: { CarrierScan: 'acme.carrier', WarehouseReceipt: 'acme.wms' },
      threshold: 5,
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
      logRetention: 30,
      reviewsPerHourThreshold: 40,
    });
    expect(props.skew?.toIsoString()).toBe('PT30M');
    expect(props.grace?.toIsoString()).toBe('PT5M');
  });

  it.each([
    ['a non-numeric threshold', { threshold: 'many' }],
    ['a duration that is not ISO 8601', { skew: '15m' }],
    ['sources that are not JSON', { sources: 'WarehouseReceipt=acme' }],
    ['an unknown setting in the settings object', { settings: '{"skew":"PT1M","skw":"PT2M"}' }],
    ['an unknown removal policy', { removalPolicy: 'snapshot' }],
    ['a deletion protection that is not a boolean', { deletionProtection: 'maybe' }],
    ['a log retention CloudWatch does not offer', { logRetentionDays: '8' }],
  ])('rejects %s', (_what, context) => {
    expect(() => read(context)).toThrow(RefundGatePropsError);
  });

  it('rejects a bus given both by name and by ARN', () => {
    expect(() => new RefundGateStack(new App(), 'Both', { eventBusName: 'a', eventBusArn: 'arn:aws:events:us-east-1:111122223333:event-bus/b' })).toThrow(
      RefundGatePropsError,
    );
  });
});

describe('npx cdk synth (offline, real esbuild bundling, cdk-nag on)', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'refund-gate-cdk-'));
  const contextFileExisted = existsSync(join(root, 'cdk.context.json'));
  const cdk = (...args: string[]) =>
    spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', outdir, ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_EC2_METADATA_DISABLED: 'true' },
    });
  let synth: ReturnType<typeof cdk>;
  let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }> };

  beforeAll(() => {
    synth = cdk('-c', 'eventBusName=orders', '-c', 'threshold=4');
    if (synth.status === 0) template = JSON.parse(readFileSync(join(outdir, `${DEFAULT_STACK_NAME}.template.json`), 'utf8'));
  }, 240_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('succeeds with the bus and settings from -c', () => {
    expect(synth.status, synth.stderr).toBe(0);
    const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties['EventBusName'] === 'orders');
    expect(rules.map((r) => (r.Properties['EventPattern'] as { 'detail-type': string[] })['detail-type'][0]).sort()).toEqual(
      ['CarrierScan', 'RefundRequested', 'ReturnAuthorized', 'ReviewDecided', 'WarehouseReceipt'],
    );
    const settings = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => (r.Properties['Environment'] as { Variables: Record<string, string> }).Variables['REFUND_GATE_SETTINGS'])
      .filter(Boolean);
    expect(settings.map((json) => JSON.parse(json!).threshold)).toEqual([4, 4, 4]);
  });

  it('passes the cdk-nag validation plugins registered by the app', () => {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: Array<{ violations?: unknown[] }> };
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
  });

  it('needs no lookup (no cdk.context.json is written)', () => {
    expect(existsSync(join(root, 'cdk.context.json'))).toBe(contextFileExisted);
  });

  it('bundles each function as a minified ESM file with a source map, the require shim, and the AWS SDK left to the runtime', () => {
    for (const name of FUNCTION_NAMES) {
      const [, fn] = Object.entries(template.Resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.toLowerCase().includes(name))!;
      const dir = join(outdir, fn.Metadata!['aws:asset:path'] as string);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith("import { createRequire as __refundGateCreateRequire } from 'node:module';"), name).toBe(true);
      // Booleans, not toMatch: a failure must not print a 500 KB bundle.
      expect(/from\s*"@aws-sdk\/client-/.test(code), `${name} imports the SDK from the runtime`).toBe(true);
      expect(code.length / code.split('\n').length, `${name} is minified (long lines)`).toBeGreaterThan(1000);
      expect(statSync(join(dir, 'index.mjs.map')).size, name).toBeGreaterThan(0);
    }
  });

  it('fails on a bad setting and names it', () => {
    const bad = cdk('-c', 'threshold=0');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/threshold/);
  }, 120_000);
});
