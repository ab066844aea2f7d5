/**
 * `hotline/server` — long-lived SSE responses and fan-out channels for node:http, node:http2, Express,
 * Fastify, Hono and Web `Response` runtimes.
 * @module
 */

export type { EventFields, EventSchemas, InferInput, StandardSchemaV1 } from '../protocol/index.js';
export { encodeEvent, formatComment, formatEvent, SchemaError } from '../protocol/index.js';
export { acceptResponse, acceptSession, StreamRejection } from './accept.js';
export { createSession } from './adapters/node.js';
export type { SseResponseOptions, TypedSseResponseOptions } from './adapters/web.js';
export { sseResponse } from './adapters/web.js';
export type { Channel, ChannelOptions, SubscribeOptions, TypedChannel } from './channel.js';
export { createChannel } from './channel.js';
export type { CompressionOptions, StreamEncoding } from './compression.js';
export { COMPRESSION_DEFAULTS, compressedStreamCount, negotiateEncoding } from './compression.js';
export { CHANNEL_DEFAULTS, SESSION_DEFAULTS } from './defaults.js';
export { SLICE_MS, setFlushSliceMs } from './flush-queue.js';
export { activeHeartbeatTimers } from './heartbeat.js';
export { openSessionCount } from './session.js';
export { sharedGzipStats } from './shared-gzip.js';
export type {
  BackpressurePolicy,
  ChannelMessage,
  CloseReason,
  FramePolicy,
  SendFields,
  Session,
  SessionOptions,
  Sink,
  TypedSendFields,
  TypedSession,
} from './types.js';
