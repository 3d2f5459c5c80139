import { createHash } from 'node:crypto';
import { Stack, type CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The logical id CDK allocates to a construct at the given path below its
 * stack (the algorithm of `aws-cdk-lib/core/lib/private/uniqueid`, which is
 * not exported). Used to keep resources at the ids they had before
 * `RefundGate` was split into smaller constructs.
 */
export function uniqueIdOf(components: readonly string[]): string {
  const parts = components.filter((c) => c !== 'Default');
  const alnum = (s: string) => s.replace(/[^A-Za-z0-9]/g, '');
  if (parts.length === 1 && alnum(parts[0]!).length <= 255) return alnum(parts[0]!);
  const hash = createHash('md5').update(parts.join('/')).digest('hex').slice(0, 8).toUpperCase();
  const human: string[] = [];
  for (const c of parts) if (human.length === 0 || !human[human.length - 1]!.endsWith(c)) human.push(c);
  return human.filter((c) => c !== 'Resource').map(alnum).join('').slice(0, 240) + hash;
}

/** Path of construct ids from below the stack down to `construct` (what CDK hashes into a logical id). */
export function pathBelowStack(construct: IConstruct): string[] {
  const scopes = construct.node.scopes;
  return scopes.slice(scopes.indexOf(Stack.of(construct)) + 1).map((s) => s.node.id);
}

/** Path of construct ids from below the app root (what `Names.nodeUniqueId` hashes). */
export function pathBelowRoot(construct: IConstruct): string[] {
  return construct.node.scopes.slice(1).map((s) => s.node.id);
}

/** Give a construct's CloudFormation resource a fixed logical id. */
export function pinLogicalId(construct: IConstruct, logicalId: string): void {
  ((construct.node.defaultChild ?? construct) as CfnResource).overrideLogicalId(logicalId);
}
