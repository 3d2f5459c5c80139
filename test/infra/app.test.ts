import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, RemovalPolicy } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STACK_NAME, knownContextKeys, stackFromContext } from '../../infra/context.js';
import { SETTING_NAMES } from '../../infra/constructs/settings.js';
import { SettingsInput } from '../../shared/contract/config.js';
import { FUNCTION_NAMES, RefundGatePropsError } from '../../infra/refund-gate.js';
import { RefundGateStack } from '../../infra/refund-gate-stack.js';
import { synthApp } from '../../infra/synth-app.js';
import { cdkJsonContext, newApp, notInstalled, ROOT, TRUST_CONTEXT_ARGS, TRUST_DEFAULTS } from './support.js';

const root = fileURLToPath(ROOT);

describe('context → stack props', () => {
  const read = (context: Record<string, unknown>) => stackFromContext(new App({ autoSynth: false, context: { ...cdkJsonContext(), ...context } }).node);
  const message = (context: Record<string, unknown>) => {
    try {
      read(context);
    } catch (error) {
      expect(error).toBeInstanceOf(RefundGatePropsError);
      return (error as Error).message;
    }
    throw new Error('expected a RefundGatePropsError');
  };

  it("defaults to the stack RefundGate on the default bus with every setting left to the construct; cdk.json's own keys are allowed", () => {
    const { stackName, props } = read({});
    expect(stackName).toBe(DEFAULT_STACK_NAME);
    expect(props).toEqual({});
  });

  it('reads every key; individual settings override the settings object', () => {
    // Act
    const { stackName, props } = read({
      stackName: 'RefundGateEu',
      account: '111122223333',
      region: 'eu-west-1',
      eventBusArn: 'arn:aws:events:eu-west-1:111122223333:event-bus/orders',
      protectOutboundSource: 'false',
      reviewTopicArn: 'arn:aws:sns:eu-west-1:111122223333:reviews',
      reviewTopicKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:on-call',
      settings: '{"grace":"PT5M","threshold":2,"sources":{"CarrierScan":"acme.carrier"}}',
      sources: '{"WarehouseReceipt":"acme.wms"}',
      skew: 'PT30M',
      threshold: '5',
      removalPolicy: 'destroy',
      deletionProtection: 'false',
      logRetentionDays: '30',
      reviewsPerHourThreshold: '40',
      sweeperReservedConcurrency: '2',
      ingestReservedConcurrency: '100',
    });
    // Assess
    expect(stackName).toBe('RefundGateEu');
    expect(props).toEqual({
      env: { account: '111122223333', region: 'eu-west-1' },
      eventBusArn: 'arn:aws:events:eu-west-1:111122223333:event-bus/orders',
      protectOutboundSource: false,
      reviewTopicArn: 'arn:aws:sns:eu-west-1:111122223333:reviews',
      reviewTopicKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:on-call',
      settings: { grace: 'PT5M', threshold: 5, skew: 'PT30M', sources: { CarrierScan: 'acme.carrier', WarehouseReceipt: 'acme.wms' } },
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
      logRetention: 30,
      reviewsPerHourThreshold: 40,
      sweeperReservedConcurrency: 2,
      ingestReservedConcurrency: 100,
    });
  });

  it('accepts every setting of the contract schema as a key of its own (a new setting needs no change to the app)', () => {
    expect(SETTING_NAMES).toEqual(Object.keys(SettingsInput.shape));
    for (const name of SETTING_NAMES) expect(knownContextKeys(), name).toContain(name);
  });

  it.each([
    ['maxhold', 'maxHold'],
    ['theshold', 'threshold'],
    ['eventbusname', 'eventBusName'],
    ['alarmTopic', 'alarmTopicArn'],
  ])('refuses the unknown key %s and suggests %s', (typo, suggestion) => {
    expect(message({ [typo]: 'x' })).toBe(`unknown context key "${typo}" (did you mean "${suggestion}"?)`);
  });

  it('refuses an unknown key with no near match by listing the known ones', () => {
    expect(message({ colour: 'blue' })).toMatch(/^unknown context key "colour" \(known keys: stackName, .*maxHold.*\)$/);
  });

  it.each([
    ['a non-numeric threshold', { threshold: 'many' }, 'threshold'],
    ['a duration that is not ISO 8601', { skew: '15m' }, 'skew'],
    ['sources that are not JSON', { sources: '{WarehouseReceipt=acme' }, 'sources'],
    ['an unknown setting in the settings object', { settings: '{"skew":"PT1M","skw":"PT2M"}' }, 'skw'],
    ['an unknown removal policy', { removalPolicy: 'snapshot' }, 'removalPolicy'],
    ['a deletion protection that is not a boolean', { deletionProtection: 'maybe' }, 'deletionProtection'],
    ['a log retention CloudWatch does not offer', { logRetentionDays: '8' }, 'logRetentionDays'],
    ['a table retention shorter than the dead-letter queues keep messages', { tableRetentionDays: '7' }, 'tableRetentionDays'],
    ['a table retention that is not a number', { tableRetentionDays: 'a month' }, 'tableRetentionDays'],
    ['a stack name CloudFormation refuses', { stackName: '1-refund_gate' }, 'stackName'],
    ['an account that is not 12 digits', { account: '1234' }, 'account'],
    ['a malformed region', { region: 'Europe' }, 'region'],
    ['a negative reservation', { sweeperReservedConcurrency: '-1' }, 'sweeperReservedConcurrency'],
    ['a protection flag that is not a boolean', { protectOutboundSource: 'yes' }, 'protectOutboundSource'],
  ])('rejects %s, naming it in one line', (_what, context, key) => {
    const text = message(context);
    expect(text).toContain(key);
    expect(text).not.toContain('\n');
  });

  it.each([
    ['eventBusArn', 'arn:aws:events:us-east-1:111122223333:rule/orders'],
    ['reviewTopicArn', 'arn:aws:sqs:us-east-1:111122223333:reviews'],
    ['reviewTopicKeyArn', 'alias/reviews'],
    ['alarmTopicArn', 'on-call'],
  ])('rejects a malformed %s before CDK sees it', (key, value) => {
    const extra = key === 'reviewTopicKeyArn' ? { reviewTopicArn: 'arn:aws:sns:us-east-1:111122223333:reviews' } : {};
    expect(() => new RefundGateStack(newApp(), 'Bad', { ...extra, [key]: value })).toThrow(new RegExp(`^${key}: not a valid ARN`));
  });

  it('rejects a bus given both by name and by ARN', () => {
    expect(() => new RefundGateStack(newApp(), 'Both', { eventBusName: 'a', eventBusArn: 'arn:aws:events:us-east-1:111122223333:event-bus/b' })).toThrow(
      RefundGatePropsError,
    );
  });
});

