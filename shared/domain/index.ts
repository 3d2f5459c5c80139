export * from './types.js';
export * from './reasons.js';
export * from './decider.js';
export * from './matching.js';
export * from './errors.js';
export { fingerprint, canonicalJson } from './fingerprint.js';
export { toEpochMs, toIso, maxIso, addMs } from './time.js';
export { nextDueAt } from './timers.js';
export * from './insider.js';
