import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@aws-lambda-powertools/logger';
import { resolveSettings, type Settings } from '../../shared/contract/config.js';
import { jsonDepthProblem } from '../../shared/contract/parse.js';
import { WebhookNotConfiguredError, WebhookRefusedError } from '../../shared/carriers/errors.js';
import type { FacilityMap } from '../../shared/carriers/facilities.js';
import { PROVIDER_NAMES, type ProviderName } from '../../shared/carriers/provider.js';
import { DEFAULT_MAX_BODY_BYTES, headerLookup, providerNamed, receiveWebhook } from '../../shared/carriers/receiver.js';
import { JsonLinesOutput, type ReplayLine, type ReplayOutput } from '../output.js';
import { isLoopback, refusal } from '../local-origin.js';
import { InterruptedError } from '../replay.js';
import { LocalRuntime } from '../runtime.js';
import type { StderrChannel } from '../channel.js';
import { loadConfig } from '../config-file.js';
import { flag, text, type Invocation, type Runner } from '../context.js';
import { cliLogger } from '../logging.js';
import { R7_WIRING } from '../wiring.js';
import { CarrierOptionError, checkedSecret, loadFacilities, SECRET_ENV } from './carrier-options.js';

export const DEFAULT_PORT = 8787;
/** /events takes arrays of envelopes: allow more than one webhook body. */
const MAX_EVENTS_BYTES = 10 * 1024 * 1024;

export interface ServeDeps {
  readonly stderr: StderrChannel;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly loadConfig: (path: string) => Promise<Settings>;
}

/**
 * `refund-gate serve`: a producer's development endpoint. Requests are
 * processed one at a time, in arrival order, through the same
 * {@link LocalRuntime} as replay; every event delivered gets the next line
 * number, which `rejected` lines refer to.
 */
export const serveRunner: Runner = (invocation, ctx) =>
  serveCommand(invocation, { stderr: ctx.stderr, signal: ctx.signal ?? new AbortController().signal, logger: cliLogger(ctx.stderr, 'WARN'), loadConfig });

export async function serveCommand(invocation: Invocation, deps: ServeDeps): Promise<number> {
  const options = await serveOptions(invocation, deps);
  const endpoint = new LocalEndpoint(options, deps.stderr, new RequestOutput(new JsonLinesOutput(process.stdout)));
  const server = createServer((req, res) => endpoint.respond(req, res));
  try {
    // The port is bound first, so a port in use fails before DynamoDB Local starts; until the runtime is up, requests get 503.
    server.listen(options.port, options.host);
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
    await endpoint.start(deps.logger);
    announce(server.address() as AddressInfo, options.secrets, deps.stderr);
    if (!deps.signal.aborted) await once(deps.signal, 'abort');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new CarrierOptionError(`--port ${options.port}: address ${options.host}:${options.port} is already in use`);
    throw error;
  } finally {
    server.close();
    server.closeAllConnections();
    await endpoint.stop();
  }
  throw new InterruptedError(String(deps.signal.reason ?? 'SIGINT'));
}

/** What `serve` was asked for: where to listen, the settings, and how webhooks are checked. */
interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly settings: Settings;
  readonly facilities: FacilityMap;
  /** The webhook secret of each provider that has one. */
  readonly secrets: ReadonlyMap<ProviderName, string>;
  readonly allowTestMode: boolean;
}

/** The command line (and the secrets' environment variables), read and checked in the order they are reported. */
async function serveOptions(invocation: Invocation, deps: ServeDeps): Promise<ServeOptions> {
  if (invocation.positionals.length > 0) throw new CarrierOptionError(`serve takes no file (got "${invocation.positionals[0]}")`);
  const portText = text(invocation, 'port');
  const config = text(invocation, 'config');
  const port = portText === undefined ? DEFAULT_PORT : portOption(portText);
  const host = text(invocation, 'host') ?? '127.0.0.1';
  const settings = config === undefined ? resolveSettings({}) : await deps.loadConfig(config);
  const facilities = await loadFacilities(text(invocation, 'facilities'));
  const secrets = new Map<ProviderName, string>();
  for (const provider of PROVIDER_NAMES) {
    const option = text(invocation, `${provider}-secret`);
    const secret = option ?? process.env[SECRET_ENV[provider]];
    if (secret) secrets.set(provider, checkedSecret(provider, secret, option === undefined ? SECRET_ENV[provider] : `--${provider}-secret`));
  }
  return { port, host, settings, facilities, secrets, allowTestMode: flag(invocation, 'allow-test-mode') };
}