describe('honest wiring: the bus must be in the stack account and region', () => {
  const bus = 'arn:aws:events:us-east-1:111122223333:event-bus/orders';
  // newApp: no asset bundling (real bundling is the `npx cdk synth` case below's).
  const stack = (env?: { account: string; region: string }) => () => new RefundGateStack(newApp(), 'Wired', { ...TRUST_DEFAULTS, eventBusArn: bus, ...(env ? { env } : {}) });

  it.each([
    ['another account', { account: '444455556666', region: 'us-east-1' }, /its account 111122223333 is not this stack's \(444455556666\)/],
    ['another region', { account: '111122223333', region: 'eu-west-1' }, /its region us-east-1 is not this stack's \(eu-west-1\)/],
    ['an environment-agnostic stack, which cannot be checked', undefined, /its account 111122223333 cannot be checked/],
  ])('refuses a bus in %s, pointing at the forwarding-rule pattern', (_what, env, reason) => {
    expect(stack(env)).toThrow(RefundGatePropsError);
    expect(stack(env)).toThrow(reason);
    expect(stack(env)).toThrow(/forward events from that bus with a rule into a bus in refund-gate's account \(docs\/operators\/deploy\.md#a-bus-in-another-account\)/);
  });

  it('accepts the bus in the stack account and region', () => {
    expect(stack({ account: '111122223333', region: 'us-east-1' })).not.toThrow();
  });

  it('documents the pattern the message points at', () => {
    const doc = readFileSync(new URL('docs/operators/deploy.md', ROOT), 'utf8');
    expect(doc).toContain('## A bus in another account');
  });
});


describe('npx cdk synth (offline, real esbuild bundling, cdk-nag and the CDK\'s built-in CloudFormation validation on)', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'refund-gate-cdk-'));
  const contextFileExisted = existsSync(join(root, 'cdk.context.json'));
  // As `cdk deploy` runs: the test run's CDK_VALIDATION=false (test/vitest.unit.config.ts ENV) would reach the app through the CLI.
  const synthEnv = { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_EC2_METADATA_DISABLED: 'true', CDK_VALIDATION: 'true' };
  const cdk = (...args: string[]) =>
    spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', outdir, ...args], {
      cwd: root,
      encoding: 'utf8',
      env: synthEnv,
    });
  let synth: ReturnType<typeof cdk>;
  let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }> };

  beforeAll(() => {
    synth = cdk('-c', 'eventBusName=orders', '-c', 'threshold=4', ...TRUST_CONTEXT_ARGS);
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
    // ingest, sweeper, insider and the decision function read the settings.
    expect(settings.map((json) => JSON.parse(json!).threshold)).toEqual([4, 4, 4, 4]);
  });

  it('passes the cdk-nag validation plugins registered by the app', () => {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: Array<{ violations?: unknown[] }> };
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
  });

  it('writes a template cfn-lint finds no error in (skipped where cfn-lint is not installed)', (ctx) => {
    const lint = spawnSync('cfn-lint', ['--format', 'json', '--', join(outdir, `${DEFAULT_STACK_NAME}.template.json`)], { encoding: 'utf8' });
    // Not installed: no such command (or a version manager's shim for none), told by the run itself rather than a `--version` probe.
    if (notInstalled(lint)) ctx.skip();
    const findings = JSON.parse(lint.stdout || '[]') as Array<{ Level: string; Rule: { Id: string }; Message: string }>;
    expect(findings.filter((f) => f.Level === 'Error').map((f) => `${f.Rule.Id}: ${f.Message}`)).toEqual([]);
  }, 120_000);

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

  /** The lines refund-gate itself wrote (the CLI adds its own "Subprocess exited with error 1"). */
  const ownLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('refund-gate:'));

  /** `-c key=value` pairs as the CDK CLI hands them to the app: strings, over cdk.json's context. */
  const contextOf = (args: readonly string[]) =>
    Object.fromEntries(args.filter((_a, i) => i % 2 === 1).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));

  it('fails on a wrong setting with exit ≠ 0 and one line naming it, never a stack trace (through npx cdk synth)', async () => {
    // The CDK CLI running cdk.json's `npx tsx infra/app.ts`, as an operator's deploy does.
    const out = mkdtempSync(join(tmpdir(), 'refund-gate-cdk-'));
    const bad = await new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn('npx', ['cdk', 'synth', '--quiet', '--output', out, '-c', 'threshold=0'], { cwd: root, env: synthEnv, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stderr }));
    });
    rmSync(out, { recursive: true, force: true });
    expect(bad.status).not.toBe(0);
    expect(ownLines(bad.stderr)).toEqual([expect.stringMatching(/^refund-gate: context: threshold: /)]);
    expect(bad.stderr).not.toMatch(/^\s+at /m);
  }, 120_000);

  // The app's own part of the same path (infra/app.ts is synthApp on a new App), in this process: the
  // context as the CDK CLI hands it over cdk.json's, one line written, status 1, nothing thrown.
  it.each<[string[], RegExp]>([
    [['-c', 'maxhold=P1D'], /^refund-gate: unknown context key "maxhold" \(did you mean "maxHold"\?\)$/],
    [['-c', 'eventBusArn=arn:aws:events:us-east-1:111122223333:event-bus/orders'], /^refund-gate: event bus arn:aws:events:us-east-1:111122223333:event-bus\/orders: its account 111122223333 cannot be checked.*forward events from that bus with a rule into a bus in refund-gate's account/],
    [['-c', 'account=444455556666', '-c', 'region=us-east-1', '-c', 'eventBusArn=arn:aws:events:us-east-1:111122223333:event-bus/orders'], /its account 111122223333 is not this stack's \(444455556666\)/],
  ])('the app fails on %j with status 1 and one line naming the problem', (args, line) => {
    const written: string[] = [];
    const app = new App({ autoSynth: false, context: { ...cdkJsonContext(), ...contextOf(args) }, outdir: mkdtempSync(join(tmpdir(), 'refund-gate-cdk-')) });
    try {
      expect(synthApp(app, (text) => written.push(text))).toBe(1);
    } finally {
      rmSync(app.outdir, { recursive: true, force: true });
    }
    expect(written.join('').split('\n').filter(Boolean)).toEqual([expect.stringMatching(line)]);
  });
});
