/** One DynamoDB call, its failure translated into the store's typed errors (every store module calls through here). */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { StoreThrottledError, StoreUnavailableError } from './errors.js';

/** Run one SDK call and translate its failure into the store's typed errors. */
export async function callDynamo<T>(
  operation: string,
  fn: () => Promise<T>,
  onConditionFailed?: (oldItem: Record<string, unknown> | undefined) => Error,
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translateError(operation, error, onConditionFailed);
  }
}

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
]);

export function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
}

/** The item a refused conditional write found (ReturnValuesOnConditionCheckFailure: ALL_OLD). */
export function oldItemOf(error: unknown): Record<string, unknown> | undefined {
  const raw = (error as { Item?: Record<string, unknown> }).Item;
  return raw ? toPlainItem(raw) : undefined;
}

export function translateError(
  operation: string,
  error: unknown,
  onConditionFailed?: (oldItem: Record<string, unknown> | undefined) => Error,
): Error {
  if (isConditionFailure(error) && onConditionFailed) return onConditionFailed(oldItemOf(error));
  const name = (error as Error | undefined)?.name ?? '';
  if (THROTTLING.has(name)) return new StoreThrottledError(operation, { cause: error });
  return new StoreUnavailableError(operation, { cause: error });
}

/** ALL_OLD items on a condition failure arrive marshalled, even through the document client. */
function toPlainItem(raw: Record<string, unknown>): Record<string, unknown> {
  const first = Object.values(raw)[0];
  const marshalled =
    typeof first === 'object' && first !== null && Object.keys(first).length === 1 && /^(S|N|M|L|BOOL|NULL|SS|NS|B|BS)$/.test(Object.keys(first)[0]!);
  return marshalled ? unmarshall(raw as Parameters<typeof unmarshall>[0]) : raw;
}

/**
 * The pages of a Query or Scan, read with the SDK's paginator
 * (`paginateQuery` / `paginateScan`), each request's failure translated as
 * {@link callDynamo} translates it.
 */
export async function* pagesOf<T>(operation: string, paginator: AsyncIterable<T>): AsyncGenerator<T> {
  const pages = paginator[Symbol.asyncIterator]();
  for (;;) {
    const next = await callDynamo(operation, () => pages.next());
    if (next.done) return;
    yield next.value;
  }
}
