/**
 * `hotline/client` — a WHATWG `EventSource` for any runtime with `fetch`, and `connect()`: headers, POST,
 * abort, backoff with jitter, typed errors and async iteration; typed events, one connection shared by the
 * tabs of an origin, and a pause while the page is hidden.
 * @module
 */
export type { EventSchemas, InferOutput, ParsedEvent, StandardSchemaV1 } from '../protocol/index.js';
export { SchemaError } from '../protocol/index.js';
export type { BackoffOptions } from './backoff.js';
export { BACKOFF_DEFAULTS, backoffCap, backoffDelay } from './backoff.js';
export { connect } from './connect.js';
export type {
  ConnectOptions,
  EventStreamConnection,
  LoopOptions,
  ReconnectOptions,
  ShareOptions,
  TypedConnectOptions,
} from './connect-options.js';
export type { CursorStore, StorageLike } from './cursor.js';
export { memoryCursor, storageCursor } from './cursor.js';
export type { InvalidEvent, ResetEvent, SchemaEvent, TypedEvent } from './delivery.js';
export { ERROR_BODY_MAX_BYTES, ERROR_BODY_TIMEOUT_MS } from './error-body.js';
export type { ServerReason } from './errors.js';
export { AbortError, HttpError, NetworkError, StallError } from './errors.js';
export type { EventSourceInit } from './event-source.js';
export { EventSource } from './event-source.js';
export { tokenExpiry } from './token-expiry.js';
export type { FetchLike, RequestInitLike, ResponseLike } from './types.js';
