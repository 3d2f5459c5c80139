/**
 * Business time helpers. The domain never reads a clock: every instant comes
 * from a fact (`receivedAt`, …) or from the `now` a command carries. Instants
 * are compared as epoch milliseconds and emitted as UTC ISO strings so a
 * replay of the same input prints the same bytes.
 */
export function toEpochMs(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO 8601 instant: ${iso}`);
  return ms;
}

export function toIso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

export function maxIso(...instants: readonly string[]): string {
  return toIso(Math.max(...instants.map(toEpochMs)));
}

export function addMs(iso: string, ms: number): string {
  return toIso(toEpochMs(iso) + ms);
}

/** An instant as fixed-width UTC ISO (milliseconds): the form the review tools show. */
export function utc(iso: string): string {
  return toIso(toEpochMs(iso));
}
