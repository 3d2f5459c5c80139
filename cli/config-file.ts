import { resolveSettings, type Settings } from '../shared/contract/config.js';
import { ContractValidationError } from '../shared/contract/errors.js';
import { parseJson } from '../shared/contract/parse.js';
import { UsageError } from './exit.js';
import { MAX_CONFIG_BYTES, readFileCapped } from './read-capped.js';
import { InputUnreadableError } from './replay.js';

/** `--config <file.json>` (replay, serve): the settings, or a usage error naming the file and the field. */
export async function loadConfig(path: string): Promise<Settings> {
  let text: string;
  try {
    text = (await readFileCapped(path, MAX_CONFIG_BYTES)).toString('utf8');
  } catch (cause) {
    throw new UsageError(`--config: ${new InputUnreadableError(path, { cause }).message}`);
  }
  try {
    return resolveSettings(parseJson(text));
  } catch (error) {
    if (error instanceof ContractValidationError) throw new UsageError(`--config ${path}: ${error.message}`);
    throw error;
  }
}
