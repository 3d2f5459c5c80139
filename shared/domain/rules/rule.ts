import type { DeciderSettings, ReturnEvent, ReturnState } from '../types.js';

/**
 * One rule of the contract as a unit: given the return's state, what it
 * would do and from when. `settle` fires every pending action that is due
 * at `now`; `nextDueAt` is the earliest `dueAtMs` still pending. Both read
 * the same list, so a timer's condition is written once, here.
 */
export interface Rule {
  /** The contract rule it implements, e.g. `R6`. */
  readonly contract: string;
  readonly name: string;
  pending(state: ReturnState, settings: DeciderSettings): readonly Pending[];
}

export interface Pending {
  /** Epoch ms from which the action is due; {@link NOW} when the state alone makes it due. */
  readonly dueAtMs: number;
  readonly fire: () => ReturnEvent[];
}

/** Due as soon as the state allows it, whatever the time. */
export const NOW = Number.NEGATIVE_INFINITY;

export const due = (dueAtMs: number, fire: () => ReturnEvent[]): Pending => ({ dueAtMs, fire });
