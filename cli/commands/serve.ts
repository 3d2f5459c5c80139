import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@aws-lambda-powertools/logger';
import { resolveSettings, type Settings } from '../../shared/contract/config.js';
import { jsonDepthProblem } from '../../shared/contract/parse.js';
import { WebhookNotConfiguredError, WebhookRefusedError } from '../../shared/carriers/errors.js';
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
  if (invocation.positionals.length > 0) throw new CarrierOptionError(`serve takes no file (got "${invocation.positionals[0]}")`);
  const values = {
    port: text(invocation, 'port'),
    host: text(invocation, 'host'),
    config: text(invocation, 'config'),
    facilities: text(invocation, 'facilities'),
    'easypost-secret': text(invocation, 'easypost-secret'),
    'aftership-secret': text(invocation, 'aftership-secret'),
    'ups-secret': text(invocation, 'ups-secret'),
    'shippo-secret': text(invocation, 'shippo-secret'),
    'allow-test-mode': flag(invocation, 'allow-test-mode'),
  };
  const port = values.port === undefined ? DEFAULT_PORT : portOption(values.port);
  const host = values.host ?? '127.0.0.1';
  const settings = values.config === undefined ? resolveSettings({}) : await deps.loadConfig(values.config);
  const facilities = await loadFacilities(values.facilities);
  const secrets = new Map<ProviderName, string>();
  for (const provider of PROVIDER_NAMES) {
    const option = values[`${provider}-secret`];
    const secret = option ?? process.env[SECRET_ENV[provider]];
    if (secret) secrets.set(provider, checkedSecret(provider, secret, option === undefined ? SECRET_ENV[provider] : `--${provider}-secret`));
  }
  const allowTestMode = values['allow-test-mode'] === true;

  const output = new RequestOutput(new JsonLinesOutput(process.stdout));
  // The port is bound first, so a port in use fails before DynamoDB Local starts; until the runtime is up, requests get 503.
  let runtime: LocalRuntime | undefined;
  let line = 0;
  // One request at a time: the runtime is sequential, like replay.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };
  const deliver = async (envelope: unknown): Promise<{ line: number; rejected?: string }> => {
    line += 1;
    const rejections = await output.capture(() => runtime!.deliver(JSON.stringify(envelope), line));
    return rejections.length === 0 ? { line } : { line, rejected: rejections.join('; ') };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // No web page may post here (Origin), nor reach it under another name (Host): cli/local-origin.ts.
    const refused = refusal(req, { loopback: isLoopback(host) });
    if (refused !== undefined) return send(res, refused.status, { error: refused.error });
    if (runtime === undefined) return send(res, 503, { error: 'starting; retry in a moment' });
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const webhook = /^\/webhooks\/([^/]+)\/?$/.exec(path);
    if (!webhook && path !== '/events') return send(res, 404, { error: `no endpoint at ${path}; POST /webhooks/<${PROVIDER_NAMES.join('|')}> or /events` });
    if (req.method !== 'POST') return send(res, 405, { error: `method ${req.method} not allowed; POST` });
    const limit = webhook ? DEFAULT_MAX_BODY_BYTES : MAX_EVENTS_BYTES;
    const body = await readBody(req, limit);
    if (body === undefined) return send(res, 413, { error: `body larger than ${limit} bytes` });
    if (webhook) {
      let received;
      try {
        const provider = providerNamed(webhook[1]!);
        const secret = secrets.get(provider.name);
        received = receiveWebhook(provider, { method: req.method, header: headerLookup(req.headers), body }, secret ? [secret] : [], {
          source: settings.sources.CarrierScan,
          facilities,
          allowTestMode,
        });
      } catch (error) {
        if (error instanceof WebhookRefusedError || error instanceof WebhookNotConfiguredError) {
          deps.stderr.line(`refund-gate serve: ${path} refused (${error.status}): ${error.message}`);
          return send(res, error.status, { error: error.message });
        }
        throw error;
      }
      for (const skipped of received.skipped) {
        deps.stderr.line(`refund-gate serve: ${path}: skipped a tracking event (${skipped.reason}): status "${skipped.providerStatus}" at "${skipped.providerTime}"`);
      }
      const results = await serial(async () => {
        const out = [];
        for (const envelope of received.envelopes) out.push({ scanId: envelope.detail.scanId, ...(await deliver(envelope)) });
        return out;
      });
      return send(res, 200, { accepted: results.filter((r) => r.rejected === undefined).length, skipped: received.skipped.length, results, ...(received.ignoredEventType ? { ignored: received.ignoredEventType } : {}) });
    }
    let parsed: unknown;
    const tooDeep = jsonDepthProblem(body.toString('utf8'));
    if (tooDeep !== undefined) return send(res, 400, { error: `body refused: ${tooDeep}` });
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      return send(res, 400, { error: `body is not JSON: ${(error as Error).message}` });
    }
    const envelopes = Array.isArray(parsed) ? parsed : [parsed];
    const results = await serial(async () => {
      const out = [];
      for (const envelope of envelopes) out.push(await deliver(envelope));
      return out;
    });
    return send(res, results.some((r) => r.rejected !== undefined) ? 422 : 200, { results });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      deps.stderr.line(`refund-gate serve: ${req.method} ${req.url} failed: ${(error as Error).message}`);
      if (!res.headersSent) send(res, 500, { error: 'internal error; see the serve log' });
      else res.destroy();
    });
  });
  try {
    server.listen(port, host);
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
    runtime = await LocalRuntime.start({ settings, output, logger: deps.logger, ...R7_WIRING });
    const address = server.address() as AddressInfo;
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const hooks = PROVIDER_NAMES.map((p) => `/webhooks/${p}`).join(', ');
    deps.stderr.line(`refund-gate serve: listening on http://${shown}:${address.port} (POST ${hooks}, /events); Ctrl-C stops`);
    for (const provider of PROVIDER_NAMES) {
      if (!secrets.has(provider)) deps.stderr.line(`refund-gate serve: no ${provider} secret (--${provider}-secret or ${SECRET_ENV[provider]}): its webhooks are answered 503`);
    }
    if (!deps.signal.aborted) await once(deps.signal, 'abort');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new CarrierOptionError(`--port ${port}: address ${host}:${port} is already in use`);
    throw error;
  } finally {
    server.close();
    server.closeAllConnections();
    await queue;
    await runtime?.stop();
  }
  throw new InterruptedError(String(deps.signal.reason ?? 'SIGINT'));
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
