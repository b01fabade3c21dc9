/**
 * The invoker's public face: the Invoker class and its ports. Wiring one to CouchDB (the ports'
 * adapters and `createInvoker`) is composition, in src/platform/invoker-stack.ts.
 */
export { Invoker, type InvokerOptions } from './invoker.js';
export * from './ports.js';
export { invokerStageMetrics, invokerStages, type InvokerStageObserver } from './stage-metrics.js';
