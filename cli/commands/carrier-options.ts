import { FacilityMapError } from '../../shared/carriers/errors.js';
import { FacilityMap } from '../../shared/carriers/facilities.js';
import { isProviderName, PROVIDER_NAMES, type ProviderName } from '../../shared/carriers/provider.js';
import { secretProblem } from '../../shared/carriers/receiver.js';
import { RefundGateError } from '../../shared/errors.js';
import { MAX_CONFIG_BYTES, readFileCapped } from '../read-capped.js';
import { EXIT, type ExitStatusError } from '../exit.js';

/** A command-line value is wrong; `cli.ts` maps it to a usage error (exit 2). */
export class CarrierOptionError extends RefundGateError implements ExitStatusError {
  public readonly exitStatus: number = EXIT.usage;

  public constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'CarrierOptionError';
  }
}

/** Environment variables a webhook secret may come from instead of the command line (which `ps` shows). */
export const SECRET_ENV: Readonly<Record<ProviderName, string>> = {
  easypost: 'REFUND_GATE_EASYPOST_SECRET',
  aftership: 'REFUND_GATE_AFTERSHIP_SECRET',
  ups: 'REFUND_GATE_UPS_SECRET',
  shippo: 'REFUND_GATE_SHIPPO_SECRET',
};

/** A secret given on the command line or in the environment, refused when too short to be trusted (at least 32 bytes). */
export function checkedSecret(provider: ProviderName, secret: string, from: string): string {
  const problem = secretProblem(secret);
  if (problem !== undefined) throw new CarrierOptionError(`${from}: ${problem} for ${provider}`);
  return secret;
}

export function providerOption(name: string | undefined): ProviderName {
  const names = PROVIDER_NAMES.join(', ');
  if (name === undefined) throw new CarrierOptionError(`needs a provider: one of ${names}`);
  if (!isProviderName(name)) throw new CarrierOptionError(`unknown provider "${name}" (expected one of ${names})`);
  return name;
}

/** `--facilities <map.json>`, or no warehouse at all (every delivery is then elsewhere). */
export async function loadFacilities(path: string | undefined): Promise<FacilityMap> {
  if (path === undefined) return FacilityMap.empty();
  let text: string;
  try {
    text = (await readFileCapped(path, MAX_CONFIG_BYTES)).toString('utf8');
  } catch (cause) {
    throw new CarrierOptionError(`--facilities: cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  try {
    return FacilityMap.parse(JSON.parse(text));
  } catch (cause) {
    const reason = cause instanceof FacilityMapError ? cause.message : `not JSON: ${(cause as Error).message}`;
    throw new CarrierOptionError(`--facilities ${path}: ${reason}`, { cause });
  }
}
