import { expect } from 'vitest';
import { effectsOf, type Decider, type Effect, type ReturnCommand, type ReturnEvent, type ReturnState } from '../../shared/domain/index.js';
import { RETURN_ID } from './facts.js';

/*
 * Emmett-style specification of the Decider:
 *   spec(decider).given([commands or events]).when(command).then([effects])
 * "given" commands go through decide + evolve, so the state is one the
 * decider really reaches. `then` compares the published effects, in order;
 * each expected effect is matched on the fields it names.
 */
type History = ReadonlyArray<ReturnCommand | ReturnEvent>;
type ErrorClass = abstract new (...args: never[]) => Error;
export interface Outcome {
  readonly events: ReturnEvent[];
  readonly effects: Effect[];
  readonly state: ReturnState;
}

const COMMAND_TYPES: ReadonlySet<string> = new Set(['AuthorizeReturn', 'RecordScan', 'LinkParcelPeer', 'RecordReceipt', 'RequestRefund', 'DecideReview', 'Tick']);
const isCommand = (item: ReturnCommand | ReturnEvent): item is ReturnCommand => COMMAND_TYPES.has(item.type);

/** Feed commands through decide + evolve, as the store would; every event and the final state. */
export function run(decider: Decider, commands: readonly ReturnCommand[], state = decider.initialState(RETURN_ID)): Outcome {
  const events: ReturnEvent[] = [];
  for (const command of commands) {
    const decided = decider.decide(command, state);
    events.push(...decided);
    state = decided.reduce(decider.evolve, state);
  }
  return { events, effects: effectsOf(events), state };
}

export function spec(decider: Decider, returnId = RETURN_ID) {
  return {
    given: (history: History = []) => {
      const state = history.reduce<ReturnState>(
        (s, item) => (isCommand(item) ? run(decider, [item], s).state : decider.evolve(s, item)),
        decider.initialState(returnId),
      );
      return {
        when: (command: ReturnCommand) => {
          const act = (): Outcome => run(decider, [command], state);
          return {
            then: (expected: ReadonlyArray<Partial<Effect>>): Outcome => {
              const outcome = act();
              expect(outcome.effects).toEqual(expected.map((effect) => expect.objectContaining(effect)));
              return outcome;
            },
            /** The command was applied (its fact may be recorded) but publishes nothing. */
            thenNothing: (): Outcome => {
              const outcome = act();
              expect(outcome.effects).toEqual([]);
              return outcome;
            },
            /** R8: a redelivery yields no event at all, so the store writes nothing. */
            thenIgnored: (): void => expect(act().events).toEqual([]),
            thenThrows: (errorClass: ErrorClass): void => expect(act).toThrow(errorClass),
          };
        },
      };
    },
  };
}
