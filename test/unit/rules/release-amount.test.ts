import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../../shared/contract/index.js';
import { createDecider, effectIdFor, reviewIdFor, type RefundReleased } from '../../../shared/domain/index.js';
import { toOutboundMessage } from '../../../shared/publish/messages.js';
import { RefundReleasedDetail } from '../../../shared/contract/outbound.js';
import { T, authorize, carrierScan, decideReview, recordReceipt, recordScan, refundRequested, requestRefund, returnAuthorized, reviewDecided } from '../../support/facts.js';
import { spec } from '../../support/given-when-then.js';

/*
 * R1 / R5 / §4 (contract v1.2): a release never pays more than the
 * authorized refund. Released on evidence, the request is within it; released
 * by a reviewer, an over-asked or other-currency request pays the authorized
 * refund, and RefundReleased carries `requested` when it differs.
 */
const decider = createDecider(resolveSettings());
const auth = authorize(returnAuthorized({ refund: { amount: 10_000, currency: 'USD' } }));
const noScanReceipt = recordReceipt();
const RECEIPT_REVIEW = reviewIdFor.receipt('r-1', 'rc-1');
const release = decideReview(reviewDecided({ reviewId: RECEIPT_REVIEW }));
const request = (amount: number, currency = 'USD') => requestRefund(refundRequested({ amount: { amount, currency } }));

describe('release amount', () => {
  it('given 100.00 authorized and 12,999.00 requested, when a reviewer RELEASEs the receipt review, then 100.00 is released with the request beside it', () => {
    const { effects } = spec(decider).given([auth, request(1_299_900), noScanReceipt]).when(release).then([
      { type: 'ReviewCleared', reviewId: reviewIdFor.exceeds('r-1', 'rf-1'), cause: 'DECIDED' },
      {
        type: 'RefundReleased',
        effectId: effectIdFor.released('r-1', 'rf-1'),
        basis: 'REVIEWER_RELEASED',
        amount: { amount: 10_000, currency: 'USD' },
        requested: { amount: 1_299_900, currency: 'USD' },
      },
    ]);
    const released = effects[1] as RefundReleased;
    const message = toOutboundMessage(released);
    expect(message.channel === 'eventbridge' && message.detail).toMatchObject({ amount: { amount: 10_000, currency: 'USD' }, requested: { amount: 1_299_900, currency: 'USD' } });
    expect(RefundReleasedDetail.safeParse(message.channel === 'eventbridge' ? message.detail : null).success).toBe(true);
  });

  it('given a request in another currency, when a reviewer RELEASEs it, then the authorized refund is paid in its own currency', () => {
    spec(decider).given([auth, request(9_000, 'EUR'), noScanReceipt]).when(release).then([
      { type: 'ReviewCleared' },
      { type: 'RefundReleased', amount: { amount: 10_000, currency: 'USD' }, requested: { amount: 9_000, currency: 'EUR' } },
    ]);
  });

  it('given a request within the authorization, when a reviewer RELEASEs it, then the request is paid and carries no `requested`', () => {
    const { effects } = spec(decider).given([auth, request(4_000), noScanReceipt]).when(release).then([{ type: 'RefundReleased', amount: { amount: 4_000, currency: 'USD' } }]);
    expect(effects[0]).not.toHaveProperty('requested');
  });

  it('given matched evidence, then the requested amount is released (it cannot exceed the authorization) without `requested`', () => {
    const { effects } = spec(decider)
      .given([auth, recordScan(carrierScan({ scannedAt: T('11:00') })), noScanReceipt])
      .when(request(7_500))
      .then([{ type: 'RefundReleased', basis: 'EVIDENCE_MATCHED', amount: { amount: 7_500, currency: 'USD' } }]);
    expect(effects[0]).not.toHaveProperty('requested');
  });

  it('given a RELEASE decided before the over-asked request arrives, then the authorized refund is paid when it does', () => {
    spec(decider).given([auth, noScanReceipt, release]).when(request(50_000)).then([
      { type: 'ReviewRaised', reviewId: reviewIdFor.exceeds('r-1', 'rf-1') },
      { type: 'RefundReleased', amount: { amount: 10_000, currency: 'USD' }, requested: { amount: 50_000, currency: 'USD' } },
    ]);
  });
});
