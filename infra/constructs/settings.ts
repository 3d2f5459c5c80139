import { DEFAULT_SETTINGS, OUTBOUND_SOURCE, resolveSettings, SETTING_NAMES, type SettingsInput } from '../../shared/contract/config.js';
import { RefundGatePropsError } from './errors.js';

/**
 * The contract settings (sources, skew, grace, maxHold, …) as one typed
 * object: the same shape as `refund-gate replay --config`, the `settings`
 * context key and the `REFUND_GATE_SETTINGS` environment variable. Durations
 * are ISO 8601 strings (`PT15M`, `P14D`).
 */
export type RefundGateSettings = SettingsInput;

/** Every setting name, from the contract's own schema: a setting added there is accepted here with no change. */
export { SETTING_NAMES };

/**
 * Validate settings with the contract's parser and fill the defaults, as
 * `REFUND_GATE_SETTINGS` carries them (every key present, so an operator
 * reading the function's environment sees the effective values).
 */
export function effectiveSettings(input: RefundGateSettings = {}, where = 'settings'): Record<string, unknown> {
  let resolved;
  try {
    resolved = resolveSettings(input);
  } catch (cause) {
    throw new RefundGatePropsError(`${where}: ${(cause as Error).message}`, { cause, context: { input } });
  }
  for (const [detailType, source] of Object.entries(resolved.sources)) {
    if (source === OUTBOUND_SOURCE) {
      // The publisher may put events with this source; accepting it inbound would let refund-gate feed itself.
      throw new RefundGatePropsError(`${where}: sources.${detailType}: "${OUTBOUND_SOURCE}" is refund-gate's own outbound source`);
    }
  }
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const defaults = DEFAULT_SETTINGS as Record<string, unknown>;
  for (const name of SETTING_NAMES) {
    const given = (input as Record<string, unknown>)[name];
    if (name === 'sources') out[name] = { ...resolved.sources };
    else if (given !== undefined) out[name] = given;
    else if (defaults[name] !== undefined) out[name] = defaults[name];
  }
  return { ...out };
}
