import { STANDING_RULES } from './rules/index.js';
import { toIso } from './time.js';
import type { DeciderSettings, ReturnState } from './types.js';

/**
 * The earliest instant at which the passage of time alone would make the
 * decider act (a Tick then produces events), or null if nothing is pending.
 * Derived from the rules' own pending actions, so it cannot drift from them.
 * The store indexes it so the sweeper finds due returns without a Scan.
 */
export function nextDueAt(state: ReturnState, settings: DeciderSettings): string | null {
  let earliest = Number.POSITIVE_INFINITY;
  for (const rule of STANDING_RULES) {
    for (const { dueAtMs } of rule.pending(state, settings)) {
      // An action due "now" only exists on a state that was not settled; time does not change it.
      if (Number.isFinite(dueAtMs) && dueAtMs < earliest) earliest = dueAtMs;
    }
  }
  return Number.isFinite(earliest) ? toIso(earliest) : null;
}
