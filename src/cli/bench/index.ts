/**
 * The SSE load generator behind `hotline bench` and `npm run bench`: forked raw-socket (or HTTP/2) subscriber workers,
 * a publisher with N publishes in flight, publish→receive latency, server RSS/CPU from /proc
 * (see docs/benchmarks-method.md).
 * @module
 */
export type { LatencySummary } from './histogram.js';
export { STREAMS_PER_CONNECTION } from './http2-streams.js';
export type { SubscribeTarget } from './messages.js';
export type { PublishShape } from './publisher.js';
export { type LoadOptions, type LoadProgress, type LoadResult, runLoad } from './run-load.js';
