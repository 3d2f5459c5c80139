import { resolveSettings } from '../../shared/contract/index.js';
import { createDecider, type Effect, type ReturnState } from '../../shared/domain/index.js';
import { authorize, recordReceipt, recordScan, requestRefund } from './facts.js';

/** What the per-rule decider tests (test/unit/rules/r*.test.ts) share: default settings, one honest return's commands. */
export const defaults = resolveSettings();
export const decider = createDecider(defaults);
export const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
/** The epoch ms of an effect's time field, whatever its ISO spelling. */
export const instantOf = (effect: Effect | undefined, field: 'raisedAt' | 'clearedAt' | 'releasedAt' | 'deniedAt') =>
  Date.parse(String((effect as unknown as Record<string, unknown> | undefined)?.[field]));
export const releaseOf = (state: ReturnState) => (state.status === 'RELEASED' ? state.release : undefined);
export const auth = authorize();
export const scan = recordScan();
export const receipt = recordReceipt();
export const refund = requestRefund();
/** Without `scan` in the history the receipt has no inbound scan. */
export const noScanReceipt = receipt;
