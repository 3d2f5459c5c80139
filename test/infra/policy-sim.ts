import { runSimulation } from '@cloud-copilot/iam-simulate';

/**
 * Evaluate synthesized resource policies with an IAM simulator we did not
 * write (@cloud-copilot/iam-simulate, AGPL-3.0, a devDependency used by
 * tests only). CloudFormation intrinsics are resolved for one concrete
 * account and region: a role's `Arn` becomes `role/<logicalId>`, a topic's
 * `Ref` `…:<logicalId>`, a bucket's `Ref` its logical id in lower case.
 */
export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

export function resolver(resources: Resources) {
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const o = value as Record<string, unknown>;
    if ('Ref' in o) return ref(String(o['Ref']));
    if ('Fn::GetAtt' in o) {
      const [id, attribute] = o['Fn::GetAtt'] as [string, string];
      return getAtt(id, attribute);
    }
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return (resolve(parts) as unknown[]).join(sep);
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolve(v)]));
  };
  const ref = (id: string): string => {
    if (id === 'AWS::Partition') return 'aws';
    if (id === 'AWS::Region') return REGION;
    if (id === 'AWS::AccountId') return ACCOUNT;
    if (id === 'AWS::URLSuffix') return 'amazonaws.com';
    const type = resources[id]?.Type;
    if (type === 'AWS::SNS::Topic') return `arn:aws:sns:${REGION}:${ACCOUNT}:${id}`;
    if (type === 'AWS::S3::Bucket') return id.toLowerCase();
    return id;
  };
  const getAtt = (id: string, attribute: string): string => {
    const type = resources[id]?.Type;
    if (type === 'AWS::IAM::Role' && attribute === 'Arn') return `arn:aws:iam::${ACCOUNT}:role/${id}`;
    if (type === 'AWS::S3::Bucket' && attribute === 'Arn') return `arn:aws:s3:::${id.toLowerCase()}`;
    if (type === 'AWS::DynamoDB::Table' && attribute === 'Arn') return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${id}`;
    if (type === 'AWS::SNS::Topic' && attribute === 'TopicArn') return ref(id);
    throw new Error(`policy-sim: cannot resolve ${id}.${attribute}`);
  };
  return resolve;
}

export interface Request {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** An identity policy as broad as an administrator's: the resource policy is then the only barrier. */
export const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** The simulator's decision for `request` under `resourcePolicy`, the principal holding `identity` (default: allow all). */
export async function decide(resourcePolicy: unknown, request: Request, identity: unknown = ALLOW_ALL): Promise<Decision> {
  const resourceAccount = /^arn:aws:s3:::/.test(request.resource) ? ACCOUNT : (request.resource.split(':')[4] ?? ACCOUNT);
  const result = await runSimulation(
    {
      identityPolicies: [{ name: 'identity', policy: identity as never }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourcePolicy as never,
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: resourceAccount },
        // The simulator does not fill global keys from the principal: aws:PrincipalArn of a role's session is the role's ARN.
        contextVariables: { 'aws:PrincipalArn': request.principal, 'aws:PrincipalAccount': request.principal.split(':')[4] ?? ACCOUNT, ...(request.context ?? {}) },
      },
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`policy-sim: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}
