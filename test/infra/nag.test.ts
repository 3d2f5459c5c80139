import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RefundGateStack, type RefundGateStackProps } from '../../infra/refund-gate-stack.js';
import { envOf, newApp, VARIANTS, TRUST_DEFAULTS } from './support.js';

const packs = (): NagPack[] => [new AwsSolutionsChecks(), new ServerlessChecks()];

function findings(app: App): string[] {
  return packs().flatMap((pack) =>
    pack.validateScope(app).violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)),
  );
}

function build(props: RefundGateStackProps): { app: App; stack: RefundGateStack } {
  const app = newApp();
  return { app, stack: new RefundGateStack(app, 'RefundGate', { ...TRUST_DEFAULTS, ...envOf(props.eventBusArn), ...props }) };
}

/** Every acknowledgement in the tree: `<rule> at <path of the acknowledged construct>` → reason. */
function acknowledgements(root: IConstruct): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) out.set(`${id.replace(/^annotation::/i, '')} at ${c.node.path}`, reason);
    }
  }
  return out;
}

describe('cdk-nag (AwsSolutions and Serverless packs)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each(Object.entries(VARIANTS))('finds nothing unacknowledged with %s', (_name, props) => {
    // Prepare
    const { app } = build(props);
    // Act / Assess: errors and warnings alike
    expect(findings(app)).toEqual([]);
  });

  it('acknowledges only findings that really occur, each on the construct it concerns', () => {
    // Prepare: the same app with acknowledgements switched off shows what they hide.
    const acknowledged = [...acknowledgements(build({}).app).keys()].map((k) => k.replace(/\/Resource$/, ''));
    vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    // Act
    const raw = findings(build({}).app).map((f) => f.replace(/\/(Resource|DefaultPolicy\/Resource)$/, ''));
    // Assess: nothing acknowledged in vain, nothing hidden that was not acknowledged
    expect([...new Set(raw)].sort()).toEqual([...new Set(acknowledged)].sort());
  });

  it('acknowledges exactly these rules, no AwsSolutions-IAM4 (no managed policies) and no IAM5 on "*"', () => {
    const rules = [...acknowledgements(build({}).app).keys()].map((k) => k.replace(/ at RefundGate\/RefundGate\//, ' at '));
    expect(rules.sort()).toEqual(
      [
        ...['Inbound/RejectedQueue', 'Inbound/IngestFailureQueue', 'Sweeper/SweepFailureQueue'].flatMap((q) => [`AwsSolutions-SQS3 at ${q}`, `Serverless-SQSRedrivePolicy at ${q}`]),
        ...['Inbound/Ingest', 'Outbox/Publisher', 'Sweeper/Sweeper', 'Insider/Insider', 'Archive/Archiver', 'Decision/Decision'].flatMap((f) => [
          `Serverless-LambdaDLQ at ${f}Function`,
          `Serverless-LambdaTracing at ${f}Function`,
        ]),
        'AwsSolutions-IAM5[Resource::<RefundGateEvidenceArchiveBucket.Arn>/returns/*] at Archive/ArchiverRole',
        'AwsSolutions-S1 at Archive/Bucket',
        ...['arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*', 'arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*'].map(
          (r) => `AwsSolutions-IAM5[Resource::${r}] at Decision/DecisionRole`,
        ),
        ...['Outbox/Publisher', 'Insider/Insider', 'Archive/Archiver'].flatMap((f) => [
          `AwsSolutions-IAM5[Resource::<RefundGateTable.Arn>/stream/*] at ${f}Role`,
          `AwsSolutions-IAM5[Resource::<RefundGateStreamFailureBucket.Arn>/*] at ${f}Role`,
        ]),
        'AwsSolutions-S1 at Streams/FailureBucket',
      ].sort(),
    );
  });

  it('gives every acknowledgement a specific reason', () => {
    for (const [rule, reason] of acknowledgements(build({}).app)) {
      expect(reason.length, rule).toBeGreaterThanOrEqual(80);
      expect(reason, rule).not.toMatch(/^(todo|n\/a|ok|suppress|ignore)/i);
    }
  });
});
