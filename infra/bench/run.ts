import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolveSettings } from '../../shared/contract/config.js';
import { startDynamoLocal } from '../local/dynamo.js';
import { measureColdStart, type ColdStartResult } from './coldstart.js';
import { costPerMillionReturns, type CostAssumptions, type Prices } from './cost.js';
import { measureMemory, type MemoryResult } from './memory.js';
import { measureScenario, type ScenarioResult } from './requests.js';
import { SCENARIOS } from './scenarios.js';
import { measureThroughput } from './throughput.js';
import { LATEST_JSON, writePerformanceDoc } from './report.js';

/**
 * `npm run bench`: exact DynamoDB request counts per return lifecycle, bundle
 * sizes and module-load ratios, local throughput as a ratio to raw DynamoDB
 * Local writes, replay's memory at two input sizes, and cost per million
 * returns. Ratios and counts only: no timing is asserted anywhere.
 */
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    json: { type: 'string', default: LATEST_JSON },
    skip: { type: 'string', multiple: true, default: [] },
  },
});
const quick = values.quick ?? false;
const skip = new Set(values.skip ?? []);
const log = (line: string) => process.stderr.write(`${line}\n`);

const TARGETS = {
  writesPerEventPlusEffect: 'at most 1 write per inbound event + 1 per effect',
  bundleBytes: 250 * 1024,
  throughputRatio: 0.5,
  rssRatio: 1.2,
  dollarsPerMillionReturns: 15,
};

async function main(): Promise<void> {
  const started = Date.now();
  const prices = JSON.parse(readFileSync(new URL('./prices.json', import.meta.url), 'utf8')) as Prices;
  const settings = resolveSettings({});
  const dynamo = await startDynamoLocal();
  const scenarios: ScenarioResult[] = [];
  let throughput: Awaited<ReturnType<typeof measureThroughput>> | null = null;
  try {
    log('bench: DynamoDB requests per return lifecycle …');
    for (const scenario of SCENARIOS) scenarios.push(await measureScenario(dynamo.endpoint, settings, scenario, quick ? 10 : 50));
    if (!skip.has('throughput')) {
      log('bench: throughput, pipeline vs raw conditional UpdateItem, side by side …');
      throughput = await measureThroughput(dynamo.endpoint, settings, { returns: quick ? 20 : 60, concurrency: 8, rounds: quick ? 1 : 3 });
    }
  } finally {
    await dynamo.stop();
  }
  let coldStart: ColdStartResult | null = null;
  if (!skip.has('coldstart')) {
    log('bench: bundles as CDK builds them, and module-load time vs an SDK-only bundle …');
    coldStart = await measureColdStart({ runs: quick ? 5 : 15 });
  }
  let memory: MemoryResult | null = null;
  if (!skip.has('memory')) {
    log('bench: replay peak RSS at two input sizes …');
    // The sizes (10k, 100k) take ~25 minutes on DynamoDB Local; the default keeps
    // the same 10x ratio inside the 10-minute budget. `--full` runs the sizes.
    const sizes = values.full ? { small: 10_000, large: 100_000 } : quick ? { small: 500, large: 5_000 } : { small: 2_000, large: 20_000 };
    memory = await measureMemory(sizes);
  }

  const assumptions: CostAssumptions = {
    memoryMb: coldStart?.memoryMb ?? { ingest: 256, publisher: 256, insider: 256, sweeper: 256 },
    publisherMsPerEffect: 30,
    streamMsPerRecord: 5,
    logBytesPerInvocation: 1_500,
  };
  const costs = scenarios.map((s) => ({ scenario: s.scenario, ...costPerMillionReturns(s, prices, assumptions) }));
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    quick,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    targets: TARGETS,
    scenarios: scenarios.map(summarize),
    throughput,
    coldStart,
    memory,
    cost: { prices: { region: 'us-east-1', recorded: prices.recorded }, assumptions, perMillionReturns: costs },
  };
  writeFileSync(values.json!, `${JSON.stringify(result, null, 2)}\n`);
  // The maintainers' performance page is rendered from the latest run's JSON.
  if (values.json === LATEST_JSON) writePerformanceDoc(new URL('../../', import.meta.url));
  process.stdout.write(render(result));
  log(`bench: wrote ${values.json} in ${result.durationSeconds} s`);
}

