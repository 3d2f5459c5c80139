import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

type FunctionName = 'ingest' | 'publisher' | 'sweeper' | 'insider';
const NAMES: readonly FunctionName[] = ['ingest', 'publisher', 'sweeper', 'insider'];

/** The AWS SDK clients each handler constructs at load: the baseline imports exactly these. */
const SDK_CLIENTS: Record<FunctionName, string[]> = {
  ingest: ['DynamoDBClient|@aws-sdk/client-dynamodb', 'DynamoDBDocumentClient|@aws-sdk/lib-dynamodb', 'SQSClient|@aws-sdk/client-sqs'],
  publisher: ['SNSClient|@aws-sdk/client-sns', 'EventBridgeClient|@aws-sdk/client-eventbridge'],
  sweeper: ['DynamoDBClient|@aws-sdk/client-dynamodb', 'DynamoDBDocumentClient|@aws-sdk/lib-dynamodb'],
  insider: ['DynamoDBClient|@aws-sdk/client-dynamodb', 'DynamoDBDocumentClient|@aws-sdk/lib-dynamodb'],
};

export interface FunctionColdStart {
  readonly name: FunctionName;
  readonly bundleBytes: number;
  readonly sdkExternal: boolean;
  readonly loadMs: number;
  readonly baselineLoadMs: number;
  readonly ratio: number;
}
export interface ColdStartResult {
  readonly functions: FunctionColdStart[];
  readonly memoryMb: Record<FunctionName, number>;
  readonly runs: number;
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** What the handlers read at load; dummy values, no network is touched at import. */
const HANDLER_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  TABLE_NAME: 'bench',
  REVIEW_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bench',
  EVENT_BUS_NAME: 'bench',
  REJECTED_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/bench',
  REFUND_GATE_SETTINGS: '{}',
  POWERTOOLS_METRICS_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** Synthesize the app (local esbuild, as `cdk deploy` would) and find each function's bundle. */
function synthBundles(outdir: string): Array<{ name: FunctionName; file: string; memoryMb: number }> {
  execFileSync('npx', ['cdk', 'synth', '--quiet', '--output', outdir, '-c', 'producers=unbound', '-c', 'alarmTopicArn=none'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const templates = readdirSync(outdir).filter((f) => f.endsWith('.template.json'));
  const found: Array<{ name: FunctionName; file: string; memoryMb: number }> = [];
  for (const t of templates) {
    const template = JSON.parse(readFileSync(join(outdir, t), 'utf8')) as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, string> }> };
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const name = NAMES.find((n) => logicalId.toLowerCase().includes(n));
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (!name || !assetPath) continue;
      const dir = join(outdir, assetPath);
      const file = ['index.mjs', 'index.js'].map((f) => join(dir, f)).find((f) => existsSync(f));
      if (file) found.push({ name, file, memoryMb: Number(resource.Properties?.['MemorySize'] ?? 128) });
    }
  }
  return found;
}

/** Milliseconds to import a module in a fresh Node process (median of `runs`). */
function loadMs(file: string, runs: number): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env: { ...process.env, ...HANDLER_ENV }, encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`loading ${file} failed: ${out.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    samples.push(Number(out.stdout));
  }
  return median(samples);
}

async function baselineBundle(dir: string, name: FunctionName, sdkExternal: boolean): Promise<string> {
  const entry = join(dir, `${name}-baseline.mjs`);
  const lines = SDK_CLIENTS[name].map((spec, i) => {
    const [cls, pkg] = spec.split('|') as [string, string];
    return `import { ${cls} as C${i} } from '${pkg}';`;
  });
  // Construct the clients as the handler does, so tree-shaking cannot drop them.
  lines.push(`const dynamo = typeof C0 === 'function' ? new C0({}) : undefined;`);
  SDK_CLIENTS[name].forEach((spec, i) => {
    if (i === 0) return;
    const [cls] = spec.split('|') as [string];
    lines.push(cls === 'DynamoDBDocumentClient' ? `export const d${i} = C${i}.from(dynamo);` : `export const c${i} = new C${i}({});`);
  });
  lines.push('export { dynamo };');
  writeFileSync(entry, lines.join('\n'));
  const outfile = join(dir, `${name}-baseline.bundle.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    external: sdkExternal ? ['@aws-sdk/*'] : [],
    banner: { js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" },
    nodePaths: [join(ROOT, 'node_modules')],
    logLevel: 'silent',
  });
  return outfile;
}

export async function measureColdStart(opts: { runs: number }): Promise<ColdStartResult> {
  const outdir = mkdtempSync(join(ROOT, 'cdk.out.bench-'));
  try {
    const bundles = synthBundles(outdir);
    const functions: FunctionColdStart[] = [];
    const memoryMb = { ingest: 128, publisher: 128, sweeper: 128, insider: 128 } as Record<FunctionName, number>;
    for (const b of bundles) {
      memoryMb[b.name] = b.memoryMb;
      const text = readFileSync(b.file, 'utf8');
      const sdkExternal = /from\s*["']@aws-sdk\//.test(text) || /require\(["']@aws-sdk\//.test(text);
      const baseline = await baselineBundle(outdir, b.name, sdkExternal);
      const handlerMs = loadMs(b.file, opts.runs);
      const baseMs = loadMs(baseline, opts.runs);
      functions.push({ name: b.name, bundleBytes: statSync(b.file).size, sdkExternal, loadMs: handlerMs, baselineLoadMs: baseMs, ratio: handlerMs / baseMs });
    }
    return { functions, memoryMb, runs: opts.runs };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
