// refund-gate review console. Served as a file (the page's Content-Security-Policy
// forbids inline script); every value from the server goes into the page as text,
// never as HTML, because ids may contain any character.


const csrfToken = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
const state = { reviewer: '', reviewerFixed: false, mode: 'local', selected: null };

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children) {
    if (child === undefined || child === null) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

const MINOR = { JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0, BHD: 3, KWD: 3, OMR: 3, JOD: 3, TND: 3 };
function money(m) {
  if (!m) return '-';
  const digits = Object.hasOwn(MINOR, m.currency) ? MINOR[m.currency] : 2;
  return `${m.currency} ${(m.amount / 10 ** digits).toFixed(digits)}`;
}
function moneyList(list) {
  return list?.length ? list.map(money).join(' + ') : '-';
}

// Times read in the reader's own zone and language; the exact UTC instant is on hover (title) and in datetime.
// The year is shown only when it is not this year's, so a time fits one short line in a table cell.
const LOCAL_TIME = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const LOCAL_TIME_THIS_YEAR = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
function localTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return (date.getFullYear() === new Date().getFullYear() ? LOCAL_TIME_THIS_YEAR : LOCAL_TIME).format(date);
}
function utcTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : `${date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')} UTC`;
}
function when(iso) {
  return el('time', { datetime: iso, title: utcTime(iso) }, localTime(iso));
}
/** RECEIPT_WITHOUT_INBOUND_SCAN → "Receipt without inbound scan" (the code itself on hover). */
function reasonWords(code) {
  const words = String(code).toLowerCase().replaceAll('_', ' ');
  return el('span', { title: code }, words.charAt(0).toUpperCase() + words.slice(1));
}

/** PARCEL_EVIDENCE_REUSED: the other returns naming the same parcel, each a link to its explanation. */
function parcelPartners(r) {
  if (!r.parcelReturns || r.parcelReturns.length === 0) return [];
  const last = r.parcelReturns.length - 1;
  // Each id with its comma on one line; the list wraps between them.
  const links = r.parcelReturns.flatMap((id, i) => [
    el(
      'span',
      { class: 'id' },
      el('button', { type: 'button', class: 'link id', onclick: () => showReturn(id), 'aria-label': `Explain return ${id}, which names the same parcel` }, id),
      i < last ? ',' : '',
    ),
    i < last ? ' ' : '',
  ]);
  return [el('div', { class: 'note' }, 'Parcel also named by ', ...links)];
}

