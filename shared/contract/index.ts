export * from './errors.js';
export * from './primitives.js';
export * from './inbound.js';
export * from './outbound.js';
export * from './config.js';
export * from './parse.js';
export { issuesOf } from './issues.js';
export { domainCompat } from './domain-compat.js';
