import type { Runner } from './context.js';

/** One command-line option: its `parseArgs` type, and what `--help` says about it. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** The value's placeholder in the help (string options), e.g. `<dir>`. */
  readonly value?: string;
  readonly help: string;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

/**
 * A command, declared once: the global usage, `<command> --help`, parsing
 * and "did you mean" all come from here. `load` imports the command's module
 * only when the command runs, so `--version` and `--help` load no pipeline.
 */
export interface CommandSpec {
  readonly name: string;
  /** One line in the global usage. */
  readonly summary: string;
  /** The command line after `refund-gate `: arguments and options. */
  readonly synopsis: string;
  /** What the command does, for its `--help`. */
  readonly description: string;
  readonly options: OptionTable;
  readonly load: () => Promise<Runner>;
}

const CONFIG: OptionSpec = { type: 'string', value: '<file.json>', help: 'settings other than the defaults (a JSON object)' };

/** Where the review tools find the data: a kept local run or a deployed table. */
const TARGET = {
  db: { type: 'string', value: '<dir>', help: 'a kept local run (the directory of `replay --db`)' },
  table: { type: 'string', value: '<name>', help: 'the deployed DynamoDB table (AWS; credentials from the environment)' },
  region: { type: 'string', value: '<r>', help: "the table's AWS region" },
  config: { ...CONFIG, help: "the deployment's settings when they are not the defaults (with --db: the directory's own)" },
} as const satisfies OptionTable;

