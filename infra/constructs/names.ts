import { createHash } from 'node:crypto';
import { Stack, type CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The known name closest to `name` (case-insensitive Damerau–Levenshtein,
 * at most a third of the name's length away), for "did you mean" hints.
 * (shared/contract/config.ts is getting its own `closestName`; one can go.)
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const a = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(a.length / 3)) + 1;
  for (const candidate of known) {
    const d = distance(a, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

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
