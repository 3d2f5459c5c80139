
import { resolveSettings } from '../../shared/contract/config.js';
import { ContractValidationError } from '../../shared/contract/errors.js';
import { parseJson } from '../../shared/contract/parse.js';
import type { BackendContext, ReviewBackend, TargetOptions } from './backend.js';
import { AwsBackend, awsClients } from './aws.js';
import { LocalBackend } from './local.js';
import { MAX_CONFIG_BYTES, readFileCapped } from '../read-capped.js';

/** Open the backend the options name; a usage problem throws `usage(message)`. */
export async function openBackend(options: TargetOptions, context: BackendContext, usage: (message: string) => Error): Promise<ReviewBackend> {
  if (options.db !== undefined && options.table !== undefined) throw usage('give either --db <dir> or --table <name>, not both');
  if (options.db !== undefined) {
    if (options.region !== undefined || options.bus !== undefined) throw usage('--region and --bus go with --table, not --db');
    const config = options.config === undefined ? undefined : await readConfigInput(options.config, usage);
    return LocalBackend.open(options.db, config, context.logger);
  }
  if (options.table !== undefined) {
    const config = options.config === undefined ? {} : await readConfigInput(options.config, usage);
    return new AwsBackend(
      { tableName: options.table, region: options.region, bus: options.bus, settings: resolveSettings(config) },
      context.clients ?? awsClients(options.region),
      context.wallClock ?? Date.now,
    );
  }
  throw usage('say where the data is: --db <dir> (a kept local run) or --table <name> --region <r> (AWS)');
}

export async function readConfigInput(path: string, usage: (message: string) => Error): Promise<unknown> {
  let text: string;
  try {
    text = (await readFileCapped(path, MAX_CONFIG_BYTES)).toString('utf8');
  } catch (cause) {
    throw usage(`--config: cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`);
  }
  try {
    const input = parseJson(text);
    resolveSettings(input);
    return input;
  } catch (error) {
    if (error instanceof ContractValidationError) throw usage(`--config ${path}: ${error.message}`);
    throw error;
  }
}
