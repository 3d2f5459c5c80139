import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { queueAtStake } from '../../shared/domain/review-queue.js';
import { SEVERITY } from '../../shared/domain/reasons.js';
import type { ReviewBackend } from '../backends/backend.js';
import { openBackend } from '../backends/open.js';
import { explainFrom, listReviews } from '../backends/reads.js';
import { text, type Invocation, type Runner } from '../context.js';
import { reviewContext, targetOf, type CommandContext } from './common.js';
import { decide, outcomeText } from './decide.js';
import { ReviewToolError } from './errors.js';

const ASSETS_DIR = new URL('../console/', import.meta.url);
const ASSETS: Readonly<Record<string, { file: string; type: string }>> = Object.assign(Object.create(null) as Record<string, { file: string; type: string }>, {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
  // Browsers ask for /favicon.ico whatever the page says: the same icon, so no 404 in the log.
  '/favicon.ico': { file: 'favicon.svg', type: 'image/svg+xml' },
});

/** No inline script or style, nothing from another origin, no framing, no form posts elsewhere. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SESSION_COOKIE = 'rg_console';
const MAX_BODY_BYTES = 16 * 1024;
const MAX_SESSIONS = 500;

/** `refund-gate console`: the review console on 127.0.0.1 until Ctrl-C. */
export const consoleRunner: Runner = (invocation, ctx) => consoleCommand(invocation, reviewContext(ctx));

