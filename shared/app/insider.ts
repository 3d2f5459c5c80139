import { anomalyReview, detectAnomaly, isInsiderReason, isSelfReviewFlag, suspectFromReview, type InsiderSettings } from '../domain/insider.js';
import { liftedFor } from '../domain/alert-decision.js';
import { addMs, toEpochMs } from '../domain/time.js';
import type { Effect, EmployeeFlag, ReviewRaised } from '../domain/types.js';
import type { EmployeeRepository } from './ports.js';

/**
 * R7 on the stream: keeps each employee's suspect receipts (R3 reviews for
 * reasons 1, 3, 4, 5 that are not cleared) and raises one anomaly alert when
 * `threshold` of them fall in a `window`. Idempotent: re-processing a record
 * re-sets the same attributes and the flag's condition refuses a second alert.
 */
export class InsiderDetector {
  public constructor(
    private readonly employees: EmployeeRepository,
    private readonly settings: InsiderSettings,
  ) {}

  /** Apply one stream record's effects; returns the alerts this call raised. */
  public async onEffects(effects: readonly Effect[]): Promise<ReviewRaised[]> {
    const raised: ReviewRaised[] = [];
    for (const effect of effects) {
      if (effect.type === 'ReviewRaised' && isSelfReviewFlag(effect)) {
        // v1.2: the attempt is the alert; it flags the employee and raises no anomaly of its own.
        await this.employees.raiseSelfReviewFlag(effect.employeeId!, effect.reviewId, effect.raisedAt, this.settings.flagForMs);
      } else if (effect.type === 'ReviewRaised') {
        const suspect = suspectFromReview(effect);
        if (!suspect) continue;
        await this.employees.addSuspect(suspect);
        const alert = await this.detect(suspect.employeeId, suspect.receivedAt);
        if (alert) raised.push(alert);
      } else if (effect.type === 'ReviewCleared' && effect.cause === 'LATE_EVIDENCE_MATCHED' && isInsiderReason(effect.reason)) {
        if (effect.employeeId && effect.receiptId && effect.receivedAt) {
          await this.employees.removeSuspect(effect.employeeId, effect.receivedAt, effect.receiptId);
        }
      }
    }
    return raised;
  }

  private async detect(employeeId: string, receivedAt: string): Promise<ReviewRaised | null> {
    const { windowMs } = this.settings;
    const flag = await this.employees.currentFlag(employeeId);
    const suspects = (await this.employees.suspects(employeeId, addMs(receivedAt, -windowMs), addMs(receivedAt, windowMs)))
      // Receipts an earlier alert counted or covered do not count toward a new one (v1.2: an
      // alert answered RELEASE covers receipts only up to its decision).
      .filter((r) => !flag || !(flag.counted.includes(r.receiptId) || coveredBy(flag, r.receivedAt)));
    const anomaly = detectAnomaly(suspects, this.settings);
    if (!anomaly) return null;
    const review = anomalyReview(anomaly, this.settings);
    return (await this.employees.raiseFlag(review, this.settings.flagForMs)) ? review : null;
  }
}

/** Does the flag still cover a receipt received at `receivedAt` (up to its end, or its RELEASE)? */
function coveredBy(flag: EmployeeFlag, receivedAt: string): boolean {
  return toEpochMs(receivedAt) <= toEpochMs(flag.flaggedUntil) && !liftedFor(flag.liftedAt, receivedAt);
}
