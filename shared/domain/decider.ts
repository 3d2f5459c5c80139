import { effectsOf } from './effects.js';
import { InvariantViolationError } from './errors.js';
import { recordFact } from './record.js';
import { STANDING_RULES } from './rules/index.js';
import { evolve, initialState } from './state.js';
import { toEpochMs } from './time.js';
import type { DeciderSettings, ReturnCommand, ReturnEvent, ReturnState } from './types.js';

/**
 * The per-return Decider (Emmett style): `decide(command, state) → events`,
 * `evolve(state, event) → state`, `initialState(returnId)`.
 *
 * `decide` fires the timers already due, records the command's fact (a fact
 * already recorded gives `[]`: a redelivery writes nothing), then settles
 * the return at `now`. The rules themselves live in `rules/`, one per file.
 */
export interface Decider {
  decide(command: ReturnCommand, state: ReturnState): ReturnEvent[];
  evolve(state: ReturnState, event: ReturnEvent): ReturnState;
  initialState(returnId: string): ReturnState;
}

export function createDecider(settings: DeciderSettings): Decider {
  return { decide: (command, state) => decide(command, state, settings), evolve, initialState };
}

function decide(command: ReturnCommand, state: ReturnState, settings: DeciderSettings): ReturnEvent[] {
  // Timers due before this command fire first, as the sweeper would have fired
  // them: a decision may answer a review whose grace ran out, and a receipt
  // reported after maxHold does not undo HOLD_EXPIRED.
  const before = settle(state, command.now, settings);
  const facts = recordFact(command, before.state);
  if (facts === null) return [];
  const after = settle(facts.reduce(evolve, before.state), command.now, settings);
  return [...before.events, ...facts, ...after.events];
}

/** Fire the first due action of the first rule that has one, evolve, and again until nothing is due at `now`. */
export function settle(state: ReturnState, now: string, settings: DeciderSettings): { state: ReturnState; events: ReturnEvent[] } {
  const nowMs = toEpochMs(now);
  const events: ReturnEvent[] = [];
  let working = state;
  for (let round = 0; round < 256; round++) {
    const action = firstDue(working, nowMs, settings);
    if (!action) return { state: working, events };
    const fired = action.fire();
    events.push(...fired);
    working = fired.reduce(evolve, working);
  }
  throw new InvariantViolationError('decider did not settle', { context: { returnId: state.returnId } });
}

function firstDue(state: ReturnState, nowMs: number, settings: DeciderSettings) {
  for (const rule of STANDING_RULES) {
    const action = rule.pending(state, settings).find((p) => p.dueAtMs <= nowMs);
    if (action) return action;
  }
  return undefined;
}

export { effectsOf, evolve, initialState };