async function consoleCommand(invocation: Invocation, ctx: CommandContext): Promise<number> {
  const { positionals } = invocation;
  const values = { db: text(invocation, 'db'), table: text(invocation, 'table'), port: text(invocation, 'port'), reviewer: text(invocation, 'reviewer') };
  if (positionals.length > 0) throw ctx.usage(`console takes no arguments (${invocation.usage})`);
  const port = values.port === undefined ? 8787 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw ctx.usage(`--port: expected 0-65535, got "${values.port}"`);
  const backend = await openBackend(targetOf(invocation), ctx, ctx.usage);
  let server: ReviewConsole | undefined;
  try {
    server = await ReviewConsole.start(backend, { port, reviewer: values.reviewer });
    ctx.stderr.line(`refund-gate console: ${server.url} (${backend.mode === 'local' ? `local data in ${values.db}` : `table ${values.table}`}); Ctrl-C to stop`);
    await new Promise<void>((resolve) => {
      if (ctx.signal?.aborted) return resolve();
      ctx.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    return 0;
  } finally {
    await server?.close();
    await backend.close();
  }
}

export interface ConsoleOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Local only: the reviewer id the page starts with (it may be changed there). */
  readonly reviewer?: string | undefined;
}

/**
 * The review console's HTTP server: static files and a small JSON API over a
 * backend. Listens on 127.0.0.1 only. State changes only by POST, which needs
 * the session cookie (SameSite=Strict), the matching token in a header, and a
 * same-origin Origin; every request must name this server in Host (no DNS
 * rebinding). Backend calls are serialized: the local runtime runs one
 * event at a time.
 */
export class ReviewConsole {
  private readonly sessions = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly backend: ReviewBackend,
    private readonly server: Server,
    private readonly options: ConsoleOptions,
  ) {}

  public static async start(backend: ReviewBackend, options: ConsoleOptions): Promise<ReviewConsole> {
    const server = createServer();
    const console = new ReviewConsole(backend, server, options);
    server.on('request', (req, res) => {
      console.handle(req, res).catch((error: unknown) => console.fail(res, error));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new ReviewToolError(`port ${options.port} on 127.0.0.1 is in use; pick another with --port`) : error),
      );
      server.listen(options.port, '127.0.0.1', () => resolve());
    });
    return console;
  }

  public get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  public get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  public async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${this.port}` && host !== `localhost:${this.port}`) return this.send(res, 421, { error: 'wrong Host' });
    const url = new URL(req.url ?? '/', `http://${host}`);
    const method = req.method ?? 'GET';
    if (method === 'GET' && Object.hasOwn(ASSETS, url.pathname)) return this.asset(req, res, url.pathname);
    if (!url.pathname.startsWith('/api/')) return this.send(res, 404, { error: 'not found' });

    const session = this.sessionOf(req);
    if (!session) return this.send(res, 401, { error: 'no console session: reload the page' });
    if (method === 'GET') {
      if (url.pathname === '/api/session') {
        const fixed = await this.serial(() => this.backend.fixedReviewer());
        return this.send(res, 200, { mode: this.backend.mode, reviewer: fixed ?? this.options.reviewer ?? '', reviewerFixed: fixed !== null });
      }
      if (url.pathname === '/api/reviews') {
        const severity = url.searchParams.get('severity') || undefined;
        if (severity !== undefined && !Object.hasOwn(SEVERITY, severity)) return this.send(res, 400, { error: 'severity: expected HIGH, MEDIUM or LOW' });
        const open = url.searchParams.get('open') !== '0';
        const all = await this.serial(() => listReviews(this.backend, { open }));
        const warehouses = [...new Set(all.map((e) => e.warehouseId).filter((w): w is string => w !== null))].sort();
        const warehouse = url.searchParams.get('warehouse') || undefined;
        const reviews = all.filter((e) => (severity === undefined || e.severity === severity) && (warehouse === undefined || e.warehouseId === warehouse));
        return this.send(res, 200, { reviews, atStake: queueAtStake(reviews), warehouses, now: this.backend.now() });
      }
      if (url.pathname === '/api/return') {
        const returnId = url.searchParams.get('returnId');
        if (returnId === null) return this.send(res, 400, { error: 'returnId is required' });
        const explanation = await this.serial(() => explainFrom(this.backend, returnId));
        return explanation ? this.send(res, 200, explanation) : this.send(res, 404, { error: `no return ${returnId}` });
      }
      return this.send(res, 404, { error: 'not found' });
    }
    if (method !== 'POST') return this.send(res, 405, { error: 'method not allowed' }, { Allow: 'GET, POST' });
    // Only POST changes state: check origin and token before reading the body.
    if (req.headers.origin !== `http://${host}`) return this.send(res, 403, { error: 'cross-origin request refused' });
    if (!tokenMatches(req.headers['x-csrf-token'], session)) return this.send(res, 403, { error: 'missing or wrong CSRF token: reload the page' });
    if (url.pathname !== '/api/decisions') return this.send(res, 404, { error: 'not found' });
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return this.send(res, 415, { error: 'expected application/json' });
    const body = await readJson(req);
    const input = decisionInput(body);
    if (typeof input === 'string') return this.send(res, 400, { error: input });
    const result = await this.serial(() => decide(this.backend, input));
    // An R7 alert (v1.2) has no return to explain.
    const { returnId } = result;
    const explanation = returnId === undefined ? null : await this.serial(() => explainFrom(this.backend, returnId));
    return this.send(res, 200, { result, text: outcomeText(result), explanation });
  }

  /** Static files; the page gets (or keeps) its session cookie and its CSRF token in a meta tag. */
  private async asset(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const asset = ASSETS[path]!;
    let body = await readFile(new URL(asset.file, ASSETS_DIR), 'utf8');
    const headers: Record<string, string> = { 'Content-Type': asset.type };
    if (path === '/') {
      let session = this.sessionOf(req);
      if (!session) {
        const id = randomBytes(24).toString('base64url');
        session = randomBytes(24).toString('base64url');
        this.sessions.set(id, session);
        // Every page load without a cookie makes a session: keep the newest few hundred.
        if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
        headers['Set-Cookie'] = `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/`;
      }
      body = body.replace('__CSRF_TOKEN__', session);
    }
    this.writeHead(res, 200, headers);
    res.end(body);
  }

  /** The session's CSRF token, from the cookie. */
  private sessionOf(req: IncomingMessage): string | undefined {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const [name, value] = part.trim().split('=', 2);
      if (name === SESSION_COOKIE && value) return this.sessions.get(value);
    }
    return undefined;
  }

  private send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
    this.writeHead(res, status, { 'Content-Type': 'application/json; charset=utf-8', ...extra });
    res.end(JSON.stringify(body));
  }

  private writeHead(res: ServerResponse, status: number, headers: Record<string, string>): void {
    res.writeHead(status, {
      ...headers,
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    });
  }

  private fail(res: ServerResponse, error: unknown): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    if (error instanceof ReviewToolError || error instanceof BadRequestError) {
      this.send(res, 400, { error: error.message });
      return;
    }
    this.send(res, 500, { error: `${(error as Error).name ?? 'Error'}: ${(error as Error).message ?? String(error)}` });
  }
}

class BadRequestError extends Error {}

function tokenMatches(header: string | string[] | undefined, expected: string): boolean {
  if (typeof header !== 'string') return false;
  const a = Buffer.from(header);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BadRequestError('request body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequestError('request body is not JSON');
  }
}

function decisionInput(body: unknown): Parameters<typeof decide>[1] | string {
  if (typeof body !== 'object' || body === null) return 'expected a JSON object';
  const b = body as Record<string, unknown>;
  const str = (k: string) => (typeof b[k] === 'string' && (b[k] as string).trim() !== '' ? (b[k] as string) : undefined);
  const reviewId = str('reviewId');
  if (!reviewId) return 'reviewId is required';
  if (b['decision'] !== 'RELEASE' && b['decision'] !== 'DENY') return 'decision: expected RELEASE or DENY';
  const note = str('note');
  if (!note) return 'note: a note is required for every decision';
  if (note.length > 2000) return 'note: at most 2000 characters';
  return { reviewId, givenReturnId: str('returnId'), decision: b['decision'], reviewerId: str('reviewerId'), note };
}
