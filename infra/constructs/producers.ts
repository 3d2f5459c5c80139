import { createHash } from 'node:crypto';
import { Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DETAIL_TYPES, type DetailType } from '../../shared/contract/inbound.js';
import { RefundGatePropsError } from './errors.js';

/**
 * For each inbound detail-type, the ARNs of the IAM roles (or users) allowed
 * to put it on the bus: what `aws:PrincipalArn` is for their calls (a role's
 * ARN, not the ARN of one of its sessions). `ReviewDecided` is not given
 * here: refund-gate's decision function is its only producer.
 */
export type ProducerBindings = Readonly<Partial<Record<Exclude<DetailType, 'ReviewDecided'>, readonly string[]>>>;

/** The explicit waiver: no inbound detail-type is bound (stated in the stack's `ProducerBindings` output). */
export const PRODUCERS_UNBOUND = 'unbound';

/** A role or user ARN, path included: what `aws:PrincipalArn` holds for an IAM principal. */
export const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;

/** Where each error points. */
export const PRODUCERS_DOC = 'docs/operators/deploy.md#producer-bindings';

/** The detail-types an operator binds: every inbound one but ReviewDecided (the decision function's). */
export const OPERATOR_BOUND_DETAIL_TYPES = DETAIL_TYPES.filter((d): d is Exclude<DetailType, 'ReviewDecided'> => d !== 'ReviewDecided');

/**
 * Check a bindings object (prop or parsed context): known detail-types,
 * non-empty lists of exact role/user ARNs. `optional` are detail-types
 * refund-gate binds on its own (CarrierScan when the webhook endpoint is on).
 */
export function checkProducerBindings(value: unknown, optional: readonly DetailType[] = []): ProducerBindings {
  const where = 'producers';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RefundGatePropsError(`${where}: expected {"<detail-type>": ["<role arn>", …]} or "${PRODUCERS_UNBOUND}" (${PRODUCERS_DOC})`);
  }
  const given = new Map(Object.entries(value));
  for (const [detailType, arns] of given) {
    if (detailType === 'ReviewDecided') {
      throw new RefundGatePropsError(`${where}.ReviewDecided: only refund-gate's decision function may put ReviewDecided; remove it (${PRODUCERS_DOC})`);
    }
    if (!(OPERATOR_BOUND_DETAIL_TYPES as readonly string[]).includes(detailType)) {
      throw new RefundGatePropsError(`${where}.${detailType}: not an inbound detail-type (expected one of ${OPERATOR_BOUND_DETAIL_TYPES.join(', ')})`);
    }
    if (!Array.isArray(arns) || (arns.length === 0 && !optional.includes(detailType as DetailType))) {
      throw new RefundGatePropsError(`${where}.${detailType}: expected a non-empty list of role ARNs`);
    }
    for (const arn of arns as unknown[]) {
      if (typeof arn === 'string' && Token.isUnresolved(arn)) continue;
      if (typeof arn !== 'string' || !PRINCIPAL_ARN.test(arn)) {
        throw new RefundGatePropsError(
          `${where}.${detailType}: not an IAM role or user ARN: ${JSON.stringify(arn)} (expected arn:aws:iam::<12-digit account>:role/<name>; the role, not a session of it)`,
        );
      }
    }
  }
  const missing = OPERATOR_BOUND_DETAIL_TYPES.filter((d) => !given.has(d) && !optional.includes(d));
  if (missing.length > 0) {
    throw new RefundGatePropsError(`${where}: no producer bound for ${missing.join(', ')}: give each its producers' role ARNs (${PRODUCERS_DOC})`);
  }
  return value as ProducerBindings;
}

/** The error when neither bindings nor the waiver were given: one line, naming `producers`. */
export function producersMissingError(): RefundGatePropsError {
  return new RefundGatePropsError(
    `producers: required: bind each inbound detail-type to its producers' role ARNs (-c producers='{"CarrierScan":["arn:aws:iam::…:role/…"],…}'), or waive explicitly with -c producers=${PRODUCERS_UNBOUND} (${PRODUCERS_DOC})`,
  );
}

export interface ProducerGuardsProps {
  readonly eventBus: events.IEventBus;
  /** Each inbound detail-type's configured source. */
  readonly sources: Readonly<Record<DetailType, string>>;
  /** Who may put each inbound detail-type (refund-gate's own roles already merged in). */
  readonly principals: ReadonlyMap<DetailType, readonly string[]>;
  /** The statements are created one after another, after this one: concurrent PutPermission calls on a bus can lose statements. */
  readonly after?: events.CfnEventBusPolicy;
}

/**
 * The bus-policy statements that bind producers (contract §6): for each
 * bound detail-type, a Deny of `PutEvents` carrying that detail-type to every
 * other principal, and for each configured source a Deny of `PutEvents`
 * carrying that source to every principal not bound to a detail-type with
 * that source. Events of other detail-types and sources are not touched, so
 * other teams' traffic on a shared bus keeps flowing.
 */
export class ProducerGuards extends Construct {
  public readonly statements: events.CfnEventBusPolicy[] = [];

  public constructor(scope: Construct, id: string, props: ProducerGuardsProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;
    let previous = props.after;
    const add = (name: string, sid: string, statement: iam.PolicyStatement) => {
      const policy = new events.CfnEventBusPolicy(this, name, {
        eventBusName: props.eventBus.eventBusName,
        statementId: guardStatementId(sid, stackName),
        statement: statement.toJSON(),
      });
      if (previous) policy.addDependency(previous);
      previous = policy;
      this.statements.push(policy);
    };
    const bySource = new Map<string, Set<string>>();
    for (const [detailType, principals] of props.principals) {
      add(`${detailType}Guard`, `dt-${detailType}`, busDenyStatement(`RefundGateDetailType${detailType}`, props.eventBus.eventBusArn, 'events:detail-type', detailType, principals));
      const source = props.sources[detailType];
      const union = bySource.get(source) ?? new Set<string>();
      for (const p of principals) union.add(p);
      bySource.set(source, union);
    }
    [...bySource].forEach(([source, principals], i) => {
      add(`SourceGuard${i}`, `src${i}`, busDenyStatement(`RefundGateSource${i}`, props.eventBus.eventBusArn, 'events:source', source, [...principals]));
    });
  }
}

/**
 * Deny `events:PutEvents` on the bus to every principal but `allowed` when
 * any entry of the call carries `value` in `key`. Both keys are multivalued
 * (one value per entry), so the set operator `ForAnyValue:` is what matches;
 * a plain `StringEquals` never matches a PutEvents request.
 */
export function busDenyStatement(sid: string, eventBusArn: string, key: 'events:source' | 'events:detail-type', value: string, allowed: readonly string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['events:PutEvents'],
    resources: [eventBusArn],
    conditions: {
      'ForAnyValue:StringEquals': { [key]: value },
      ArnNotEquals: { 'aws:PrincipalArn': allowed.length === 1 ? allowed[0] : [...allowed] },
    },
  });
}

/** `refund-gate-<what>-<stack>`, at most 64 characters; a long stack name is shortened with a hash so two stacks never share an id. */
export function guardStatementId(what: string, stackName: string): string {
  const name = Token.isUnresolved(stackName) ? 'stack' : stackName.replace(/[^A-Za-z0-9_-]/g, '');
  const id = `refund-gate-${what}-${name}`;
  if (id.length <= 64) return id;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${id.slice(0, 55)}-${hash}`;
}
