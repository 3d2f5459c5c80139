import { prepareOutDir } from '../cli-support.js';
import { text, type Runner } from '../context.js';
import { runDemo, DEMO_DEFAULTS } from '../demo/run.js';
import { EXIT } from '../exit.js';
import { cliLogger } from '../logging.js';
import { integer } from '../progress.js';
import { R7_WIRING } from '../wiring.js';

/** `refund-gate demo`: a generated day replayed, and its loss-prevention summary on standard output. */
export const demoRunner: Runner = async (invocation, ctx) => {
  if (invocation.positionals.length > 0) throw ctx.usage(`demo takes no file (got "${invocation.positionals[0]}")`);
  const [seedText, returnsText, out] = [text(invocation, 'seed'), text(invocation, 'returns'), text(invocation, 'out')];
  const seed = seedText === undefined ? DEMO_DEFAULTS.seed : integerOption('--seed', seedText, 0, 2 ** 32 - 1, ctx.usage);
  const returns = returnsText === undefined ? DEMO_DEFAULTS.returns : integerOption('--returns', returnsText, 20, 20_000, ctx.usage);
  // An impossible --out fails here, in one line, before the day is generated and DynamoDB Local starts.
  if (out !== undefined) await prepareOutDir('--out', out);
  const summary = await runDemo({ seed, returns, outDir: out, stderr: ctx.stderr, logger: cliLogger(ctx.stderr, 'ERROR'), signal: ctx.signal, extensions: R7_WIRING });
  ctx.stdout(summary);
  return EXIT.ok;
};

function integerOption(name: string, value: string, min: number, max: number, usage: (message: string) => Error): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw usage(`${name}: expected a whole number from ${integer(min)} to ${integer(max)}, got "${value}"`);
  }
  return n;
}
