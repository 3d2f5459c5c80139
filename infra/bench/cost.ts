import type { ScenarioResult } from './requests.js';

export interface Prices {
  readonly lambdaRequestsPerMillion: number;
  readonly lambdaArm64PerGbSecond: number;
  readonly dynamoWriteRequestUnitPerMillion: number;
  readonly dynamoReadRequestUnitPerMillion: number;
  readonly snsPublishPerMillion: number;
  readonly eventBridgeCustomEventsPerMillion: number;
  readonly cloudWatchLogsIngestionPerGb: number;
  readonly recorded: string;
}

export interface CostAssumptions {
  /** Memory of each function, from the synthesized template. */
  readonly memoryMb: Record<'ingest' | 'publisher' | 'insider' | 'sweeper', number>;
  /** Publisher time per published effect (an SNS or EventBridge round trip); not measurable offline. */
  readonly publisherMsPerEffect: number;
  /** Stream consumers' time per record without effects (unmarshal, filter). */
  readonly streamMsPerRecord: number;
  /** CloudWatch Logs bytes per invocation: the handler's log line, EMF metrics, START/END/REPORT. */
  readonly logBytesPerInvocation: number;
}

export interface CostBreakdown {
  readonly lambdaRequests: number;
  readonly lambdaCompute: number;
  readonly dynamoWrites: number;
  readonly dynamoReads: number;
  readonly sns: number;
  readonly eventBridge: number;
  readonly logs: number;
  readonly total: number;
}

/**
 * Cost per million returns of one scenario, from the measured request
 * counts, invocation counts and durations. Stream consumers are charged as if
 * each write were its own invocation (no batching): an upper bound.
 */
export function costPerMillionReturns(r: ScenarioResult, prices: Prices, a: CostAssumptions): CostBreakdown {
  const perReturn = (n: number) => n / r.returns;
  const invocations = perReturn(r.ingest.invocations + r.publisher.invocations + r.insider.invocations);
  const effects = perReturn(r.publisher.sns + r.publisher.eventBridge);
  const gbSeconds =
    (perReturn(Math.ceil(r.ingest.durationMs)) * a.memoryMb.ingest +
      (perReturn(r.publisher.invocations) * a.streamMsPerRecord + effects * a.publisherMsPerEffect) * a.memoryMb.publisher +
      (perReturn(r.insider.invocations) * a.streamMsPerRecord + perReturn(r.insider.durationMs)) * a.memoryMb.insider) /
    1024 /
    1000;
  const wru = perReturn(r.ingest.dynamo.writeUnits + r.ingest.dynamo.indexWriteUnits + r.insider.dynamo.writeUnits);
  const rru = perReturn(r.ingest.dynamo.readUnits + r.insider.dynamo.readUnits);
  const M = 1_000_000;
  const parts = {
    lambdaRequests: (invocations * M * prices.lambdaRequestsPerMillion) / M,
    lambdaCompute: gbSeconds * M * prices.lambdaArm64PerGbSecond,
    dynamoWrites: wru * prices.dynamoWriteRequestUnitPerMillion,
    dynamoReads: rru * prices.dynamoReadRequestUnitPerMillion,
    sns: perReturn(r.publisher.sns) * prices.snsPublishPerMillion,
    eventBridge: perReturn(r.publisher.eventBridge) * prices.eventBridgeCustomEventsPerMillion,
    logs: ((invocations * a.logBytesPerInvocation * M) / 1024 ** 3) * prices.cloudWatchLogsIngestionPerGb,
  };
  const total = Object.values(parts).reduce((s, v) => s + v, 0);
  return { ...parts, total };
}
