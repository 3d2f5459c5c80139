/*
 * `refund-gate serve` and `refund-gate webhook` as a user runs them: real
 * subprocesses (node cli/bin.mjs). serve starts its own DynamoDB
 * Local and a real node:http server; requests go over real HTTP.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, fixturePath, independentSign, receiveFile, receiveFixture, SECRETS, signatureOf } from '../unit/carriers-fixtures.js';
import { runCli } from '../support/cli.js';
import { childPids, commandOf, isAlive } from '../support/processes.js';

const BIN = new URL('../../cli/bin.mjs', import.meta.url).pathname;

type Line = Record<string, any>;

/** A running `serve`: its stdout lines as they arrive, and waiting for one. */
class Served {
  public readonly lines: Line[] = [];
  public stderr = '';
  public port = 0;
  private readonly waiters: Array<{ test: (l: Line) => boolean; resolve: (l: Line) => void }> = [];
  private partial = '';
  public readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  public constructor(public readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => {
      this.partial += chunk.toString();
      const parts = this.partial.split('\n');
      this.partial = parts.pop()!;
      for (const text of parts.filter((p) => p !== '')) {
        const line = JSON.parse(text) as Line;
        this.lines.push(line);
        for (const w of [...this.waiters]) {
          if (w.test(line)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  }

  public ready(): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(this.stderr);
        if (m) {
          this.port = Number(m[1]);
          resolve(this.port);
        }
      };
      this.child.stderr.on('data', check);
      this.child.on('close', () => reject(new Error(`serve exited before it was ready: ${this.stderr}`)));
      check();
    });
  }

  /** The first stdout line (already printed or still to come) that passes `test`. */
  public waitFor(test: (l: Line) => boolean): Promise<Line> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  public async post(path: string, data: string | Buffer, headers: Record<string, string> = {}, method = 'POST'): Promise<{ status: number; body: any }> {
    const response = await fetch(`http://127.0.0.1:${this.port}${path}`, { method, body: method === 'GET' ? undefined : data, headers: { 'content-type': 'application/json', ...headers } });
    return { status: response.status, body: await response.json() };
  }
}

const envelope = (detailType: string, source: string, detail: Record<string, unknown>, id: string) => ({
  version: '0',
  id,
  'detail-type': detailType,
  source,
  account: '123456789012',
  time: '2026-11-30T08:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail,
});