/** Text as nodes where each id-like token (holding - # / or a digit after letters) is kept on one line. */
function words(text) {
  return el('span', {}, ...String(text).split(/(\s+)/).map((part) => (/[-#/]/.test(part) && !/\s/.test(part) ? el('span', { class: 'id' }, part) : part)));
}

async function api(path, options) {
  const response = await fetch(path, { credentials: 'same-origin', ...(options || {}) });
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

async function loadSession() {
  const s = await api('/api/session');
  state.reviewer = s.reviewer;
  state.reviewerFixed = s.reviewerFixed;
  state.mode = s.mode;
  $('who').textContent = s.reviewerFixed
    ? `Deciding as ${s.reviewer} (your AWS identity)`
    : `Local run. Decisions are made as the reviewer named in each form${s.reviewer ? ` (default ${s.reviewer})` : ''}.`;
}

async function loadQueue() {
  const params = new URLSearchParams();
  const severity = $('f-severity').value;
  const warehouse = $('f-warehouse').value;
  if (severity) params.set('severity', severity);
  if (warehouse) params.set('warehouse', warehouse);
  params.set('open', $('f-open').checked ? '1' : '0');
  $('queue-table').setAttribute('aria-busy', 'true');
  const data = await api(`/api/reviews?${params}`);
  $('queue-table').setAttribute('aria-busy', 'false');
  $('queue-summary').classList.remove('loading');
  const select = $('f-warehouse');
  const current = select.value;
  select.replaceChildren(el('option', { value: '' }, 'All'), ...data.warehouses.map((w) => el('option', { value: w }, w)));
  select.value = data.warehouses.includes(current) ? current : '';
  const open = data.reviews.filter((r) => r.status === 'OPEN').length;
  $('queue-summary').textContent = `${data.reviews.length} review(s), ${open} open; money at stake ${moneyList(data.atStake)}`;
  const rows = data.reviews.map((r) => {
    const target = r.returnId
      ? el('button', { type: 'button', class: 'link id', onclick: () => showReturn(r.returnId), 'aria-label': `Explain return ${r.returnId}` }, r.returnId)
      : el('button', { type: 'button', class: 'link', onclick: () => showAlert(r), 'aria-label': `Review the alert on employee ${r.employeeId || '?'}` }, 'employee ', el('span', { class: 'id' }, r.employeeId || '?'));
    return el(
      'tr',
      { class: r.returnId && r.returnId === state.selected ? 'selected' : null, 'data-review-id': r.reviewId },
      el('td', {}, when(r.raisedAt)),
      el('td', { class: `sev-${r.severity} nowrap` }, r.severity),
      el('td', {}, reasonWords(r.reason), ...parcelPartners(r)),
      el('td', { class: 'nowrap' }, money(r.atStake)),
      el('td', { class: 'nowrap' }, r.warehouseId || '-'),
      el('td', {}, target),
      el('td', { class: 'nowrap' }, r.status),
    );
  });
  $('queue-table').tBodies[0].replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 7 }, 'No reviews match.'))]));
}

async function showReturn(returnId, keepOutcome) {
  state.selected = returnId;
  if (!keepOutcome) $('outcome').replaceChildren();
  $('details-title').textContent = `Return ${returnId}: loading…`;
  try {
    renderExplanation(await api(`/api/return?${new URLSearchParams({ returnId })}`));
  } catch (error) {
    showOutcome('ERROR', error.message);
  }
  for (const tr of $('queue-table').tBodies[0].rows) tr.classList.toggle('selected', tr.querySelector('button')?.textContent === returnId);
  $('details').focus();
}

