import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolveSettings, type Settings } from '../shared/contract/config.js';
import { measureColdStart, type ColdStartResult } from './coldstart.js';
import { costPerMillion, DEFAULT_COST_SETTINGS, round, type CostLine, type Prices } from './cost.js';
import { MAPPING_BATCH_SIZE, measureEndToEnd, measureThroughput, type EndToEndResult, type ThroughputResult } from './endtoend.js';
import { measureMemory, type MemoryResult } from './memory.js';
import { SCENARIOS, type ScenarioName } from './scenarios.js';

/**
 * `npm run bench`: every scenario through the whole local deployment (rules,
 * handlers, stream, filters), counted; cost per million returns from those
 * counts and a dated price table; end-to-end throughput as a ratio to raw
 * DynamoDB Local writes measured alongside it (stream read in batches as
 * Lambda reads it, and after every event as replay does; and, reported
 * beside them, K concurrent deliveries against K concurrent raw writers); replay memory at
 * two input sizes.
 * Each figure is printed with its target and met/missed. No timing is
 * asserted anywhere; nothing tracked is written unless asked
 * (`--json <file>`, `--write-docs`).
 */
const USAGE = `usage: npm run bench -- [--quick] [--full] [--json <file>] [--write-docs] [--skip <part>]…

  --quick        fewer returns per scenario (a smoke run)
  --full         larger replay-memory sizes, and Lambda cold starts
  --json <file>  also write the figures as JSON to <file>
  --write-docs   regenerate docs/maintainers/performance.md from this run
  --skip <part>  leave a part out: throughput, memory or coldstart (repeatable)
  -h, --help     this text

Each figure is printed with its target and met/missed; no timing is asserted.`;