describe('refund-gate serve (subprocess, real HTTP, DynamoDB Local)', { timeout: 180_000 }, () => {
  let served: Served;
  let javaPid: number | undefined;

  beforeAll(async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--port', '0', '--facilities', fixturePath('facilities.json'), '--easypost-secret', SECRETS.easypost],
      {
        env: { ...process.env, REFUND_GATE_AFTERSHIP_SECRET: SECRETS.aftership, REFUND_GATE_UPS_SECRET: SECRETS.ups, REFUND_GATE_SHIPPO_SECRET: SECRETS.shippo },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    served = new Served(child);
    await served.ready();
    javaPid = childPids(child.pid!).find((p) => commandOf(p) === 'java');
  });

  afterAll(async () => {
    if (served && served.child.exitCode === null) {
      served.child.kill('SIGKILL');
      await served.exited;
    }
  });

  it("takes UPS's published delivery example and a signed live Shippo update over HTTP, and refuses test mode (403), an old t and a wrong credential (401)", async () => {
    const ups = await served.post('/webhooks/ups', body('ups-delivered.json'), { credential: SECRETS.ups });
    expect(ups).toMatchObject({ status: 200, body: { accepted: 1, skipped: 0 } });
    // Delivered through the pipeline (no return yet: nothing to print), not rejected by its validation.
    expect(ups.body.results).toEqual([{ scanId: receiveFile('ups', 'ups-delivered.json').scans[0]!.scanId, line: expect.any(Number) }]);
    const live = body('shippo-delivered.json');
    const shippo = await served.post('/webhooks/shippo', live, { 'Shippo-Auth-Signature': independentSign.shippo(live) });
    expect(shippo).toMatchObject({ status: 200, body: { accepted: 3, skipped: 1 } });
    const published = body('shippo-track-updated.json');
    expect((await served.post('/webhooks/shippo', published, { 'Shippo-Auth-Signature': independentSign.shippo(published) })).status).toBe(403);
    expect((await served.post('/webhooks/shippo', live, { 'Shippo-Auth-Signature': independentSign.shippo(live, SECRETS.shippo, Date.now() - 600_000) })).status).toBe(401);
    expect((await served.post('/webhooks/ups', body('ups-delivered.json'), { credential: SECRETS.ups.slice(1) })).status).toBe(401);
  });

  it('binds 127.0.0.1 and runs DynamoDB Local as its child', () => {
    expect(served.port).toBeGreaterThan(0);
    expect(javaPid).toBeDefined();
  });

  it('puts the scans of a signed AfterShip webhook through the pipeline, and a redelivery again without a rejection', async () => {
    // Prepare
    const file = 'aftership-delivered.json';
    const expected = receiveFixture(file).scans.map((s) => s.scanId);
    // Act
    const first = await served.post('/webhooks/aftership', body(file), { 'aftership-hmac-sha256': signatureOf(file).value });
    const again = await served.post('/webhooks/aftership', body(file), { 'aftership-hmac-sha256': signatureOf(file).value });
    // Assess
    expect(first.status).toBe(200);
    expect(first.body.accepted).toBe(5);
    expect(first.body.results.map((r: Line) => r['scanId'])).toEqual(expected);
    expect(again.status).toBe(200);
    expect(again.body.results.map((r: Line) => r['scanId'])).toEqual(expected);
    expect(again.body.results.every((r: Line) => r['rejected'] === undefined)).toBe(true);
  });

  it('releases the refund once the return is authorized, received and requested (the webhook came first)', async () => {
    // Act
    const response = await served.post(
      '/events',
      JSON.stringify([
        envelope('ReturnAuthorized', 'retail.returns', {
          returnId: 'RMA-AS-1',
          orderId: 'O-1',
          customerId: 'C-1',
          warehouseId: 'WH-ATL-1',
          carrier: 'USPS',
          trackingNumber: '9361289676091361892011',
          refund: { amount: 8999, currency: 'USD' },
          authorizedAt: '2021-01-01T12:00:00Z',
        }, 'a-1'),
        envelope('WarehouseReceipt', 'retail.warehouse', { receiptId: 'RC-AS-1', returnId: 'RMA-AS-1', warehouseId: 'WH-ATL-1', employeeId: 'E-1', receivedAt: '2021-01-05T16:00:00Z' }, 'a-2'),
        envelope('RefundRequested', 'retail.refunds', { refundId: 'RF-AS-1', returnId: 'RMA-AS-1', amount: { amount: 8999, currency: 'USD' }, requestedAt: '2021-01-05T16:10:00Z' }, 'a-3'),
      ]),
    );
    // Assess
    expect(response.status).toBe(200);
    const released = await served.waitFor((l) => l['detailType'] === 'RefundReleased' && l['detail']['returnId'] === 'RMA-AS-1');
    const delivered = receiveFixture('aftership-delivered.json').scans.find((s) => s.status === 'DELIVERED')!;
    expect(released).toMatchObject({ channel: 'eventbridge', source: 'refund-gate', detail: { refundId: 'RF-AS-1', basis: 'EVIDENCE_MATCHED', scanId: delivered.scanId, receiptId: 'RC-AS-1' } });
  });

  it('holds a refund whose parcel EasyPost delivered elsewhere: INBOUND_SCAN_AT_OTHER_FACILITY', async () => {
    // Act
    await served.post('/events', JSON.stringify(envelope('ReturnAuthorized', 'retail.returns', {
      returnId: 'RMA-EP-1',
      orderId: 'O-2',
      customerId: 'C-2',
      warehouseId: 'WH-NYC-1',
      carrier: 'FedEx',
      trackingNumber: '1',
      refund: { amount: 129900, currency: 'USD' },
      authorizedAt: '2024-07-30T12:00:00Z',
    }, 'b-1')));
    // EasyPost's published example Event first (in transit), then the same tracker delivered elsewhere: its history repeats.
    const published = 'easypost-in-transit.json';
    const earlier = await served.post('/webhooks/easypost', body(published), { 'X-Hmac-Signature': signatureOf(published).value });
    const file = 'easypost-delivered-elsewhere.json';
    const webhook = await served.post('/webhooks/easypost', body(file), { 'X-Hmac-Signature': signatureOf(file).value });
    await served.post('/events', JSON.stringify([
      envelope('WarehouseReceipt', 'retail.warehouse', { receiptId: 'RC-EP-1', returnId: 'RMA-EP-1', warehouseId: 'WH-NYC-1', employeeId: 'E-9', receivedAt: '2024-08-05T16:00:00Z' }, 'b-2'),
      envelope('RefundRequested', 'retail.refunds', { refundId: 'RF-EP-1', returnId: 'RMA-EP-1', amount: { amount: 129900, currency: 'USD' }, requestedAt: '2024-08-05T16:30:00Z' }, 'b-3'),
    ]));
    // Assess
    expect(earlier).toMatchObject({ status: 200, body: { accepted: 7, skipped: 0 } });
    expect(webhook).toMatchObject({ status: 200, body: { accepted: 10, skipped: 1 } });
    const repeated = webhook.body.results.filter((r: Line) => earlier.body.results.some((e: Line) => e['scanId'] === r['scanId']));
    expect(repeated).toHaveLength(7);
    expect(webhook.body.results.every((r: Line) => r['rejected'] === undefined)).toBe(true);
    const review = await served.waitFor((l) => l['channel'] === 'sns' && l['message']['returnId'] === 'RMA-EP-1' && l['message']['type'] === 'ReviewRequested');
    expect(review['message']['reason']).toBe('INBOUND_SCAN_AT_OTHER_FACILITY');
    expect(served.lines.some((l) => l['detailType'] === 'RefundReleased' && l['detail']['returnId'] === 'RMA-EP-1')).toBe(false);
  });

  it.each([
    ['a re-serialised body', () => ['/webhooks/aftership', JSON.stringify(JSON.parse(body('aftership-delivered.json').toString())), { 'aftership-hmac-sha256': signatureOf('aftership-delivered.json').value }], 401],
    ['an unsigned body', () => ['/webhooks/easypost', body('easypost-delivered.json'), {}], 401],
    ['a signed body that is not JSON', () => ['/webhooks/aftership', 'not json', { 'aftership-hmac-sha256': independentSign.aftership(Buffer.from('not json')) }], 400],
    ['a body over 1 MiB', () => ['/webhooks/aftership', Buffer.alloc(1024 * 1024 + 1, 0x20), { 'aftership-hmac-sha256': 'x' }], 413],
    ['an unknown provider', () => ['/webhooks/fedex', '{}', {}], 404],
  ] as Array<[string, () => readonly [string, string | Buffer, Record<string, string>], number]>)('refuses %s over HTTP and delivers nothing', async (_name, request, status) => {
    const before = served.lines.length;
    const [path, data, headers] = request();
    const response = await served.post(path, data, headers);
    expect(response.status).toBe(status);
    expect(response.body).toHaveProperty('error');
    expect(served.lines.length).toBe(before);
  });

  it('answers GET with 405', async () => {
    expect((await served.post('/webhooks/easypost', '', {}, 'GET')).status).toBe(405);
  });

  it('reports a rejected envelope on /events as replay does, with the line it was given', async () => {
    const response = await served.post('/events', JSON.stringify(envelope('WarehouseReceipt', 'someone.else', { receiptId: 'x' }, 'c-1')));
    expect(response.status).toBe(422);
    const line = response.body.results[0].line as number;
    expect(await served.waitFor((l) => l['channel'] === 'rejected' && l['line'] === line)).toHaveProperty('error');
  });

  it('stops on Ctrl-C (SIGINT) with status 130, and DynamoDB Local with it', async () => {
    served.child.kill('SIGINT');
    const { code } = await served.exited;
    expect(code).toBe(130);
    expect(served.stderr).toContain('DynamoDB Local stopped');
    expect(isAlive(javaPid!)).toBe(false);
  });
});

