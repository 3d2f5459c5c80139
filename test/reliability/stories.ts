/* Event stories shared by the reliability tests: each exercises a different outbound effect. */
import { reviewIdFor } from '../../shared/domain/identity.js';
import { envelope, honestReturn, T } from '../support/envelopes.js';

type Envelope = ReturnType<typeof envelope>;

/** Authorized and received, but the parcel never reached the warehouse: one R3 review, no release. */
export function phantomReturn(returnId: string, employeeId = 'emp-7', receivedAt = T('10:05')) {
  const story = honestReturn(returnId);
  const receipt = envelope('WarehouseReceipt', { ...story.receipt.detail, employeeId, receivedAt });
  return { authorized: story.authorized, receipt, refund: story.refund };
}

/** A receipt reviewed first, then cleared by a late DELIVERED scan, then released. */
export function lateEvidenceReturn(returnId: string): Envelope[] {
  const s = honestReturn(returnId);
  return [s.authorized, s.receipt, s.refund, s.delivered];
}

/** A phantom receipt denied by a reviewer: RefundDenied. */
export function deniedReturn(returnId: string, reviewerId = 'rev-1'): Envelope[] {
  const s = phantomReturn(returnId);
  const decision = envelope('ReviewDecided', {
    decisionId: `d-${returnId}`,
    reviewId: reviewIdFor.receipt(returnId, `rc-${returnId}`),
    returnId,
    reviewerId,
    decision: 'DENY',
    decidedAt: T('12:00'),
  });
  return [s.authorized, s.receipt, s.refund, decision];
}

/** Every effect type refund-gate publishes, over four returns. */
export function mixedStories(prefix: string): Envelope[] {
  const honest = honestReturn(`${prefix}-honest`);
  const phantom = phantomReturn(`${prefix}-phantom`);
  return [
    honest.authorized,
    honest.delivered,
    honest.receipt,
    honest.refund,
    phantom.authorized,
    phantom.receipt,
    phantom.refund,
    ...lateEvidenceReturn(`${prefix}-late`),
    ...deniedReturn(`${prefix}-denied`),
  ];
}
