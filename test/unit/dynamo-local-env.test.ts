import { describe, expect, it } from 'vitest';
import { DYNAMO_LOCAL_JAVA_FLAGS, dynamoLocalEnv, javaOutput, withDynamoLocalEnv } from '../../cli/dynamo.js';

describe("DynamoDB Local's JVM environment", () => {
  it('runs the client compiler only and turns telemetry off by default', () => {
    const env = dynamoLocalEnv({ PATH: '/usr/bin' });
    expect(env['JDK_JAVA_OPTIONS']).toBe('-XX:TieredStopAtLevel=1');
    expect(env['DDB_LOCAL_TELEMETRY']).toBe('0');
    expect(env['PATH']).toBe('/usr/bin');
  });

  it("puts the user's own JVM options after refund-gate's, so theirs win, and keeps their telemetry choice", () => {
    const env = dynamoLocalEnv({ JDK_JAVA_OPTIONS: '-XX:TieredStopAtLevel=4 -Xmx2g', DDB_LOCAL_TELEMETRY: '1' });
    expect(env['JDK_JAVA_OPTIONS']).toBe(`${DYNAMO_LOCAL_JAVA_FLAGS.join(' ')} -XX:TieredStopAtLevel=4 -Xmx2g`);
    expect(env['DDB_LOCAL_TELEMETRY']).toBe('1');
  });

  it('sets the environment only while the JVM is spawned, and puts it back even when the spawn throws', () => {
    const before = { opts: process.env['JDK_JAVA_OPTIONS'], telemetry: process.env['DDB_LOCAL_TELEMETRY'] };
    const seen = withDynamoLocalEnv(() => process.env['JDK_JAVA_OPTIONS']);
    expect(seen).toContain('-XX:TieredStopAtLevel=1');
    expect(() =>
      withDynamoLocalEnv(() => {
        throw new Error('spawn failed');
      }),
    ).toThrow('spawn failed');
    expect({ opts: process.env['JDK_JAVA_OPTIONS'], telemetry: process.env['DDB_LOCAL_TELEMETRY'] }).toEqual(before);
  });

  it("leaves the launcher's note about JDK_JAVA_OPTIONS out of DynamoDB Local's output", () => {
    expect(javaOutput('NOTE: Picked up JDK_JAVA_OPTIONS: -XX:TieredStopAtLevel=1\nError: port in use\n')).toBe('Error: port in use');
  });
});