/** The listening line, and which providers' webhooks are answered 503 for want of a secret. */
function announce(address: AddressInfo, secrets: ReadonlyMap<ProviderName, string>, stderr: StderrChannel): void {
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const hooks = PROVIDER_NAMES.map((p) => `/webhooks/${p}`).join(', ');
  stderr.line(`refund-gate serve: listening on http://${shown}:${address.port} (POST ${hooks}, /events); Ctrl-C stops`);
  for (const provider of PROVIDER_NAMES) {
    if (!secrets.has(provider)) stderr.line(`refund-gate serve: no ${provider} secret (--${provider}-secret or ${SECRET_ENV[provider]}): its webhooks are answered 503`);
  }
}

/** A request's answer: its status and its JSON body. */
interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** What a route's handler is given: the request, its method (the route's), the path, the path's parameters by name, and the whole body. */
interface RouteRequest {
  readonly req: IncomingMessage;
  readonly method: string;
  readonly path: string;
  readonly params: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

interface Route {
  readonly method: string;
  /** The path; a segment `:name` matches any one non-empty segment, given to the handler as the parameter `name`. */
  readonly path: string;
  /** Whether the path is also answered with one trailing slash. */
  readonly trailingSlash: boolean;
  /** The path as the 404 answer shows it. */
  readonly shown: string;
  /** A larger body is answered 413, unread. */
  readonly maxBodyBytes: number;
  readonly handle: (endpoint: LocalEndpoint, request: RouteRequest) => Promise<Answer>;
}

/** Every endpoint `serve` answers. A path no route has is answered 404; a method its routes do not take, 405. */
const ROUTES: readonly Route[] = [
  {
    method: 'POST',
    path: '/webhooks/:provider',
    trailingSlash: true,
    shown: `/webhooks/<${PROVIDER_NAMES.join('|')}>`,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    handle: (endpoint, request) => endpoint.webhook(request),
  },
  { method: 'POST', path: '/events', trailingSlash: false, shown: '/events', maxBodyBytes: MAX_EVENTS_BYTES, handle: (endpoint, request) => endpoint.events(request) },
];

/** The path's parameters when `path` is the route's, else undefined. */
function matchPath(route: Route, path: string): Map<string, string> | undefined {
  const wanted = route.path.split('/');
  const given = path.split('/');
  if (route.trailingSlash && given.length === wanted.length + 1 && given.at(-1) === '') given.pop();
  if (given.length !== wanted.length) return undefined;
  const params = new Map<string, string>();
  for (const [i, segment] of wanted.entries()) {
    const value = given[i]!;
    if (!segment.startsWith(':')) {
      if (segment !== value) return undefined;
    } else if (value === '') return undefined;
    else params.set(segment.slice(1), value);
  }
  return params;
}

/** The route for a method and path, or the answer when there is none. */
function routeFor(method: string | undefined, path: string): { route: Route; params: Map<string, string> } | Answer {
  const matching = ROUTES.flatMap((route) => {
    const params = matchPath(route, path);
    return params === undefined ? [] : [{ route, params }];
  });
  if (matching.length === 0) return { status: 404, body: { error: `no endpoint at ${path}; ${routeList()}` } };
  const found = matching.find(({ route }) => route.method === method);
  if (found === undefined) return { status: 405, body: { error: `method ${method} not allowed; ${[...new Set(matching.map(({ route }) => route.method))].join(', ')}` } };
  return found;
}

/** The routes by method, as the 404 answer lists them: `POST /webhooks/<…> or /events`. */
function routeList(): string {
  const byMethod = new Map<string, string[]>();
  for (const route of ROUTES) byMethod.set(route.method, [...(byMethod.get(route.method) ?? []), route.shown]);
  return [...byMethod].map(([method, paths]) => `${method} ${paths.join(' or ')}`).join('; ');
}

/**
 * The server's side of `serve`: the runtime once it is up, the line numbers,
 * and one request at a time through it (the runtime is sequential, like replay).
 */
class LocalEndpoint {
  private runtime: LocalRuntime | undefined;
  private line = 0;
  private queue: Promise<unknown> = Promise.resolve();

  public constructor(
    private readonly options: ServeOptions,
    private readonly stderr: StderrChannel,
    private readonly output: RequestOutput,
  ) {}

  public async start(logger: Logger): Promise<void> {
    this.runtime = await LocalRuntime.start({ settings: this.options.settings, output: this.output, logger, ...R7_WIRING });
  }

  /** After the requests being processed. */
  public async stop(): Promise<void> {
    await this.queue;
    await this.runtime?.stop();
  }

  /** Answers one request; a failure is logged and answered 500 (or the connection dropped once an answer has begun). */
  public respond(req: IncomingMessage, res: ServerResponse): void {
    this.answer(req)
      .then((answer) => send(res, answer.status, answer.body))
      .catch((error: unknown) => {
        this.stderr.line(`refund-gate serve: ${req.method} ${req.url} failed: ${(error as Error).message}`);
        if (!res.headersSent) send(res, 500, { error: 'internal error; see the serve log' });
        else res.destroy();
      });
  }