function summarize(s: ScenarioResult) {
  const per = (n: number) => round(n / s.returns);
  const d = s.ingest.dynamo;
  const effects = Object.entries(s.effects).reduce((n, [k, v]) => (k === 'EmployeeAnomaly' ? n : n + v), 0);
  return {
    scenario: s.scenario,
    returns: s.returns,
    eventsPerReturn: per(s.events),
    ingest: {
      readsPerReturn: per(d.reads),
      writesPerReturn: per(d.writes),
      transactWritesPerReturn: per(d.transactWrites),
      writesPerEvent: round(d.writes / s.events),
      readUnitsPerReturn: per(d.readUnits),
      writeUnitsPerReturn: per(d.writeUnits),
      indexWriteUnitsPerReturn: per(d.indexWriteUnits),
      byOperation: d.byOperation,
      meanHandlerMs: round(s.ingest.durationMs / s.ingest.invocations),
    },
    insider: { readsPerReturn: per(s.insider.dynamo.reads), writesPerReturn: per(s.insider.dynamo.writes), byOperation: s.insider.dynamo.byOperation },
    effectsPerReturn: per(effects),
    effects: s.effects,
    writeBudgetPerReturn: per(s.events + effects),
    withinWriteBudget: d.writes <= s.events + effects,
    largestReturnItemBytes: s.maxReturnItemBytes,
    publishes: { snsPerReturn: per(s.publisher.sns), eventBridgePerReturn: per(s.publisher.eventBridge) },
  };
}

const round = (n: number) => Math.round(n * 100) / 100;

function render(r: {
  scenarios: ReturnType<typeof summarize>[];
  throughput: Awaited<ReturnType<typeof measureThroughput>> | null;
  coldStart: ColdStartResult | null;
  memory: MemoryResult | null;
  cost: { perMillionReturns: Array<{ scenario: string; total: number; dynamoWrites: number; dynamoReads: number; lambdaRequests: number; lambdaCompute: number; sns: number; eventBridge: number; logs: number }> };
}): string {
  const lines: string[] = [];
  lines.push('DynamoDB requests per return (ingest; exact, SDK middleware)');
  lines.push('| scenario | events | reads | writes | transact | writes/event | budget (events+effects) | WRU | RRU | largest item (B) |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of r.scenarios) {
    lines.push(
      `| ${s.scenario} | ${s.eventsPerReturn} | ${s.ingest.readsPerReturn} | ${s.ingest.writesPerReturn} | ${s.ingest.transactWritesPerReturn} | ${s.ingest.writesPerEvent} | ${s.writeBudgetPerReturn}${s.withinWriteBudget ? '' : ' (missed)'} | ${s.ingest.writeUnitsPerReturn}+${s.ingest.indexWriteUnitsPerReturn} idx | ${s.ingest.readUnitsPerReturn} | ${s.largestReturnItemBytes} |`,
    );
  }
  if (r.throughput) {
    const t = r.throughput;
    lines.push('', `Throughput at concurrency ${t.concurrency} (median of ${t.rounds}): pipeline ${t.pipelineEventsPerSecond.toFixed(0)} events/s, raw conditional UpdateItem ${t.rawUpdatesPerSecond.toFixed(0)}/s, ratio ${t.ratio.toFixed(2)} (target ≥ ${TARGETS.throughputRatio})`);
  }
  if (r.coldStart) {
    lines.push('', 'Bundles as CDK builds them, module load vs SDK-only bundle (median of fresh processes)');
    lines.push('| function | bundle bytes | ≤ 250 KB | load ms | SDK-only load ms | ratio |');
    lines.push('|---|---:|---|---:|---:|---:|');
    for (const f of r.coldStart.functions) {
      lines.push(`| ${f.name} | ${f.bundleBytes} | ${f.bundleBytes <= TARGETS.bundleBytes ? 'yes' : 'NO'} | ${f.loadMs.toFixed(1)} | ${f.baselineLoadMs.toFixed(1)} | ${f.ratio.toFixed(2)} |`);
    }
  }
  if (r.memory) {
    const m = r.memory;
    lines.push('', `Replay peak RSS: ${m.small.events} events ${(m.small.maxRssBytes / 2 ** 20).toFixed(0)} MiB, ${m.large.events} events ${(m.large.maxRssBytes / 2 ** 20).toFixed(0)} MiB, ratio ${m.ratio.toFixed(2)} (target ≤ ${TARGETS.rssRatio}); ${m.large.eventsPerSecond.toFixed(0)} events/s end to end`);
  }
  lines.push('', 'Cost per million returns (USD, us-east-1 list prices in infra/bench/prices.json)');
  lines.push('| scenario | Lambda req | Lambda GB-s | DynamoDB W | DynamoDB R | SNS | EventBridge | Logs | total |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const c of r.cost.perMillionReturns) {
    const f = (n: number) => n.toFixed(2);
    lines.push(`| ${c.scenario} | ${f(c.lambdaRequests)} | ${f(c.lambdaCompute)} | ${f(c.dynamoWrites)} | ${f(c.dynamoReads)} | ${f(c.sns)} | ${f(c.eventBridge)} | ${f(c.logs)} | **${f(c.total)}** |`);
  }
  return `${lines.join('\n')}\n`;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
