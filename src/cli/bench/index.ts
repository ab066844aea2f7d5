/**
 * The SSE load generator behind `hotline bench` and `npm run bench`: forked raw-socket subscriber workers,
 * a publisher with N publishes in flight, publish→receive latency, server RSS/CPU from /proc
 * (see docs/benchmarks-method.md).
 * @module
 */
export { FrameCounter, type ResponseHead } from './frame-counter.js';
export { Histogram, type LatencySummary } from './histogram.js';
export type { SubscribeTarget } from './messages.js';
export { type ProcSample, readProc } from './proc-stats.js';
export { type PublishOptions, type PublishResult, type PublishShape, publish, stampedPayload } from './publisher.js';
export {
  type LoadOptions,
  type LoadProgress,
  type LoadResult,
  MAX_CONNECTIONS_PER_WORKER,
  runLoad,
} from './run-load.js';
