import { RefundGateError } from '../errors.js';

/**
 * The IAM tag that says which employee an IAM user or role is: the id R5
 * compares with a receipt's `employeeId`. Set by whoever administers IAM;
 * a reviewer's own policy (docs/operators/deploy.md) cannot change it.
 */
export const REVIEWER_TAG = 'refund-gate-employee-id';

/** The caller cannot decide: unauthenticated, unmapped, or an identity that is not one person's. */
export class ReviewerRefusedError extends RefundGateError {
  public constructor(message: string, context: Record<string, unknown> = {}) {
    super(message, { context });
    this.name = 'ReviewerRefusedError';
  }
}

/** The IAM user or role behind an authenticated caller, whose tags say who the person is. */
export interface IamIdentity {
  readonly kind: 'user' | 'role';
  /** The user or role name (no path): what ListUserTags / ListRoleTags take. */
  readonly name: string;
  readonly accountId: string;
}

/**
 * The IAM identity of a caller ARN as Lambda's IAM authentication reports it
 * (`requestContext.authorizer.iam.userArn`): an IAM user, or a session of a
 * role. Refused: the account root, federated users, and IAM Identity Center
 * roles (`AWSReservedSSO_…`), which every user of a permission set shares, so
 * a tag on one cannot name one person.
 */
export function iamIdentityOf(callerArn: string): IamIdentity {
  const m = /^arn:aws[a-z-]*:(iam|sts)::(\d{12}):(.+)$/.exec(callerArn);
  if (!m) throw new ReviewerRefusedError(`caller ${callerArn}: not an IAM user or role session`, { callerArn });
  const [, service, accountId, resource] = m as unknown as [string, string, string, string];
  if (service === 'iam' && resource.startsWith('user/')) {
    return { kind: 'user', name: resource.split('/').at(-1)!, accountId };
  }
  const session = /^assumed-role\/([^/]+)\/[^/]+$/.exec(resource);
  if (service === 'sts' && session) {
    const role = session[1]!;
    if (role.startsWith('AWSReservedSSO_')) {
      throw new ReviewerRefusedError(
        `caller ${callerArn}: an IAM Identity Center role is shared by every user of its permission set; decide as a role or IAM user of your own, tagged ${REVIEWER_TAG}`,
        { callerArn },
      );
    }
    return { kind: 'role', name: role, accountId };
  }
  throw new ReviewerRefusedError(`caller ${callerArn}: only an IAM user or a role session can decide (not the root user or a federated user)`, { callerArn });
}

/** Reads an IAM identity's tags (the decision function's IAM client; a fake in tests). */
export interface TagReader {
  tagsOf(identity: IamIdentity): Promise<ReadonlyArray<{ readonly Key?: string | undefined; readonly Value?: string | undefined }>>;
}

/** The employee id of the caller, from its {@link REVIEWER_TAG}; refused when the tag is missing or empty. */
export async function employeeIdOfCaller(callerArn: string, tags: TagReader): Promise<string> {
  const identity = iamIdentityOf(callerArn);
  const tag = (await tags.tagsOf(identity)).find((t) => t.Key === REVIEWER_TAG);
  const value = tag?.Value?.trim();
  if (!value) {
    throw new ReviewerRefusedError(`caller ${callerArn}: the IAM ${identity.kind} ${identity.name} has no ${REVIEWER_TAG} tag, so it is not a reviewer`, {
      callerArn,
    });
  }
  return value;
}
