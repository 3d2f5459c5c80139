import { businessTimeOf } from '../../shared/app/ingest.js';
import type { Rejection } from '../../shared/app/ports.js';
import type { Settings } from '../../shared/contract/config.js';
import { ContractValidationError } from '../../shared/contract/errors.js';
import { parseInboundEvent, parseJson } from '../../shared/contract/parse.js';
import { toEpochMs } from '../../shared/domain/time.js';
import { filteringRoute, matchingRoute, routesFor, type Route } from '../../shared/routing.js';
import type { ReplayOutput } from '../output.js';
import type { RuntimeStats } from './options.js';

/** Where one line goes: rejected (a `rejected` line is out), dropped by a rule's filter, or to a rule's target. */
export type Routed =
  | { readonly kind: 'rejected' }
  | { readonly kind: 'filtered'; readonly raw: Record<string, unknown> }
  | { readonly kind: 'routed'; readonly raw: unknown; readonly route: Route };

/**
 * The bus, as the CDK rules make it: parse a line, match it against the
 * routing table (shared/routing.ts), tell a line a rule's detail filter
 * drops from one no rule matches, and print rejections.
 */
export class LocalBus {
  private readonly routes: readonly Route[];

  public constructor(
    private readonly sources: Settings['sources'],
    private readonly output: ReplayOutput,
    private readonly stats: RuntimeStats,
  ) {
    this.routes = routesFor(sources);
  }

  /**
   * Parse one line and route it as the CDK rules would. A line that is not
   * JSON or that no rule matches is rejected here (a `rejected` line); one a
   * rule's detail filter drops (a scan status no rule reads) is `filtered`:
   * in AWS nothing is invoked, nothing printed.
   */
  public async route(text: string, line: number): Promise<Routed> {
    let raw: unknown;
    try {
      raw = parseJson(text);
    } catch (error) {
      if (!(error instanceof ContractValidationError)) throw error;
      await this.reject(line, error.message);
      return { kind: 'rejected' };
    }
    const route = isRecord(raw) ? matchingRoute(this.routes, raw) : undefined;
    if (route) return { kind: 'routed', raw, route };
    if (isRecord(raw) && filteringRoute(this.routes, raw)) return { kind: 'filtered', raw };
    await this.reject(line, this.unroutable(raw));
    return { kind: 'rejected' };
  }

  /** The business time of a well-formed event a rule dropped, or undefined when it is not well formed. */
  public businessTimeMsOf(raw: Record<string, unknown>): number | undefined {
    try {
      return toEpochMs(businessTimeOf(parseInboundEvent(raw, this.sources)));
    } catch (error) {
      if (!(error instanceof ContractValidationError)) throw error;
      return undefined;
    }
  }

  /** Print a `rejected` line for input line `line`. */
  public async reject(line: number, error: string): Promise<void> {
    this.stats.rejected += 1;
    await this.output.emit({ channel: 'rejected', line, error });
  }

  /**
   * No rule matches: say why in the contract's words (the envelope is
   * invalid, the detail-type unknown, or the source is not the configured one).
   */
  private unroutable(raw: unknown): string {
    try {
      parseInboundEvent(raw, this.sources);
    } catch (error) {
      if (error instanceof ContractValidationError) return error.message;
      throw error;
    }
    return 'source: no rule matches this source and detail-type';
  }
}

/** `<field path>: <message>`, the form of replay's `rejected.error`. */
export function rejectionText(rejection: Rejection): string {
  const { field, error } = rejection;
  return field && !error.startsWith(`${field}:`) ? `${field}: ${error}` : error;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