const JSON_OUT: OptionSpec = { type: 'boolean', help: 'print one JSON object instead of text' };
const BUS: OptionSpec = { type: 'string', value: '<name|arn>', help: 'the inbound event bus (AWS)' };

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'replay',
    summary: 'runs the pipeline on DynamoDB Local over a file of events and prints what it decides',
    synopsis: 'replay <events.jsonl | -> [--until <ISO time>] [--config <file.json>] [--db <dir>]',
    description: `Runs the real refund-gate handlers against DynamoDB Local on the EventBridge
events in the file (one per line, in arrival order; - reads standard input) and
prints what refund-gate decides, one JSON object per line.`,
    options: {
      until: { type: 'string', value: '<ISO time>', help: 'after the last line, move the clock on to this time (timers fire)' },
      config: CONFIG,
      db: { type: 'string', value: '<dir>', help: "keep DynamoDB Local's data, the clock and the evidence archive in <dir> for the review tools" },
    },
    load: async () => (await import('./commands/replay.js')).replayRunner,
  },
  {
    name: 'demo',
    summary: 'generates a realistic receiving day (seeded), replays it and prints a summary',
    synopsis: 'demo [--seed <n>] [--returns <n>] [--out <dir>]',
    description: `Generates a realistic receiving day (seeded) and replays it, then prints a
loss-prevention summary. This is what \`npm start\` runs.`,
    options: {
      seed: { type: 'string', value: '<n>', help: 'the day generated (0 to 4,294,967,295; default 42)' },
      returns: { type: 'string', value: '<n>', help: 'returns in the day (20 to 20,000; default 1,000)' },
      out: { type: 'string', value: '<dir>', help: 'keep events.jsonl, outputs.jsonl, truth.jsonl and the summary in <dir>' },
    },
    load: async () => (await import('./commands/demo.js')).demoRunner,
  },
  {
    name: 'webhook',
    summary: 'checks a carrier webhook body and prints the CarrierScans it becomes',
    synopsis:
      'webhook <easypost|aftership|ups|shippo> <body-file> --signature <header value> [--secret <s>] [--facilities <map.json>] [--source <s>] [--allow-test-mode]',
    description: `Checks a carrier webhook body as refund-gate's endpoint would (the signature
over the file's exact bytes; for ups, --signature is the credential header UPS
presented; for shippo, the 't=…,v1=…' header, whose t must be within 5 minutes
of now) and prints the CarrierScan envelopes it would put on the bus, one JSON
per line. The secret (at least 32 bytes) may come from
REFUND_GATE_<PROVIDER>_SECRET. Test-mode events are refused unless
--allow-test-mode. Exit 0 accepted; 2 refused (signature, credential, replay
window, test mode, body), with one line; 1 could not run.`,
    options: {
      signature: { type: 'string', value: '<header value>', help: "the signature header's value, as the carrier sent it" },
      secret: { type: 'string', value: '<s>', help: "the webhook's signing secret (else from the environment)" },
      facilities: { type: 'string', value: '<map.json>', help: 'which carrier facilities are which warehouse' },
      source: { type: 'string', value: '<s>', help: "the envelopes' source (default the contract's)" },
      'allow-test-mode': { type: 'boolean', help: "accept the provider's test-mode events (refused by default)" },
    },
    load: async () => (await import('./commands/webhook.js')).webhookRunner,
  },
  {
    name: 'serve',
    summary: 'runs the local pipeline behind an HTTP server for carrier webhooks and events',
    synopsis:
      'serve [--port <n>] [--host <addr>] [--facilities <map.json>] [--config <file.json>] [--easypost-secret <s>] [--aftership-secret <s>] [--ups-secret <s>] [--shippo-secret <s>] [--allow-test-mode]',
    description: `Runs the local pipeline (the same one replay runs, on DynamoDB Local) behind an
HTTP server on 127.0.0.1:8787: POST /webhooks/<provider> (easypost, aftership,
ups, shippo) takes signed carrier webhooks, POST /events takes inbound
EventBridge envelopes (one, or a JSON array). Secrets: at least 32 bytes each.
Test-mode events are refused (403) unless --allow-test-mode. Outbound messages
print to standard output as replay prints them. Ctrl-C stops it and DynamoDB
Local.`,
    options: {
      port: { type: 'string', value: '<n>', help: 'the port (default 8787; 0 picks a free one)' },
      host: { type: 'string', value: '<addr>', help: 'the address to listen on (default 127.0.0.1)' },
      facilities: { type: 'string', value: '<map.json>', help: 'which carrier facilities are which warehouse' },
      config: CONFIG,
      'easypost-secret': { type: 'string', value: '<s>', help: "EasyPost's webhook secret (else REFUND_GATE_EASYPOST_SECRET)" },
      'aftership-secret': { type: 'string', value: '<s>', help: "AfterShip's webhook secret (else REFUND_GATE_AFTERSHIP_SECRET)" },
      'ups-secret': { type: 'string', value: '<s>', help: "the UPS Track Alert subscription's credential (else REFUND_GATE_UPS_SECRET)" },
      'shippo-secret': { type: 'string', value: '<s>', help: "Shippo's webhook secret (else REFUND_GATE_SHIPPO_SECRET)" },
      'allow-test-mode': { type: 'boolean', help: "accept carriers' test-mode events (refused by default)" },
    },
    load: async () => (await import('./commands/serve.js')).serveRunner,
  },
  {
    name: 'explain',
    summary: "says why a return's refund is held, or what released or denied it",
    synopsis: 'explain <returnId> (--db <dir> | --table <name> --region <r> [--archive-bucket <name>]) [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--config <file.json>] [--json]',
    description: `Says why a return's refund is held (or what released or denied it). A return
the table no longer holds is explained from the evidence archive: the kept
run's archive/ with --db, the bucket with --archive-bucket in AWS.`,
    options: {
      ...TARGET,
      json: JSON_OUT,
      'archive-bucket': { type: 'string', value: '<name>', help: 'the evidence archive bucket (AWS; else REFUND_GATE_ARCHIVE_BUCKET)' },
      from: { type: 'string', value: 'YYYY-MM-DD', help: 'first archive day searched (default 90 days before --to)' },
      to: { type: 'string', value: 'YYYY-MM-DD', help: 'last archive day searched (default today, UTC)' },
    },
    load: async () => (await import('./commands/explain.js')).explainRunner,
  },
  {
    name: 'reviews',
    summary: 'lists the review queue with the money at stake, oldest first',
    synopsis: 'reviews (--db <dir> | --table <name> --region <r>) [--open] [--severity HIGH|MEDIUM|LOW] [--warehouse W] [--config <file.json>] [--json]',
    description: 'Lists the review queue with the money at stake, oldest first.',
    options: {
      ...TARGET,
      open: { type: 'boolean', help: 'open reviews only (the queue; without it closed ones too, a Scan in AWS)' },
      severity: { type: 'string', value: 'HIGH|MEDIUM|LOW', help: 'only this severity' },
      warehouse: { type: 'string', value: 'W', help: 'only this warehouse' },
      json: JSON_OUT,
    },
    load: async () => (await import('./commands/reviews.js')).reviewsRunner,
  },
  {
    name: 'decide',
    summary: 'answers a review (release or deny) and says what refund-gate did with the answer',
    synopsis:
      'decide <reviewId> --release|--deny (--db <dir> --reviewer <id> [--at <ISO time>] | --table <name> --region <r> [--decision-url <url>]) [--note <text>] [--return <returnId>] [--config <file.json>] [--json]',
    description: `Submits a ReviewDecided like any producer, then reports what refund-gate did
with it. Exit 3 when the decision was not applied (ignored, refused, rejected,
or not processed yet).`,
    options: {
      ...TARGET,
      'decision-url': { type: 'string', value: '<url>', help: "AWS: the decision endpoint (the stack's DecisionUrl output; else REFUND_GATE_DECISION_URL)" },
      release: { type: 'boolean', help: 'release the refund' },
      deny: { type: 'boolean', help: 'deny the refund' },
      reviewer: { type: 'string', value: '<id>', help: "the reviewer (local; in AWS the caller's identity)" },
      note: { type: 'string', value: '<text>', help: 'why' },
      return: { type: 'string', value: '<returnId>', help: 'the return, when the review is no longer open' },
      at: { type: 'string', value: '<ISO time>', help: "decidedAt (local; default the kept run's clock)" },
      json: JSON_OUT,
    },
    load: async () => (await import('./commands/decide.js')).decideRunner,
  },
  {
    name: 'console',
    summary: 'serves the review console on 127.0.0.1 until Ctrl-C',
    synopsis: 'console (--db <dir> [--reviewer <id>] | --table <name> --region <r> --bus <bus>) [--port <n>] [--config <file.json>]',
    description: 'Serves the review console (the queue, explanations, decisions) on 127.0.0.1 until Ctrl-C.',
    options: {
      ...TARGET,
      bus: BUS,
      port: { type: 'string', value: '<n>', help: 'the port (default 8787; 0 picks a free one)' },
      reviewer: { type: 'string', value: '<id>', help: 'local: the reviewer id the page starts with' },
    },
    load: async () => (await import('./commands/console.js')).consoleRunner,
  },
  {
    name: 'stop',
    summary: 'stops the DynamoDB Local a kept run leaves running between commands',
    synopsis: 'stop --db <dir>',
    description: `Stops the DynamoDB Local that the commands on a kept run (--db) leave running
for the next one. It also stops by itself after REFUND_GATE_DB_IDLE_SECONDS
without a command (default 900; docs/analysts/tools.md).`,
    options: { db: TARGET.db },
    load: async () => (await import('./commands/stop.js')).stopRunner,
  },
];

/** The command named, if any. */
export function commandNamed(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
