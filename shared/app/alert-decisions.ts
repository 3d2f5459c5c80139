import { decideOnAlert } from '../domain/alert-decision.js';
import { ownerOfReview } from '../domain/identity.js';
import type { DecisionFact, Effect } from '../domain/types.js';
import { AlertConflictError, TooManyConflictsError } from './errors.js';
import type { AlertRepository, DecisionAnswers, StoredAlert } from './ports.js';

/** What answering one decision without returnId wrote and published. */
export interface AlertDecisionOutcome {
  readonly effects: Effect[];
  readonly writes: number;
}

const NOTHING: AlertDecisionOutcome = { effects: [], writes: 0 };

/**
 * R7 v1.2, the application side: a ReviewDecided without `returnId` (its
 * decisionId already claimed in the ledger, R8) answers an employee's alert.
 * The decision is pure (shared/domain/alert-decision.ts); its effects leave
 * through an outbox written in the same conditional write as the change:
 *
 * - closing the alert: the employee's flag item (answer, lifted flag,
 *   ReviewCleared), conditional on the alert read;
 * - nothing changes (self-review, ignored): the decision's ledger entry,
 *   conditional on not being answered yet.
 *
 * A crash anywhere leaves either nothing written (the redelivery decides
 * again) or one of the two writes, which the redelivery recognises: the
 * alert's answer names this decisionId, or the ledger entry is answered.
 */
export class AlertDecisions {
  public constructor(
    private readonly ledger: DecisionAnswers,
    /** Absent when R7 is not wired: no alert exists, every alert decision names an unknown review. */
    private readonly alerts: AlertRepository | undefined,
    private readonly maxAttempts = 8,
  ) {}

  /** @param redelivery the decisionId was claimed before (a redelivery, or a retry after a crash) */
  public async handle(decision: DecisionFact, redelivery: boolean): Promise<AlertDecisionOutcome> {
    if (redelivery && (await this.ledger.decisionAnswered(decision.decisionId))) return NOTHING;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const stored = await this.load(decision.reviewId);
      const result = decideOnAlert(stored?.alert ?? null, decision);
      switch (result.kind) {
        case 'ALREADY_APPLIED':
          return NOTHING;
        case 'UNCHANGED':
          return (await this.ledger.answerDecision(decision.decisionId, result.effects)) ? { effects: [...result.effects], writes: 1 } : NOTHING;
        case 'DECIDED':
          try {
            await this.alerts!.answerAlert(stored!, result.answer, result.effects);
            return { effects: [...result.effects], writes: 1 };
          } catch (error) {
            // Another decision or a new alert won the race: decide again on what is there now.
            if (!(error instanceof AlertConflictError)) throw error;
          }
          break;
        default:
          return assertNever(result);
      }
    }
    throw new TooManyConflictsError(decision.reviewId, this.maxAttempts);
  }

  /** The current alert of the employee the reviewId names, if it names one. */
  private async load(reviewId: string): Promise<StoredAlert | null> {
    const owner = ownerOfReview(reviewId);
    if (!this.alerts || owner === null || !('employeeId' in owner)) return null;
    return this.alerts.loadAlert(owner.employeeId);
  }
}

function assertNever(value: never): never {
  throw new TypeError(`unexpected alert decision result ${JSON.stringify(value)}`);
}
