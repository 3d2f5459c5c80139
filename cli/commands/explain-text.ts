import { deniedHeadline, formatMoney, formatWeight, OUTCOME_TEXT, releasedHeadline } from '../../shared/app/explain.js';
import type { Explanation, WeightCheck } from '../../shared/app/explanation.js';
import { evidenceTime as time } from '../time-text.js';

/** Plain text of an explanation, for a person at a terminal: times as "20 Nov 2026 09:00 UTC" (`--json` keeps them exact). */
export function explanationText(e: Explanation): string {
  const lines: string[] = [];
  lines.push(`Return ${e.returnId}: ${e.status}`);
  // The headline of a closed return names its time: written again here, readable.
  const headline = e.released ? releasedHeadline(e.released.basis, time(e.released.releasedAt)) : e.denied ? deniedHeadline(e.denied.reviewerId, time(e.denied.deniedAt)) : e.headline;
  lines.push(`  ${headline}`);
  if (e.orderId) lines.push(`  order ${e.orderId}, customer ${e.customerId}, warehouse ${e.warehouseId}, ${e.carrier} ${e.trackingNumber}`);
  lines.push(`  authorized ${formatMoney(e.authorizedRefund)}, requested ${formatMoney(e.requestedRefund)}${e.refundId ? ` (${e.refundId})` : ''}`);
  lines.push(`  money held: ${formatMoney(e.moneyHeld)}`);
  lines.push('', 'Timeline (business time, UTC):');
  const at = e.timeline.map((t) => time(t.at));
  const atWidth = Math.max(0, ...at.map((a) => a.length));
  e.timeline.forEach((t, i) => lines.push(`  ${at[i]!.padEnd(atWidth)}  ${t.detailType.padEnd(16)} ${t.source.padEnd(16)} ${t.summary}`));
  lines.push('', 'Evidence:');
  if (e.evidence.expectedWeight) lines.push(`  expected weight ${formatWeight(e.evidence.expectedWeight)}`);
  if (e.evidence.scans.length === 0) lines.push('  no DELIVERED carrier scan');
  for (const s of e.evidence.scans) {
    lines.push(`  scan ${s.scanId}: ${s.status} at ${s.facilityId ?? '(no facility)'} ${time(s.scannedAt)}${s.inbound ? ' [inbound]' : ''}${s.weight ? `, ${formatWeight(s.weight)}` : ''}`);
  }
  lines.push(...parcelText(e));
  if (e.evidence.receipts.length === 0) lines.push('  no warehouse receipt');
  for (const r of e.evidence.receipts) {
    const verdict = r.matched === null ? 'not assessed (return not authorized)' : r.matched ? `matched by ${r.matchingScanId}` : `NOT matched: ${r.unmatchedReason}`;
    lines.push(
      `  receipt ${r.receiptId}: ${r.warehouseId} by ${r.employeeId}${r.stationId ? ` at ${r.stationId}` : ''} ${time(r.receivedAt)}, ${r.condition}${r.weight ? `, ${formatWeight(r.weight)}` : ''}; ${verdict}${r.employeeFlagged ? ` [employee flagged until ${time(r.employeeFlagged.flaggedUntil)}${r.employeeFlagged.liftedAt ? `, cleared ${time(r.employeeFlagged.liftedAt)}` : ''}]` : ''}`,
    );
    if (r.weightCheck && r.weightCheck.weights.length > 1) lines.push(`      weights: ${weightCheckText(r.weightCheck)}`);
  }
  lines.push('', `Open reviews (${e.openReviews.length}):`);
  if (e.openReviews.length === 0) lines.push('  none');
  for (const r of e.openReviews) {
    lines.push(`  [${r.severity}] ${r.reason} ${r.reviewId}, raised ${time(r.raisedAt)}, at stake ${formatMoney(r.atStake)}`);
    lines.push(`      ${r.why}`);
  }
  if (e.closedReviews.length > 0) {
    lines.push('', 'Closed reviews:');
    for (const r of e.closedReviews) lines.push(`  ${r.status.padEnd(8)} ${r.reason} ${r.reviewId}${r.clearCause ? ` (${r.clearCause})` : ''}`);
  }
  if (e.decision) {
    lines.push('', `Decision: ${e.decision.decision} by ${e.decision.reviewerId} at ${time(e.decision.decidedAt)} on ${e.decision.reviewId}${e.decision.note ? ` ("${e.decision.note}")` : ''}`);
  }
  const others = e.decisions.filter((d) => d.outcome !== 'FINAL');
  if (others.length > 0) {
    lines.push('', 'Decisions that changed nothing:');
    for (const d of others) lines.push(`  ${d.decisionId}: ${d.decision} by ${d.reviewerId} at ${time(d.decidedAt)} on ${d.reviewId} (${OUTCOME_TEXT[d.outcome]}${d.why ? `: ${d.why}` : ''})`);
  }
  lines.push('', 'Missing for release:');
  if (e.missing.length === 0) lines.push(`  nothing${e.status === 'RELEASED' || e.status === 'DENIED' ? ' (decided)' : ''}`);
  for (const m of e.missing) lines.push(`  - ${m.text}`);
  if (e.excludedReviewers.length > 0) lines.push('', `May not decide this return (received it): ${e.excludedReviewers.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function weightCheckText(c: WeightCheck): string {
  const list = c.weights.map((w) => `${String(w['source'])}${w['scanId'] !== undefined ? ` ${String(w['scanId'])}` : ''} ${String(w['grams'])} g`).join(', ');
  return c.agree ? `${list}: agree` : `${list}: DISAGREE by ${c.differenceGrams} g (tolerance ${c.toleranceGrams} g)`;
}

/**
 * PARCEL_EVIDENCE_REUSED's story (v1.2): the other returns naming the parcel,
 * or the deliveries at the warehouse that predate the return.
 */
function parcelText(e: Explanation): string[] {
  const lines: string[] = [];
  const others = e.evidence.parcelReturns ?? [];
  if (others.length > 0) lines.push(`  other returns on parcel ${e.carrier ?? ''} ${e.trackingNumber ?? ''}:`.replace(/ {2,}/g, ' ').replace(/^ /, '  '));
  for (const o of others) lines.push(`      ${o.returnId}: customer ${o.customerId}, authorized ${time(o.authorizedAt)}, ${o.released ? 'RELEASED' : 'not released'}`);
  const stale = e.evidence.scans.filter((s) => !s.inbound && s.facilityId !== null && s.facilityId === e.warehouseId);
  if (stale.length > 0 && e.evidence.authorizedAt) {
    lines.push(`  stale deliveries (before the return existed; authorized ${time(e.evidence.authorizedAt)}): ${stale.map((s) => `${s.scanId} ${time(s.scannedAt)}`).join(', ')}`);
  }
  return lines;
}
