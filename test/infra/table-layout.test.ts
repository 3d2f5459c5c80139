import { describe, expect, it, vi } from 'vitest';
import { synth } from './support.js';

/**
 * shared/store/table.ts is the one source of the table's layout: an index
 * added there (say, by a read model) appears in the CDK table with no change
 * to infra/. Proven here with a layout that has one more index.
 */
vi.mock('../../shared/store/table.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../shared/store/table.js')>();
  return {
    ...original,
    createTableInput: (tableName: string) => {
      const input = original.createTableInput(tableName);
      return {
        ...input,
        AttributeDefinitions: [...input.AttributeDefinitions, { AttributeName: 'reviewState', AttributeType: 'S' as const }, { AttributeName: 'raisedAtEpochSec', AttributeType: 'N' as const }],
        GlobalSecondaryIndexes: [
          ...input.GlobalSecondaryIndexes,
          {
            IndexName: 'by-review-state',
            KeySchema: [
              { AttributeName: 'reviewState', KeyType: 'HASH' as const },
              { AttributeName: 'raisedAtEpochSec', KeyType: 'RANGE' as const },
            ],
            Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: ['returnId', 'reason'] },
          },
        ],
      };
    },
  };
});

describe('the table layout', () => {
  it('takes every index, its key types and projection from shared/store/table.ts', async () => {
    const { createTableInput } = await import('../../shared/store/table.js');
    const layout = createTableInput('ignored');
    const { template } = synth();
    const table = Object.values(template.findResources('AWS::DynamoDB::Table'))[0]!['Properties'] as Record<string, unknown>;
    expect(table['GlobalSecondaryIndexes']).toEqual(layout.GlobalSecondaryIndexes);
    expect(table['AttributeDefinitions']).toEqual(expect.arrayContaining(layout.AttributeDefinitions));
    expect((table['AttributeDefinitions'] as unknown[]).length).toBe(layout.AttributeDefinitions.length);
    expect(table['KeySchema']).toEqual(layout.KeySchema);
  });
});
