import { integer, seconds } from '../progress.js';
import type { Insider } from './scenarios.js';
import type { DemoSummary, ParcelStory, Tally } from './summary-types.js';
import { readableTime } from '../time-text.js';
import { reasonWords } from './words.js';

/** The demo summary as a loss-prevention manager reads it: words first, codes beside them. */

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const money = (cents: number): string => usd.format(cents / 100);
const pct = (part: number, whole: number): string => (whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)}%`);

function row(label: string, t: Tally, note = ''): string {
  return `  ${label.padEnd(50)}${integer(t.count).padStart(7)}  ${money(t.amount).padStart(14)}${note ? `   ${note}` : ''}`;
}

const INSIDER_KIND: Record<Insider['kind'], string> = {
  'bribed-employee': 'bribed employee',
  'phished-account': 'phished account',
  'empty-box-ring': 'empty-box ring',
  'parcel-ring': 'parcel ring',
};

export function formatSummary(s: DemoSummary): string {
  const year = Number(s.day.slice(0, 4));
  const sections = [header(s), refunds(s), reviews(s), weightCheck(s), parcelCheck(s, year), flagged(s, year), groundTruth(s)];
  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}

function header(s: DemoSummary): string[] {
  return [
    `refund-gate demo: receiving day ${s.day}, seed ${s.seed}`,
    `${integer(s.returns)} returns at ${s.warehouses} returns centres, ${s.employees} receiving employees`,
    `${integer(s.events.total)} events replayed (${integer(s.events.duplicates)} duplicates, ${integer(s.events.delayed)} delivered out of order, ` +
      `${integer(s.events.lateScans)} late delivery scans${s.events.rejected ? `, ${integer(s.events.rejected)} rejected` : ''}) in ${seconds(s.elapsedMs)}`,
  ];
}

function refunds(s: DemoSummary): string[] {
  return [
    `${'REFUNDS'.padEnd(52)}${'returns'.padStart(7)}  ${'amount'.padStart(14)}`,
    row('released', s.refunds.released),
    row('  on matched carrier and warehouse evidence', s.refunds.releasedOnEvidence),
    row('  by a reviewer', s.refunds.releasedByReviewer),
    row('held', s.refunds.held),
    row('  under review', s.refunds.heldUnderReview),
    row('  awaiting carrier or warehouse evidence', s.refunds.heldAwaitingEvidence),
    row('denied by a reviewer', s.refunds.denied),
  ];
}

function reviews(s: DemoSummary): string[] {
  const out = [`${'REVIEWS BY REASON'.padEnd(44)}${'raised'.padStart(7)}${'cleared'.padStart(9)}${'decided'.padStart(9)}${'open'.padStart(7)}   code`];
  if (s.reviews.length === 0) out.push('  (none)');
  for (const r of s.reviews) {
    out.push(
      `  ${reasonWords(r.reason).padEnd(42)}${integer(r.raised).padStart(7)}${integer(r.cleared).padStart(9)}${integer(r.decided).padStart(9)}${integer(r.open).padStart(7)}   ${r.reason}`,
    );
  }
  out.push(
    '  raised: reviews opened; cleared: closed without a decision on them (late evidence matched, or a',
    '  decision on another review of the return); decided: answered by a reviewer; open: waiting for one.',
  );
  return out;
}

function weightCheck(s: DemoSummary): string[] {
  return [
    'WEIGHT CHECK: expected, carrier and dock weights disagree (WEIGHT_MISMATCH)',
    row('refunds held by the weight check', s.weightCheck.held),
    row('  would have been lost without it', s.weightCheck.wouldHaveBeenLost, 'fraud held by nothing else'),
    row('  honest refunds held by it', s.weightCheck.honestHeld, 'at the default tolerances'),
  ];
}

function parcelCheck(s: DemoSummary, year: number): string[] {
  const p = s.parcelCheck;
  const out = [
    "PARCEL RING: the carrier's delivery is not this return's (PARCEL_EVIDENCE_REUSED)",
    row('held: one tracking number named by several customers', p.heldShared),
    row('held: the only delivery predates the return', p.heldStale),
    row('parcel ring in the ground truth', p.ring),
    row('  caught (held or denied)', p.ringStopped, pct(p.ringStopped.amount, p.ring.amount)),
    row('  missed (released)', p.ringMissed),
    row('  honest refunds held by it', p.honestHeld),
  ];
  for (const story of p.parcels) out.push(...parcelStory(story, year));
  return out;
}

function parcelStory(p: ParcelStory, year: number): string[] {
  const who = p.receivedBy ? `, received by ${p.receivedBy}` : '';
  const held = `${money(p.held.amount)} held`;
  if (p.kind === 'SHARED_PARCEL') {
    const names = p.returns.map((r) => `${r.returnId} (${r.customerId ?? '?'}${r.released ? ', RELEASED' : ''})`).join(', ');
    return [`  tracking ${p.trackingNumber}: named by ${p.returns.length} customers${who}; ${held}`, `      ${names}`];
  }
  const r = p.returns[0];
  const scans = (p.staleScans ?? []).map((x) => `${readableTime(x.scannedAt, { year })} at ${x.facilityId ?? '(no facility)'}`).join(', ') || 'none reported';
  const authorized = p.authorizedAt ? readableTime(p.authorizedAt, { year }) : '?';
  return [
    `  tracking ${p.trackingNumber}: ${r?.returnId ?? '?'} (${r?.customerId ?? '?'}${r?.released ? ', RELEASED' : ''})${who}; ${held}`,
    `      authorized ${authorized}; only delivery ${scans}`,
  ];
}

function flagged(s: DemoSummary, year: number): string[] {
  const out = ['EMPLOYEES FLAGGED: insider alerts (EMPLOYEE_RECEIPT_ANOMALY)'];
  if (s.employeesFlagged.length === 0) out.push('  (none)');
  for (const f of s.employeesFlagged) {
    out.push(`  ${f.employeeId.padEnd(14)} flagged at ${readableTime(f.raisedAt, { year })}   ${f.insider ? `insider (${INSIDER_KIND[f.insider]})` : 'honest employee (false alarm)'}`);
  }
  return out;
}

function groundTruth(s: DemoSummary): string[] {
  const t = s.truth;
  const out = [`AGAINST THE GENERATOR'S GROUND TRUTH`];
  out.push(row('fraud attempted', t.fraud));
  out.push(row('  stopped (held or denied)', t.fraudStopped, pct(t.fraudStopped.amount, t.fraud.amount)));
  out.push(row('  missed (released)', t.fraudMissed, pct(t.fraudMissed.amount, t.fraud.amount)));
  for (const b of t.byScheme) {
    out.push(`    ${b.label}`);
    out.push(row(`      stopped`, b.stopped));
    if (b.missed.count > 0) out.push(row(`      missed`, b.missed));
  }
  out.push(row('honest refunds', t.honest));
  out.push(row('  released', t.honestReleased));
  out.push(row('  held (honest customers waiting)', t.honestHeld, `${pct(t.honestHeld.count, t.honest.count)} of honest refunds`));
  for (const h of t.honestHeldBy) out.push(row(`    ${h.why}`, h.tally));
  if (t.honestDenied.count > 0) out.push(row('  denied', t.honestDenied));
  const caught = t.insiders.filter((i) => i.flagged);
  const names = t.insiders.map((i) => `${i.employeeId} (${INSIDER_KIND[i.kind]}, ${i.warehouseId})${i.flagged ? ' ✓' : ''}`).join('; ');
  out.push(`  insiders flagged: ${caught.length} of ${t.insiders.length} (${names})`);
  out.push(`  honest employees flagged: ${t.honestEmployeesFlagged}`);
  return out;
}
