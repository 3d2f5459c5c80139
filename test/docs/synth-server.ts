/**
 * The doc-test's stand-in for `node tsx infra/app.ts`, kept running for the
 * whole doc-test: the cdk shim (cdk-shim.mjs) posts each distinct context to
 * it instead of starting a process that imports the CDK and the stack again
 * (about 2.5 s of CPU each). Each request does what infra/app.ts does, in
 * the block's directory: CDK_CONTEXT_JSON and CDK_OUTDIR as the CDK CLI sets
 * them, synthApp on a new App, and answers what the app would have printed
 * and its exit status. Requests run one at a time (a synth is synchronous).
 * Started by doc-examples.test.ts; prints its port on the first line.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App } from 'aws-cdk-lib';
import { synthApp } from '../../infra/synth-app.js';

export interface SynthRequest {
  readonly context: Record<string, unknown>;
  readonly cwd: string;
  readonly outdir: string;
}

export interface SynthResult {
  stdout: string;
  stderr: string;
  rc: number;
}

process.env['JSII_DEPRECATED'] ??= 'quiet'; // as infra/app.ts

function synthIn({ context, cwd, outdir }: SynthRequest): SynthResult {
  const result: SynthResult = { stdout: '', stderr: '', rc: 1 };
  const { stdout, stderr } = process;
  const writes = { out: stdout.write, err: stderr.write };
  const home = process.cwd();
  const env = { context: process.env['CDK_CONTEXT_JSON'], outdir: process.env['CDK_OUTDIR'] };
  stdout.write = ((chunk: string | Uint8Array) => ((result.stdout += chunk.toString()), true)) as typeof stdout.write;
  stderr.write = ((chunk: string | Uint8Array) => ((result.stderr += chunk.toString()), true)) as typeof stderr.write;
  try {
    process.chdir(cwd);
    process.env['CDK_CONTEXT_JSON'] = JSON.stringify(context);
    process.env['CDK_OUTDIR'] = outdir;
    result.rc = synthApp(new App(), (line) => (result.stderr += line));
  } catch (error) {
    // What node prints for an uncaught error, and its exit status.
    result.stderr += `${error instanceof Error ? error.stack : String(error)}\n`;
  } finally {
    process.chdir(home);
    stdout.write = writes.out;
    stderr.write = writes.err;
    for (const [name, value] of [['CDK_CONTEXT_JSON', env.context], ['CDK_OUTDIR', env.outdir]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  return result;
}

const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(synthIn(JSON.parse(body) as SynthRequest)));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