/** An R7 alert has no return: show what the queue knows and the decision form (v1.2: RELEASE clears the employee, DENY confirms). */
function showAlert(r) {
  state.selected = null;
  $('outcome').replaceChildren();
  $('details-empty').hidden = true;
  $('explanation').hidden = false;
  $('details-title').textContent = `Employee alert: ${r.employeeId || '?'} (${r.status})`;
  $('headline').replaceChildren(`${r.reason}: receipts by this employee up to `, when(r.raisedAt), ` were held because their evidence did not add up; later receipts by them are held while the alert's flag stands.`);
  const facts = [
    ['Employee', r.employeeId || '?'],
    ['Raised', when(r.raisedAt)],
    ['Money at stake', money(r.atStake)],
    ['Warehouse', r.warehouseId || '-'],
    ['May not decide', r.employeeId || '?'],
  ];
  $('facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, typeof v === 'string' ? words(v) : v)]));
  $('missing').replaceChildren(el('li', {}, 'A reviewer\'s answer: Release clears the employee (the flag lifts from the decision), Deny confirms (the flag stands until it ends).'));
  $('timeline').replaceChildren();
  $('evidence').replaceChildren(el('li', {}, 'The held receipts are on their own returns in the queue; each keeps its review whatever the answer.'));
  const why = 'Answer the alert itself; it has no return. Receipts already held keep their own reviews.';
  $('open-reviews').replaceChildren(r.status === 'OPEN' ? reviewCard({ returnId: undefined }, { ...r, why }, 0) : el('p', {}, 'None.'));
  $('closed-reviews').replaceChildren(el('li', {}, 'None.'));
  $('details').focus();
}

function renderExplanation(e) {
  $('details-empty').hidden = true;
  $('explanation').hidden = false;
  $('details-title').textContent = `Return ${e.returnId}: ${e.status}`;
  // A closed return's headline names its time: written here in the reader's zone, as every other time on the page.
  if (e.released) $('headline').replaceChildren(`Refund released ${e.released.basis === 'REVIEWER_RELEASED' ? 'by a reviewer' : 'on matched evidence'} at `, when(e.released.releasedAt), '.');
  else if (e.denied) $('headline').replaceChildren(`Refund denied by ${e.denied.reviewerId} at `, when(e.denied.deniedAt), '.');
  else $('headline').textContent = e.headline;
  const facts = [
    ['Money held', money(e.moneyHeld)],
    ['Authorized', money(e.authorizedRefund)],
    ['Requested', e.requestedRefund ? `${money(e.requestedRefund)} (${e.refundId})` : '-'],
    ['Order / customer', e.orderId ? `${e.orderId} / ${e.customerId}` : '-'],
    ['Warehouse', e.warehouseId || '-'],
    ['Parcel', e.carrier ? `${e.carrier} ${e.trackingNumber}` : '-'],
  ];
  if (e.released) facts.push(['Released', `${money(e.released.amount)} at ${localTime(e.released.releasedAt)} (${e.released.basis})`]);
  if (e.denied) facts.push(['Denied', `${money(e.denied.amount)} at ${localTime(e.denied.deniedAt)} by ${e.denied.reviewerId}`]);
  if (e.decision) facts.push(['Decision', `${e.decision.decision} by ${e.decision.reviewerId} at ${localTime(e.decision.decidedAt)}${e.decision.note ? `: "${e.decision.note}"` : ''}`]);
  if (e.excludedReviewers.length) facts.push(['May not decide', e.excludedReviewers.join(', ')]);
  $('facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, typeof v === 'string' ? words(v) : v)]));
  $('missing').replaceChildren(...(e.missing.length ? e.missing.map((m) => el('li', {}, words(m.text))) : [el('li', {}, 'Nothing.')]));
  // One fact an item: its time, type and source on a line, what it says below at the pane's full width
  // (columns side by side leave the words too little room in the pane at 1280 px).
  $('timeline').replaceChildren(
    ...e.timeline.map((t) =>
      el('li', {}, el('p', {}, when(t.at), ' ', el('span', { class: 'fact' }, t.detailType), ' ', el('small', { class: 'source' }, t.source)), el('p', {}, words(t.summary))),
    ),
  );
  const ev = [];
  if (e.evidence.expectedWeight) ev.push(el('li', {}, `Expected weight ${e.evidence.expectedWeight.grams} g`));
  if (!e.evidence.scans.length) ev.push(el('li', {}, 'No DELIVERED carrier scan.'));
  for (const s of e.evidence.scans) {
    ev.push(el('li', {}, `Scan ${s.scanId}: ${s.status} at ${s.facilityId || '(no facility)'} ${localTime(s.scannedAt)}${s.inbound ? ' (inbound)' : ''}${s.weight ? `, ${s.weight.grams} g` : ''}`));
  }
  if (!e.evidence.receipts.length) ev.push(el('li', {}, 'No warehouse receipt.'));
  for (const r of e.evidence.receipts) {
    const verdict = r.matched === null ? 'not assessed' : r.matched ? `matched by ${r.matchingScanId}` : `not matched: ${r.unmatchedReason}`;
    ev.push(el('li', {}, `Receipt ${r.receiptId}: ${r.warehouseId} by ${r.employeeId} ${localTime(r.receivedAt)}, ${r.condition}${r.weight ? `, ${r.weight.grams} g` : ''}; ${verdict}${r.employeeFlagged ? ` (employee flagged until ${localTime(r.employeeFlagged.flaggedUntil)}${r.employeeFlagged.liftedAt ? `, cleared ${localTime(r.employeeFlagged.liftedAt)}` : ''})` : ''}`));
    const w = r.weightCheck;
    if (w && !w.agree) ev.push(el('li', {}, `Weights disagree by ${w.differenceGrams} g (tolerance ${w.toleranceGrams} g): ${w.disagreeing.map((k) => `${k.source} ${k.grams} g`).join(' vs ')}`));
  }
  $('evidence').replaceChildren(...ev.map((li) => el('li', {}, words(li.textContent))));
  $('open-reviews').replaceChildren(...(e.openReviews.length ? e.openReviews.map((r, i) => reviewCard(e, r, i)) : [el('p', {}, 'None.')]));
  $('closed-reviews').replaceChildren(...(e.closedReviews.length ? e.closedReviews.map((r) => el('li', {}, words(`${r.status}${r.clearCause ? ` (${r.clearCause})` : ''}: ${r.reason} (${r.reviewId})`))) : [el('li', {}, 'None.')]));
}

function reviewCard(e, r, i) {
  const noteId = `note-${i}`;
  const reviewerId = `reviewer-${i}`;
  const form = el('form', { 'aria-label': `Decide review ${r.reason}` });
  const note = el('textarea', { id: noteId, name: 'note', required: true, 'aria-required': 'true', maxlength: 2000 });
  const reviewer = el('input', { id: reviewerId, name: 'reviewer', type: 'text', required: true, value: state.reviewer, readonly: state.reviewerFixed || null });
  const submit = (decision) => async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    for (const b of form.querySelectorAll('button')) b.disabled = true;
    try {
      const out = await api('/api/decisions', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken },
        body: JSON.stringify({ reviewId: r.reviewId, returnId: e.returnId, decision, note: note.value, reviewerId: reviewer.value }),
      });
      showOutcome(out.result.outcome.kind, out.text);
      if (out.explanation) renderExplanation(out.explanation);
      await loadQueue();
    } catch (error) {
      showOutcome('ERROR', `Not submitted: ${error.message}`);
    } finally {
      for (const b of form.querySelectorAll('button')) b.disabled = false;
    }
  };
  form.append(
    el('label', { for: reviewerId }, 'Reviewer id'),
    reviewer,
    el('label', { for: noteId }, 'Note (required)'),
    note,
    el(
      'div',
      { class: 'buttons' },
      el('button', { type: 'submit', onclick: submit('RELEASE') }, 'Release'),
      el('button', { type: 'submit', class: 'deny', onclick: submit('DENY') }, 'Deny'),
    ),
  );
  return el(
    'div',
    { class: 'review', 'data-review-id': r.reviewId },
    el('p', {}, el('strong', { class: `sev-${r.severity}` }, r.severity), ` ${r.reason}, raised ${localTime(r.raisedAt)}, at stake ${money(r.atStake)}`),
    el('p', {}, r.why),
    el('p', {}, el('small', {}, 'Review ', el('span', { class: 'id' }, r.reviewId))),
    form,
  );
}

function showOutcome(kind, text) {
  const box = $('outcome');
  box.className = kind;
  const label = {
    RELEASED: 'Released',
    DENIED: 'Denied',
    ACCEPTED_AWAITING_REFUND_REQUEST: 'Accepted',
    ALERT_CLOSED: 'Alert closed',
    SELF_REVIEW_REFUSED: 'Refused: self-review',
    IGNORED: 'Ignored',
    PENDING: 'Submitted, not processed yet',
    REJECTED: 'Rejected',
    ERROR: 'Error',
  }[kind] || kind;
  // One message: the server's sentence says the outcome itself ("denied: USD 450.00 …"), so it is not labelled again.
  const said = text ? text.charAt(0).toUpperCase() + text.slice(1) : label;
  box.replaceChildren(words(said));
}

document.addEventListener('DOMContentLoaded', () => {
  $('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    loadQueue().catch((error) => showOutcome('ERROR', error.message));
  });
  for (const id of ['f-severity', 'f-warehouse', 'f-open']) $(id).addEventListener('change', () => loadQueue().catch((error) => showOutcome('ERROR', error.message)));
  loadSession()
    .then(loadQueue)
    .catch((error) => showOutcome('ERROR', error.message));
});
