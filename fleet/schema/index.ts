export * from './common.js';
export * from './fleet.js';
export * from './tenant.js';
export * from './billing.js';
export * from './host.js';
export * from './secrets.js';
export * from './catalog.js';
export * from './module-runtime.js';