  private async answer(req: IncomingMessage): Promise<Answer> {
    // No web page may post here (Origin), nor reach it under another name (Host): cli/local-origin.ts.
    const refused = refusal(req, { loopback: isLoopback(this.options.host) });
    if (refused !== undefined) return { status: refused.status, body: { error: refused.error } };
    if (this.runtime === undefined) return { status: 503, body: { error: 'starting; retry in a moment' } };
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const routed = routeFor(req.method, path);
    if (!('route' in routed)) return routed;
    const limit = routed.route.maxBodyBytes;
    const body = await readBody(req, limit);
    if (body === undefined) return { status: 413, body: { error: `body larger than ${limit} bytes` } };
    return routed.route.handle(this, { req, method: routed.route.method, path, params: routed.params, body });
  }

  /** POST /webhooks/<provider>: the provider's request checked and turned into CarrierScans, each delivered. */
  public async webhook({ req, method, path, params, body }: RouteRequest): Promise<Answer> {
    let received;
    try {
      const provider = providerNamed(params.get('provider')!);
      const secret = this.options.secrets.get(provider.name);
      received = receiveWebhook(provider, { method, header: headerLookup(req.headers), body }, secret ? [secret] : [], {
        source: this.options.settings.sources.CarrierScan,
        facilities: this.options.facilities,
        allowTestMode: this.options.allowTestMode,
      });
    } catch (error) {
      if (error instanceof WebhookRefusedError || error instanceof WebhookNotConfiguredError) {
        this.stderr.line(`refund-gate serve: ${path} refused (${error.status}): ${error.message}`);
        return { status: error.status, body: { error: error.message } };
      }
      throw error;
    }
    for (const skipped of received.skipped) {
      this.stderr.line(`refund-gate serve: ${path}: skipped a tracking event (${skipped.reason}): status "${skipped.providerStatus}" at "${skipped.providerTime}"`);
    }
    const results = await this.serial(async () => {
      const out = [];
      for (const envelope of received.envelopes) out.push({ scanId: envelope.detail.scanId, ...(await this.deliver(envelope)) });
      return out;
    });
    const accepted = results.filter((r) => r.rejected === undefined).length;
    return { status: 200, body: { accepted, skipped: received.skipped.length, results, ...(received.ignoredEventType ? { ignored: received.ignoredEventType } : {}) } };
  }

  /** POST /events: one envelope or an array of them, each delivered; 422 when any is rejected. */
  public async events({ body }: RouteRequest): Promise<Answer> {
    let parsed: unknown;
    const tooDeep = jsonDepthProblem(body.toString('utf8'));
    if (tooDeep !== undefined) return { status: 400, body: { error: `body refused: ${tooDeep}` } };
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      return { status: 400, body: { error: `body is not JSON: ${(error as Error).message}` } };
    }
    const envelopes = Array.isArray(parsed) ? parsed : [parsed];
    const results = await this.serial(async () => {
      const out = [];
      for (const envelope of envelopes) out.push(await this.deliver(envelope));
      return out;
    });
    return { status: results.some((r) => r.rejected !== undefined) ? 422 : 200, body: { results } };
  }

  /** One request at a time: the runtime is sequential, like replay. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Every event delivered gets the next line number, which `rejected` lines refer to. */
  private async deliver(envelope: unknown): Promise<{ line: number; rejected?: string }> {
    this.line += 1;
    const line = this.line;
    const rejections = await this.output.capture(() => this.runtime!.deliver(JSON.stringify(envelope), line));
    return rejections.length === 0 ? { line } : { line, rejected: rejections.join('; ') };
  }
}

/** The runtime's lines go to standard output; the rejections of the request being processed are also kept for its answer. */
class RequestOutput implements ReplayOutput {
  private current: string[] | undefined;

  public constructor(private readonly inner: ReplayOutput) {}

  public async capture(task: () => Promise<void>): Promise<string[]> {
    const mine: string[] = [];
    this.current = mine;
    try {
      await task();
    } finally {
      this.current = undefined;
    }
    return mine;
  }

  public async emit(line: ReplayLine): Promise<void> {
    if (line.channel === 'rejected') this.current?.push(line.error);
    await this.inner.emit(line);
  }

  public close(): Promise<void> {
    return this.inner.close();
  }
}

/** The body, or undefined when it is larger than `limit` (the rest is not read). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function portOption(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65_535) throw new CarrierOptionError(`--port: expected a port number from 0 to 65535, got "${text}"`);
  return n;
}