const values = (() => {
  try {
    return parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        full: { type: 'boolean', default: false },
        json: { type: 'string' },
        'write-docs': { type: 'boolean', default: false },
        skip: { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    // A mistyped option is the reader's to fix: one line and the usage, no stack trace.
    process.stderr.write(`bench: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
})();
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const quick = values.quick ?? false;
const skip = new Set(values.skip ?? []);
const log = (line: string) => process.stderr.write(`${line}\n`);

export const TARGETS = {
  costPerMillionHonest: { max: 10, goal: 8 },
  lambdaInvocationsPerReturnHonest: { max: 8 },
  wruPerReturnHonest: { max: 10 },
  throughputRatio: { min: 0.5 },
  replayRssRatio: { max: 1.2 },
} as const;

async function main(): Promise<void> {
  const started = Date.now();
  const prices = JSON.parse(readFileSync(new URL('./prices.json', import.meta.url), 'utf8')) as Prices & { sources: Record<string, string> };
  const settings = resolveSettings({});
  const runs = await runScenarios(settings);
  const throughput = skip.has('throughput') ? null : await runThroughput(settings);
  const memory = skip.has('memory') ? null : await runMemory();
  const coldStart = values.full && !skip.has('coldstart') ? await runColdStart() : null;

  const costs = runs.map((r) => ({ scenario: r.scenario, ...costPerMillion(r, r.storage, prices, DEFAULT_COST_SETTINGS) }));
  const honestCost = costs.find((c) => c.scenario === 'honest')!;
  const figures = figuresOf(runs, costs, throughput, memory);
  const verdicts = verdictsOf(figures, memory);
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    quick,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    ...figures,
    targets: verdicts,
    scenarios: runs.map(scenarioSummary),
    cost: { prices: { region: 'us-east-1', asOf: prices.asOf, sources: prices.sources }, settings: DEFAULT_COST_SETTINGS, perMillionReturns: costs },
    coldStart,
  };
  const text = render(result, honestCost.lines);
  process.stdout.write(text);
  if (values.json) {
    writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
    log(`bench: wrote ${values.json}`);
  }
  if (values['write-docs']) {
    const page = new URL('../docs/maintainers/performance.md', import.meta.url);
    writeFileSync(page, docsPage(result.date, text));
    log(`bench: wrote ${page.pathname}`);
  }
  log(`bench: ${result.durationSeconds} s`);
}

/** Every scenario through the whole local deployment, counted. */
async function runScenarios(settings: Settings): Promise<EndToEndResult[]> {
  const runs: EndToEndResult[] = [];
  for (const scenario of SCENARIOS) {
    const returns = scenario === 'honest' ? (quick ? 40 : 150) : quick ? 10 : 30;
    log(`bench: ${scenario}, ${returns} returns through rules, handlers, stream and filters …`);
    runs.push(await measureEndToEnd(settings, scenario, returns));
  }
  return runs;
}

interface Throughputs {
  readonly batched: ThroughputResult;
  readonly perEvent: ThroughputResult;
  readonly concurrent: ThroughputResult;
}

/** End-to-end throughput against raw writes: stream read in batches, after every event, and concurrently; each run's outcome checked. */
async function runThroughput(settings: Settings): Promise<Throughputs> {
  // Alternating rounds, the raw writes given as long as each pipeline round took: a burst of other work on the machine weighs on both.
  const sizes = quick ? { warmupReturns: 10, returnsPerRound: 10, rounds: 6 } : { warmupReturns: 20, returnsPerRound: 10, rounds: 16 };
  log(`bench: throughput, honest, ${sizes.rounds} rounds of ${sizes.returnsPerRound} returns against raw writes, stream read in batches, then after every event …`);
  // Rounds of whole waves (a multiple of the lanes), so no lane idles at a round's end while the raw writers all write.
  const concurrentSizes = { warmupReturns: 2 * CONCURRENT_LANES, returnsPerRound: 2 * CONCURRENT_LANES, rounds: sizes.rounds };
  log(`bench: throughput, honest, ${concurrentSizes.rounds} rounds of ${concurrentSizes.returnsPerRound} returns, ${CONCURRENT_LANES} concurrent deliveries against ${CONCURRENT_LANES} concurrent raw writers …`);
  const throughput = {
    batched: await measureThroughput(settings, 'honest', { ...sizes, streamBatchWrites: MAPPING_BATCH_SIZE }),
    perEvent: await measureThroughput(settings, 'honest', { ...sizes, streamBatchWrites: 1 }),
    concurrent: await measureThroughput(settings, 'honest', { ...concurrentSizes, streamBatchWrites: MAPPING_BATCH_SIZE, lanes: CONCURRENT_LANES }),
  };
  if (throughput.batched.printed !== throughput.perEvent.printed) {
    throw new Error(`throughput: reading the stream in batches printed ${throughput.batched.printed} lines, after every event ${throughput.perEvent.printed}`);
  }
  // The concurrent run's outcome: every honest return released, no line rejected, as many lines per return as the sequential runs printed.
  for (const [name, t] of Object.entries(throughput)) {
    const expected = (throughput.batched.printed / throughput.batched.returnsDelivered) * t.returnsDelivered;
    if (t.released !== t.returnsDelivered || t.rejected !== 0 || t.printed !== expected) {
      throw new Error(`throughput (${name}): ${t.returnsDelivered} honest returns, ${t.released} released, ${t.rejected} rejected, ${t.printed} lines printed (expected ${expected})`);
    }
  }
  return throughput;
}

/** Replay's peak RSS at two input sizes, 5x apart (the ratio); `--full` runs larger sizes. */
async function runMemory(): Promise<MemoryResult> {
  const sizes = values.full ? { small: 4_000, large: 20_000 } : quick ? { small: 400, large: 2_000 } : { small: 1_000, large: 5_000 };
  log(`bench: replay peak RSS at ${sizes.small} and ${sizes.large} events …`);
  return measureMemory(sizes);
}

async function runColdStart(): Promise<ColdStartResult> {
  log('bench: bundles as CDK builds them …');
  return measureColdStart({ runs: 5 });
}

const per = (r: EndToEndResult, n: number) => round(n / r.returns);
const invocationsPerReturn = (r: EndToEndResult) => per(r, r.invocations.ingest + r.invocations.publisher + r.invocations.insider);

/** The figures the targets are judged on, and the throughput and memory details. */
function figuresOf(runs: readonly EndToEndResult[], costs: ReadonlyArray<{ scenario: ScenarioName; total: number }>, throughput: Throughputs | null, memory: MemoryResult | null) {
  return {
    costPerMillion: Object.fromEntries(costs.map((c) => [c.scenario, round(c.total)])) as Record<ScenarioName, number>,
    lambdaInvocationsPerReturn: Object.fromEntries(runs.map((r) => [r.scenario, invocationsPerReturn(r)])) as Record<ScenarioName, number>,
    wruPerReturn: Object.fromEntries(runs.map((r) => [r.scenario, per(r, r.dynamo.writeUnits + r.dynamo.indexWriteUnits)])) as Record<ScenarioName, number>,
    requestsPerEvent: Object.fromEntries(runs.map((r) => [r.scenario, round((r.dynamo.reads + r.dynamo.writes + r.dynamo.refused) / r.events)])) as Record<ScenarioName, number>,
    throughputRatio: throughput ? round(throughput.batched.ratio) : null,
    throughput: throughput
      ? { batched: throughputFigures(throughput.batched), perEvent: throughputFigures(throughput.perEvent), concurrent: throughputFigures(throughput.concurrent) }
      : null,
    replayRss: memory
      ? { ratio: round(memory.ratio), dynamoLocalRatio: round(memory.dynamoLocalRatio), small: memory.small, large: memory.large }
      : { ratio: null, dynamoLocalRatio: null },
  };
}

/** Each target's figure, met or missed (or not run). */
function verdictsOf(figures: ReturnType<typeof figuresOf>, memory: MemoryResult | null) {
  return [
    verdict('cost per million honest returns (USD)', figures.costPerMillion.honest, `≤ ${TARGETS.costPerMillionHonest.max} (goal ${TARGETS.costPerMillionHonest.goal})`, figures.costPerMillion.honest <= TARGETS.costPerMillionHonest.max),
    verdict('Lambda invocations per honest return', figures.lambdaInvocationsPerReturn.honest, `≤ ${TARGETS.lambdaInvocationsPerReturnHonest.max}`, figures.lambdaInvocationsPerReturn.honest <= TARGETS.lambdaInvocationsPerReturnHonest.max),
    verdict('WRU per honest return (ledger included)', figures.wruPerReturn.honest, `≤ ${TARGETS.wruPerReturnHonest.max}`, figures.wruPerReturn.honest <= TARGETS.wruPerReturnHonest.max),
    figures.throughputRatio !== null
      ? verdict(THROUGHPUT_FIGURE, figures.throughputRatio, `≥ ${TARGETS.throughputRatio.min}`, figures.throughputRatio >= TARGETS.throughputRatio.min)
      : { figure: THROUGHPUT_FIGURE, value: null, target: `≥ ${TARGETS.throughputRatio.min}`, status: 'not run' },
    memory
      ? verdict('replay RSS ratio at 5x input (Node)', round(memory.ratio), `≤ ${TARGETS.replayRssRatio.max}`, memory.ratio <= TARGETS.replayRssRatio.max)
      : { figure: 'replay RSS ratio at 5x input (Node)', value: null, target: `≤ ${TARGETS.replayRssRatio.max}`, status: 'not run' },
  ];
}

/** One scenario's counts per return, as the JSON and the table show them. */
function scenarioSummary(r: EndToEndResult) {
  return {
    scenario: r.scenario,
    returns: r.returns,
    eventsPerReturn: per(r, r.events),
    droppedByRulesPerReturn: per(r, r.filteredEvents),
    invocationsPerReturn: { ingest: per(r, r.invocations.ingest), publisher: per(r, r.invocations.publisher), insider: per(r, r.invocations.insider), sweeperInReplay: per(r, r.invocations.sweeper) },
    dynamoPerReturn: { reads: per(r, r.dynamo.reads), writes: per(r, r.dynamo.writes), refusedWrites: per(r, r.dynamo.refused), rru: per(r, r.dynamo.readUnits), wru: per(r, r.dynamo.writeUnits), indexWru: per(r, r.dynamo.indexWriteUnits), byOperation: r.dynamo.byOperation },
    largestItemBytes: r.largestItemBytes,
    logBytesPerInvocation: Math.round(r.logBytes / Math.max(1, r.invocations.ingest + r.invocations.publisher + r.invocations.insider + r.invocations.sweeper)),
    logLinesPerReturn: per(r, r.logLines),
    storage: r.storage,
  };
}

const THROUGHPUT_FIGURE = 'end-to-end throughput / raw conditional writes (stream read in batches)';
/** Ingest invocations at once in the concurrent throughput run, against as many raw writers. */
const CONCURRENT_LANES = 8;

function throughputFigures(t: ThroughputResult) {
  return {
    ratio: round(t.ratio),
    ratioRange: [round(t.ratioMin), round(t.ratioMax)],
    eventsPerSecond: round(t.eventsPerSecond),
    rawWritesPerSecond: round(t.rawWritesPerSecond),
    streamBatchWrites: t.streamBatchWrites,
    lanes: t.lanes ?? 1,
    returnsDelivered: t.returnsDelivered,
    released: t.released,
    rejected: t.rejected,
    streamReadsPerEvent: round(t.streamReadsPerEvent),
    printed: t.printed,
    droppedByRulesShare: round(t.droppedShare),
    warmupReturns: t.warmupReturns,
    returnsPerRound: t.returnsPerRound,
    rounds: t.timedRounds.map((r) => ({ events: r.events, pipelineSeconds: round(r.pipelineSeconds), rawWrites: r.rawWrites, rawSeconds: round(r.rawSeconds) })),
  };
}

function verdict(figure: string, value: number, target: string, met: boolean) {
  return { figure, value, target, status: met ? 'met' : 'MISSED' };
}

function render(r: { replayRss?: { small?: { events: number; maxRssBytes: number; dynamoLocalMaxRssBytes: number }; large?: { events: number; maxRssBytes: number; dynamoLocalMaxRssBytes: number }; ratio: number | null; dynamoLocalRatio: number | null }; throughput?: { batched: ReturnType<typeof throughputFigures>; perEvent: ReturnType<typeof throughputFigures>; concurrent: ReturnType<typeof throughputFigures> } | null; targets: ReturnType<typeof verdict>[] | Array<{ figure: string; value: number | null; target: string; status: string }>; scenarios: Array<Record<string, unknown>>; cost: { prices: { asOf: string }; perMillionReturns: Array<{ scenario: string; total: number }> } }, honestLines: CostLine[]): string {
  const out: string[] = [];
  out.push('Targets (issue #14)', '| figure | value | target | status |', '|---|---:|---|---|');
  for (const t of r.targets) out.push(`| ${t.figure} | ${t.value ?? '—'} | ${t.target} | ${t.status} |`);
  out.push('', 'Per return, measured through the local deployment (rules, handlers, stream filters, DynamoDB Local)');
  out.push('| scenario | events | dropped by rules | ingest | publisher | insider | reads | writes | refused | WRU | largest item (B) | log B/invocation | table B | archive B |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of r.scenarios as Array<{
    scenario: string;
    eventsPerReturn: number;
    droppedByRulesPerReturn: number;
    invocationsPerReturn: { ingest: number; publisher: number; insider: number };
    dynamoPerReturn: { reads: number; writes: number; refusedWrites: number; wru: number; indexWru: number };
    largestItemBytes: number;
    logBytesPerInvocation: number;
    storage: { tableBytesPerReturn: number; archiveBytesPerReturn: number };
  }>) {
    const d = s.dynamoPerReturn;
    out.push(
      `| ${s.scenario} | ${s.eventsPerReturn} | ${s.droppedByRulesPerReturn} | ${s.invocationsPerReturn.ingest} | ${s.invocationsPerReturn.publisher} | ${s.invocationsPerReturn.insider} | ${d.reads} | ${d.writes} | ${d.refusedWrites} | ${round(d.wru + d.indexWru)} | ${s.largestItemBytes} | ${s.logBytesPerInvocation} | ${Math.round(s.storage.tableBytesPerReturn)} | ${Math.round(s.storage.archiveBytesPerReturn)} |`,
    );
  }
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  const rss = r.replayRss;
  if (rss?.small && rss.large) {
    out.push('', `Replay peak RSS (refund-gate replay as its own process): Node ${mib(rss.small.maxRssBytes)} at ${rss.small.events} events, ${mib(rss.large.maxRssBytes)} at ${rss.large.events} (ratio ${rss.ratio}); DynamoDB Local's JVM ${mib(rss.small.dynamoLocalMaxRssBytes)} → ${mib(rss.large.dynamoLocalMaxRssBytes)} (ratio ${rss.dynamoLocalRatio}, reported, no target).`);
  }
  const t = r.throughput;
  if (t) {
    const b = t.batched;
    const mode = (f: typeof b) => `${f.eventsPerSecond} events/s vs ${f.rawWritesPerSecond} raw writes/s, ratio ${f.ratio} (rounds from ${f.ratioRange[0]} to ${f.ratioRange[1]}), ${f.streamReadsPerEvent} stream reads per event`;
    out.push(
      '',
      `Throughput, honest scenario, through the whole local deployment (rules, ingest, stream, publisher and insider with their filters, sweeps as they come due, INFO logs and EMF), one event at a time as replay delivers them. Events are inbound events: ${Math.round(b.droppedByRulesShare * 100)} % of them are scans a rule drops before any invocation, counted all the same. After a warm-up of ${b.warmupReturns} returns, ${b.rounds.length} rounds of ${b.returnsPerRound} returns, each timed until the stream is quiet and followed, for as long, by sequential conditional UpdateItems on a plain table (a key, no stream, no index) of the same DynamoDB Local through the same client:`,
      `- stream read in batches, as Lambda's mappings read it: once ${b.streamBatchWrites} writes wait, and before a sweep could be skipped (here the business clock passes a minute every return, so about once a return): ${mode(b)};`,
      `- stream read after every event that wrote, as replay reads it so that effects print in order: ${mode(t.perEvent)}.`,
      `Both print the same ${b.printed} replay lines. Neither runs events concurrently: Lambda would, for the pipeline and for raw writes alike (the run below does, on both sides).`,
    );
    const c = t.concurrent;
    out.push(
      '',
      `The same concurrency on both sides, ${c.lanes} concurrent deliveries vs ${c.lanes} concurrent raw writers (reported, not the target's figure): ${c.lanes} lanes each deliver a different return's events in order through the real ingest handler (the same pipeline, store, flags, settings and rules), while one reader reads the stream in the background once ${c.streamBatchWrites} writes wait and hands each batch to the publisher and insider with their filters, sweeps as they come due; each round (${c.returnsPerRound} returns, after a warm-up of ${c.warmupReturns}) is timed until the stream is quiet and followed, for as long, by ${c.lanes} concurrent writers of the same conditional UpdateItems: ${mode(c)}. Outcome checked: ${c.released} RefundReleased for ${c.returnsDelivered} honest returns, ${c.rejected} lines rejected, ${c.printed} lines printed (as many per return as above).`,
    );
  }
  out.push('', `Cost per million honest returns, all in (USD; us-east-1 public list prices as of ${r.cost.prices.asOf}, bench/prices.json)`);
  out.push('| item | USD | from |', '|---|---:|---|');
  for (const l of honestLines) out.push(`| ${l.item} | ${l.usd.toFixed(2)} | ${l.basis} |`);
  out.push(`| **total** | **${honestLines.reduce((s, l) => s + l.usd, 0).toFixed(2)}** | |`);
  out.push('', 'Other scenarios: ' + r.cost.perMillionReturns.map((c) => `${c.scenario} $${c.total.toFixed(2)}`).join(', '));
  out.push('Not included: the producers\' own PutEvents of the inbound events (billed to whoever puts them: $1 per million events).');
  return `${out.join('\n')}\n`;
}

function docsPage(date: string, text: string): string {
  return `# Benchmark results\n\nGenerated by \`npm run bench -- --write-docs\` on ${date.slice(0, 10)}; do not edit by hand. How each figure is measured, and what is assumed: [cost.md](cost.md).\n\n${text}`;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? (error as Error).message}\n`);
  process.exitCode = 1;
});
