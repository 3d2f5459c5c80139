/*
 * The review console in a real headless browser (Debian's Chromium driven by
 * playwright-core) on a kept local run: the analyst opens the queue, explains
 * a return, releases one, denies another, is refused as self-review, and
 * sees an ignored decision for what it is. A screenshot goes to
 * test-results/review-console*.png.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopDbServer } from '../../cli/db-server.js';
import { LocalBackend } from '../../cli/backends/local.js';
import { CONTENT_SECURITY_POLICY, ReviewConsole } from '../../cli/commands/console.js';
import { decide } from '../../cli/commands/decide.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const BIN = new URL('../../cli/bin.mjs', import.meta.url).pathname;
const FIXTURE = new URL('../fixtures/review-queue.jsonl', import.meta.url).pathname;
const OUT_DIR = new URL('../../test-results/', import.meta.url).pathname;
const hasChromium = existsSync(CHROMIUM);
/** How long to wait for the page to show something (a decision runs the real handlers). */
const WAIT = { timeout: 60_000, interval: 100 };
if (!hasChromium) console.warn(`SKIPPED review console browser test: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

/**
 * After the fixture, a parcel ring (v1.2): three customers name one delivered
 * tracking number; the first is paid, the other two are held with
 * PARCEL_EVIDENCE_REUSED (HIGH), each naming the other two returns.
 */
function parcelRing(): string {
  const at = (hhmm: string) => `2026-11-20T${hhmm}:00Z`;
  let n = 0;
  const event = (type: string, source: string, time: string, detail: Record<string, unknown>) =>
    JSON.stringify({ version: '0', id: `ring-${++n}`, 'detail-type': type, source, account: '123456789012', time, region: 'us-east-1', resources: [], detail });
  const story = (id: string, hh: string, delivered: boolean) => [
    event('ReturnAuthorized', 'retail.returns', at(`${hh}:00`), { returnId: id, orderId: `ORD-${id}`, customerId: `CUST-${id}`, warehouseId: 'WH-DFW', carrier: 'UPS', trackingNumber: '1ZRING0001', refund: { amount: 19900, currency: 'USD' }, authorizedAt: at(`${hh}:00`) }),
    ...(delivered ? [event('CarrierScan', 'retail.carrier', at(`${hh}:05`), { scanId: `UPS-${id}`, carrier: 'UPS', trackingNumber: '1ZRING0001', status: 'DELIVERED', facilityId: 'WH-DFW', scannedAt: at(`${hh}:05`) })] : []),
    event('WarehouseReceipt', 'retail.warehouse', at(`${hh}:10`), { receiptId: `RCV-${id}`, returnId: id, warehouseId: 'WH-DFW', employeeId: 'emp-dfw-02', receivedAt: at(`${hh}:10`), condition: 'AS_EXPECTED', stationId: 'DFW-DOCK-2' }),
    event('RefundRequested', 'retail.refunds', at(`${hh}:15`), { refundId: `RFD-${id}`, returnId: id, amount: { amount: 19900, currency: 'USD' }, requestedAt: at(`${hh}:15`) }),
  ];
  return `${[...story('RING-A', '15', true), ...story('RING-B', '16', false), ...story('RING-C', '17', false)].join('\n')}\n`;
}

function replay(db: string, events = FIXTURE): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'replay', events, '--db', db], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LOG_LEVEL: 'ERROR' } });
    child.on('error', reject);
    child.on('close', resolve);
  });
}

describe.skipIf(!hasChromium)('review console in headless Chromium', () => {
  let dir: string;
  let backend: LocalBackend;
  let server: ReviewConsole;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rg-console-'));
    const db = join(dir, 'd');
    expect(await replay(db)).toBe(0);
    writeFileSync(join(dir, 'ring.jsonl'), parcelRing());
    expect(await replay(db, join(dir, 'ring.jsonl'))).toBe(0);
    backend = await LocalBackend.open(db, undefined, new Logger({ serviceName: 'refund-gate', logLevel: 'ERROR' }));
    server = await ReviewConsole.start(backend, { port: 0, reviewer: 'lp-ana' });
    // A new, empty profile for this run (launchPersistentContext is how playwright takes --user-data-dir).
    browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await backend?.close();
    // The kept run's DynamoDB Local outlives the backend (cli/db-server.ts): stop it.
    await stopDbServer(join(dir, 'd'));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Open a return from the queue (a return with two open reviews has two rows) and wait until it is shown, not while it loads. */
  async function openReturn(returnId: string): Promise<void> {
    await page.getByRole('button', { name: `Explain return ${returnId}` }).first().click();
    await expect
      .poll(async () => {
        const title = (await page.locator('#details-title').textContent()) ?? '';
        return title.startsWith(`Return ${returnId}: `) && !title.endsWith('loading…');
      }, WAIT)
      .toBe(true);
  }

  async function decideInPage(decision: 'Release' | 'Deny', note: string, reviewer?: string): Promise<string> {
    const card = page.locator('#open-reviews .review').first();
    if (reviewer !== undefined) await card.getByLabel('Reviewer id').fill(reviewer);
    await card.getByLabel('Note (required)').fill(note);
    await card.getByRole('button', { name: decision }).click();
    await expect.poll(async () => (await page.locator('#outcome').textContent()) ?? '', WAIT).not.toBe('');
    return (await page.locator('#outcome').textContent()) ?? '';
  }

  /** Words (runs without white space) in the queue's cells, the return's facts and its timeline that the layout broke over two lines: none may be. */
  const brokenWords = () =>
    page.evaluate(`(() => {
      const broken = [];
      for (const td of document.querySelectorAll('#queue-table td, #facts dd, #timeline li')) {
        const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          for (const m of node.data.matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(node, m.index);
            range.setEnd(node, m.index + m[0].length);
            const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
            if (tops.size > 1) broken.push(m[0]);
          }
        }
      }
      return broken;
    })()`);

  /**
   * The page, the return's pane, its timeline and the queue table's scroll
   * box, named with the width its content needs when that is more than it
   * shows (a horizontal scrollbar): none may be.
   */
  const sidewaysScroll = () =>
    page.evaluate(`(() => {
      const boxes = [['page', document.scrollingElement], ['#details', document.getElementById('details')], ['#timeline', document.getElementById('timeline')]];
      for (const wrap of document.querySelectorAll('main .table-wrap')) boxes.push(['the table box of #' + wrap.querySelector('table').id, wrap]);
      return boxes.filter(([, e]) => e.scrollWidth > e.clientWidth).map(([name, e]) => name + ': needs ' + e.scrollWidth + 'px, shows ' + e.clientWidth + 'px');
    })()`);

  it('serves the page with a strict CSP and refuses cross-site posts', async () => {
    const response = await page.goto(server.url);
    expect(response?.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    await expect.poll(() => page.locator('#queue-table tbody tr').count(), WAIT).toBeGreaterThan(5);
    // The fixture's USD 3551.98 and the parcel ring's two held refunds of USD 199.00.
    expect(await page.locator('#queue-summary').textContent()).toContain('money at stake USD 3949.98');

    // Without the session's token (what another site's form or fetch would send), nothing is decided.
    const status = await page.evaluate(async () => {
      const r = await fetch('/api/decisions', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ reviewId: 'rv-receipt#RMA-2002#RCV-RQ-2002', decision: 'RELEASE', note: 'x', reviewerId: 'lp-ana' }),
      });
      return r.status;
    });
    expect(status).toBe(403);
    // A page on another name that resolves here (DNS rebinding) is refused by the Host check.
    const wrongHost = await new Promise<number | undefined>((resolve, reject) => {
      request(server.url, { headers: { Host: `evil.example:${server.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
        .on('error', reject)
        .end();
    });
    expect(wrongHost).toBe(421);
  });

  it('filters the queue by severity and warehouse', async () => {
    await page.getByLabel('Severity').selectOption('HIGH');
    // The fixture's two, and the parcel ring's two.
    await expect.poll(() => page.locator('#queue-table tbody tr').count(), WAIT).toBe(4);
    await page.getByLabel('Severity').selectOption('');
    await page.getByLabel('Warehouse').selectOption('WH-AUS');
    await expect.poll(() => page.locator('#queue-table tbody tr').count(), WAIT).toBe(1);
    expect(await page.locator('#queue-table tbody').textContent()).toContain('Refund exceeds authorized');
    expect(await page.locator('#queue-table tbody span[title="REFUND_EXCEEDS_AUTHORIZED"]').count()).toBe(1);
    await page.getByLabel('Warehouse').selectOption('');
    await expect.poll(() => page.locator('#queue-table tbody tr').count(), WAIT).toBeGreaterThan(5);
  });

  it('labels every control and works from the keyboard', async () => {
    // (Evaluated in the page, given as source text: the test's own TypeScript has no DOM types.)
    const unlabelled = (selector: string) =>
      page.evaluate(`[...document.querySelectorAll(${JSON.stringify(selector)})].filter((e) => e.labels.length === 0).map((e) => e.outerHTML)`);
    expect(await unlabelled('input, select, textarea')).toEqual([]);
    await page.getByRole('button', { name: 'Explain return RMA-2006' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#details-title').textContent(), WAIT).toBe('Return RMA-2006: HELD');
    // The details region takes focus, so a keyboard user lands on what they opened.
    expect(await page.evaluate('document.activeElement.id')).toBe('details');
    expect(await page.locator('#open-reviews textarea').count()).toBe(1);
    expect(await unlabelled('#open-reviews input, #open-reviews textarea')).toEqual([]);
  });

  it('shows a shared parcel under the row\'s reason, each other return a link to its explanation', async () => {
    const row = page.locator('#queue-table tbody tr', { hasText: 'RING-B' }).first();
    await expect.poll(() => row.locator('.note').textContent(), WAIT).toBe('Parcel also named by RING-A, RING-C');
    expect(await row.locator('span[title="PARCEL_EVIDENCE_REUSED"]').count()).toBe(1);
    await row.getByRole('button', { name: 'Explain return RING-A, which names the same parcel' }).click();
    await expect.poll(() => page.locator('#details-title').textContent(), WAIT).toBe('Return RING-A: RELEASED');
  });

  it('releases a held return and shows it released', async () => {
    await openReturn('RMA-2002');
    expect(await page.locator('#timeline').textContent()).toContain('DELIVERED scan at WH-AUS');
    // The note is required: an empty note submits nothing.
    await page.locator('#open-reviews .review').first().getByRole('button', { name: 'Release' }).click();
    expect(await page.locator('#outcome').textContent()).toBe('');

    const text = await decideInPage('Release', 'carrier misrouted; parcel is on our dock');
    expect(text).toMatch(/^Released: USD 129\.99/);
    expect(await page.locator('#details-title').textContent()).toBe('Return RMA-2002: RELEASED');
    expect(await page.locator('#open-reviews').textContent()).toBe('None.');
    await expect.poll(() => page.locator('#queue-table tbody').textContent(), WAIT).not.toContain('RMA-2002');
  });

  it('denies a return and shows it denied', async () => {
    await openReturn('RMA-2003');
    const text = await decideInPage('Deny', 'empty box confirmed on camera');
    expect(text).toMatch(/^Denied: USD 450\.00/);
    expect(await page.locator('#details-title').textContent()).toBe('Return RMA-2003: DENIED');
    // "Denied: USD 450.00 at … by lp-ana": the reviewer's id stays whole.
    expect(await brokenWords()).toEqual([]);
    mkdirSync(OUT_DIR, { recursive: true });
    await page.screenshot({ path: join(OUT_DIR, 'review-console.png'), fullPage: true });
  });

  it('shows a self-review as refused', async () => {
    await openReturn('RMA-2001');
    const text = await decideInPage('Release', 'I received it myself', 'emp-dfw-07');
    expect(text).toMatch(/^Refused as self-review: emp-dfw-07 received this return/);
    expect(await page.locator('#details-title').textContent()).toBe('Return RMA-2001: HELD');
    expect(await page.locator('#open-reviews').textContent()).toContain('SELF_REVIEW_ATTEMPT');
  });

  it('shows a decision that changed nothing as ignored, with why', async () => {
    await openReturn('RMA-2005');
    // Another reviewer decides first, while this page still shows the review as open.
    const first = await decide(backend, { reviewId: 'rv-refund-exceeds#RMA-2005#RFD-RQ-2005', decision: 'DENY', reviewerId: 'lp-bob', note: 'over limit' });
    expect(first.outcome.kind).toBe('DENIED');
    const text = await decideInPage('Release', 'looks fine', 'lp-ana');
    expect(text).toMatch(/^Ignored \(RETURN_ALREADY_DECIDED\): /);
    // Two decisions naming rv-refund-exceeds#RMA-2005#RFD-RQ-2005 in the timeline: each id whole, nothing sideways.
    expect(await brokenWords()).toEqual([]);
    expect(await sidewaysScroll()).toEqual([]);
    await page.screenshot({ path: join(OUT_DIR, 'review-console-ignored.png'), fullPage: true });
  });

  it('reads well at 1280×800 and 1920×1080: no word broken in a cell, the return pane and its timeline never scroll sideways, local times with UTC on hover, a favicon', async () => {
    mkdirSync(OUT_DIR, { recursive: true });
    for (const [width, height] of [
      [1280, 800],
      [1920, 1080],
    ] as const) {
      await page.setViewportSize({ width, height });
      const response = await page.goto(server.url);
      expect(await response?.text()).toContain('Loading the queue…');
      await expect.poll(() => page.locator('#queue-table tbody tr').count(), WAIT).toBeGreaterThan(3);
      expect(await page.locator('#queue-table').getAttribute('aria-busy')).toBe('false');
      const raised = page.locator('#queue-table tbody time').first();
      expect(await raised.getAttribute('title')).toMatch(/^2026-11-20 \d\d:\d\d:\d\d UTC$/);
      expect(await raised.textContent()).not.toContain('T');
      expect(await brokenWords()).toEqual([]);
      expect(await sidewaysScroll(), `${width}×${height}`).toEqual([]);
      await page.screenshot({ path: join(OUT_DIR, `review-console-queue-${width}x${height}.png`) });

      // RMA-2001's timeline holds the refused self-review (a decision id in a review id), the longest words here.
      for (const returnId of ['RMA-2001', 'RMA-2008', 'RMA-2006']) {
        await openReturn(returnId);
        expect(await brokenWords(), `${returnId} at ${width}×${height}`).toEqual([]);
        expect(await sidewaysScroll(), `${returnId} at ${width}×${height}`).toEqual([]);
      }
      await page.screenshot({ path: join(OUT_DIR, `review-console-return-${width}x${height}.png`), fullPage: true });
    }
    const icon = await page.request.get(new URL('/favicon.ico', server.url).href);
    expect(icon.status()).toBe(200);
    expect(icon.headers()['content-type']).toBe('image/svg+xml');
  });
});