describe('refund-gate webhook (subprocess)', { timeout: 60_000 }, () => {
  const run = (args: string[], env: NodeJS.ProcessEnv = process.env) => runCli(['webhook', ...args], env);

  it('prints the CarrierScan envelopes a published EasyPost body becomes, one JSON per line', async () => {
    const file = 'easypost-delivered.json';
    const result = await run(['easypost', fixturePath(file), '--secret', SECRETS.easypost, '--signature', signatureOf(file).value, '--facilities', fixturePath('facilities.json'), '--source', 'acme.carrier']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);
    expect(lines).toEqual(receiveFixture(file, { source: 'acme.carrier' }).envelopes.map((e) => JSON.parse(JSON.stringify(e))));
    expect(lines.find((l) => l['detail']['status'] === 'DELIVERED')!['detail']['facilityId']).toBe('WH-NYC-1');
    expect(result.stderr).toContain('"unknown"');
  });

  it('takes the secret from the environment', async () => {
    const file = 'aftership-delivered.json';
    const result = await run(['aftership', fixturePath(file), '--signature', signatureOf(file).value], { ...process.env, REFUND_GATE_AFTERSHIP_SECRET: SECRETS.aftership });
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(5);
  });

  it.each([
    ['a signature of another body', ['aftership', fixturePath('aftership-delivered.json'), '--secret', SECRETS.aftership, '--signature', signatureOf('aftership-delivered-elsewhere.json').value]],
    ['a wrong secret', ['easypost', fixturePath('easypost-in-transit.json'), '--secret', 'not-the-secret-but-as-long-as-one-0123', '--signature', signatureOf('easypost-in-transit.json').value]],
    ['a secret shorter than 32 bytes', ['easypost', fixturePath('easypost-in-transit.json'), '--secret', 'nope', '--signature', signatureOf('easypost-in-transit.json').value]],
    ['a wrong UPS credential', ['ups', fixturePath('ups-delivered.json'), '--secret', SECRETS.ups, '--signature', `${SECRETS.ups}0`]],
    ['a Shippo t older than 5 minutes', ['shippo', fixturePath('shippo-delivered.json'), '--secret', SECRETS.shippo, '--signature', independentSign.shippo(body('shippo-delivered.json'), SECRETS.shippo, Date.now() - 600_000)]],
    ["Shippo's published test example", ['shippo', fixturePath('shippo-track-updated.json'), '--secret', SECRETS.shippo, '--signature', independentSign.shippo(body('shippo-track-updated.json'))]],
    ['a UPS CIE test tracking number', ['ups', fixturePath('ups-test-mode.json'), '--secret', SECRETS.ups, '--signature', SECRETS.ups]],
    ['a body that is not JSON', ['aftership', fixturePath('README.md'), '--secret', SECRETS.aftership, '--signature', independentSign.aftership(body('README.md'))]],
    ['an unknown provider', ['fedex', fixturePath('aftership-delivered.json'), '--secret', 's', '--signature', 'x']],
  ])('exits 2 with one line and prints nothing for %s', async (_name, args) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it("prints the scan UPS's published delivery example becomes (exit 0), with the credential UPS presented", async () => {
    const result = await run(['ups', fixturePath('ups-delivered.json'), '--secret', SECRETS.ups, '--signature', SECRETS.ups, '--facilities', fixturePath('facilities.json')]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);
    expect(lines.map((l) => l['detail'])).toEqual([expect.objectContaining({ carrier: 'ups', status: 'DELIVERED', facilityId: 'WH-CLT-1', scannedAt: '2024-04-23T13:50:04.000Z' })]);
  });

  it("prints the scans of a signed Shippo update, and of Shippo's published test example only with --allow-test-mode", async () => {
    const live = await run(['shippo', fixturePath('shippo-delivered.json'), '--signature', independentSign.shippo(body('shippo-delivered.json'))], {
      ...process.env,
      REFUND_GATE_SHIPPO_SECRET: SECRETS.shippo,
    });
    expect(live.code).toBe(0);
    expect(live.stdout.trim().split('\n').map((l) => JSON.parse(l)['detail']['status'])).toEqual(['PICKED_UP', 'OUT_FOR_DELIVERY', 'DELIVERED']);
    const file = fixturePath('shippo-track-updated.json');
    const test = await run(['shippo', file, '--secret', SECRETS.shippo, '--signature', independentSign.shippo(body('shippo-track-updated.json')), '--allow-test-mode']);
    expect(test.code).toBe(0);
    expect(JSON.parse(test.stdout)['detail']).toMatchObject({ carrier: 'usps', status: 'DELIVERED' });
  });

  it('exits 1 when it cannot run (the body file cannot be read)', async () => {
    const result = await run(['ups', fixturePath('no-such-file.json'), '--secret', SECRETS.ups, '--signature', SECRETS.ups]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
  });
});
