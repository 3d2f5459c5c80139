import { DETAIL_TYPES, type DetailType } from './contract/inbound.js';

/**
 * The one routing table (detail-type → source → handler) that feeds both the
 * CDK rules and the local bus, so the two cannot drift.
 */
export const INBOUND_HANDLER = 'ingest' as const;

export interface Route {
  readonly detailType: DetailType;
  readonly source: string;
  readonly handler: typeof INBOUND_HANDLER;
}

export function routesFor(sources: Readonly<Record<DetailType, string>>): Route[] {
  return DETAIL_TYPES.map((detailType) => ({ detailType, source: sources[detailType], handler: INBOUND_HANDLER }));
}

/** The EventBridge event pattern of one route, as the CDK rule and the local bus both apply it. */
export function eventPatternOf(route: Route): { source: string[]; 'detail-type': string[] } {
  return { source: [route.source], 'detail-type': [route.detailType] };
}

/** Local-bus matching with EventBridge's semantics for these exact-match patterns. */
export function matchingRoute(routes: readonly Route[], envelope: { source?: unknown; 'detail-type'?: unknown }): Route | undefined {
  return routes.find((r) => envelope.source === r.source && envelope['detail-type'] === r.detailType);
}
