import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EmployeeFlagReader } from '../app/ports.js';
import type { EmployeeFlag } from '../domain/types.js';

/**
 * R7's flag lookup. Placeholder until the insider-detection issue lands:
 * nobody is flagged yet. TODO(R7): read the employee's flag item.
 */
export class DynamoEmployeeFlags implements EmployeeFlagReader {
  public constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  public async flagFor(_employeeId: string, _receivedAt: string): Promise<EmployeeFlag | null> {
    void this.doc;
    void this.tableName;
    return null;
  }
}
