/**
 * Types of `hotline/server`.
 * @module
 */
import type { EventSchemas, InferInput } from '../protocol/index.js';
import type { CompressionOptions } from './compression.js';

/** What to do when a subscriber reads slower than events arrive and passes `maxBufferedBytes`. */
export type BackpressurePolicy = 'close' | 'drop-oldest' | 'conflate';

/**
 * A backpressure policy with a budget of its own, for some of a session's frames: they count against
 * `maxBufferedBytes` separately, and `backpressure` applies to them alone (the hub uses one per configured
 * topic selector, e.g. conflate a ticker while everything else keeps the session's `'close'`). Compared by
 * identity: create one per kind of traffic and pass the same object with every frame of that kind.
 */
export interface FramePolicy {
  readonly backpressure: BackpressurePolicy;
  readonly maxBufferedBytes: number;
}

/** Why a session ended. */
export type CloseReason = 'client' | 'server' | 'slow-consumer' | 'write-timeout' | 'error';

/** Options of a session. Every field has a default in {@link SESSION_DEFAULTS}. */
export interface SessionOptions {
  /** Heartbeat comment period in ms; `0` turns heartbeats off. @defaultValue 15000 */
  heartbeatMs?: number;
  /** When set, the first flush carries `retry: <retryMs>` (the client's reconnection delay). */
  retryMs?: number;
  /** Bytes a session may have queued (ours + the socket's) before the backpressure policy applies. @defaultValue 1 MiB */
  maxBufferedBytes?: number;
  /**
   * `'close'`: end the stream so the client reconnects and resumes by id. `'drop-oldest'`: drop queued
   * events and count them in `lost`. `'conflate'`: while the reader lags, a queued event is replaced by a
   * newer one with the same `key` (latest value wins), so it ends with the current value of every key
   * (should one value per key alone pass 4 × `maxBufferedBytes` — too many keys — the session is closed).
   * @defaultValue 'close'
   */
  backpressure?: BackpressurePolicy;
  /**
   * A write that makes no progress for this long closes the session (a half-open peer that stopped reading
   * without closing); 0 turns it off. @defaultValue 30000
   */
  writeTimeoutMs?: number;
  /**
   * Compress the stream (br or gzip, as the client accepts) and flush after every coalesced write, so
   * each event still arrives at once. Every adapter; on a runtime whose `node:zlib` cannot run synchronously
   * (see zlib-sync.ts) streams go out uncompressed. @defaultValue false
   */
  compression?: boolean | CompressionOptions;
  /** Extra response headers (CORS, `Last-Event-ID`, …). */
  headers?: Record<string, string>;
  /** Response status. @defaultValue 200 */
  status?: number;
  /**
   * Typed events: one Standard Schema per event type (`message` for events sent without one). `send`
   * validates the data before encoding it and throws a `SchemaError` for a mismatch or an unknown type.
   */
  schemas?: EventSchemas;
}

/** Fields of one event besides its data. */
export interface SendFields {
  event?: string;
  id?: string;
  retry?: number;
  /** For the `'conflate'` policy: events with the same key supersede each other while the reader lags. */
  key?: string;
}

/** One long-lived SSE response. */
export interface Session {
  /** Sends one event; `false` when the session is closed. Throws `TypeError` before writing anything for a bad `event`/`id`/`retry`. */
  send(data: unknown, fields?: SendFields): boolean;
  /** Sends a comment line (ignored by clients; keeps proxies from timing out). */
  comment(text: string): boolean;
  /**
   * Sends pre-encoded bytes (e.g. from `encodeEvent`) as they are; `key` as in {@link SendFields}, and
   * `policy` to count them against another budget than the session's own.
   */
  writeFrame(frame: Uint8Array, key?: string, policy?: FramePolicy): boolean;
  /** Ends the stream; idempotent. */
  close(): void;
  /**
   * Sends a last event (if given) and ends the stream. Convention: a client that reconnects after `end()`
   * should be answered `204`, which tells EventSource and `connect()` to stop for good.
   */
  end(final?: { data: unknown } & SendFields): void;
  /** The id the client resumes from: the `Last-Event-ID` header, else the `lastEventId` query parameter. */
  readonly lastEventId: string | undefined;
  /** Aborted when the session ends, whatever the reason. */
  readonly signal: AbortSignal;
  /** Bytes queued and not yet taken by the network. */
  readonly bufferedBytes: number;
  readonly closed: boolean;
  /** Why the session ended; `undefined` while open. */
  readonly closeReason: CloseReason | undefined;
  /** Events dropped by the `'drop-oldest'` policy. */
  readonly lost: number;
  on(event: 'close', listener: () => void): this;
  off(event: 'close', listener: () => void): this;
}

/** The fields of a typed `send`: the event type is required, it picks the schema. */
export type TypedSendFields<K extends string> = Omit<SendFields, 'event'> & { event: K };

/** A session opened with `schemas`: `send` accepts, per event type, only what its schema accepts. */
export interface TypedSession<S extends EventSchemas> extends Omit<Session, 'send' | 'end'> {
  /** Validates `data` against `schemas[fields.event]`, then sends it; throws `SchemaError` on a mismatch. */
  send<K extends keyof S & string>(data: InferInput<S[K]>, fields: TypedSendFields<K>): boolean;
  end<K extends keyof S & string>(final?: { data: InferInput<S[K]> } & TypedSendFields<K>): void;
}

/**
 * Where a session's bytes go: the small surface each runtime adapter implements (node:http, HTTP/2,
 * Web streams).
 */
export interface Sink {
  /** Writes bytes; `false` means "stop until `onDrain` fires" (the bytes are taken all the same). */
  write(bytes: Uint8Array): boolean;
  /**
   * Writes one turn's frames, in order, as `write()` would their concatenation. Optional: a sink that
   * sees frame boundaries can do better than one blob (a compressing sink shares the work for a frame
   * across every stream that sends it).
   */
  writeFrames?(frames: readonly Uint8Array[]): boolean;
  /** Bytes the runtime holds and has not sent yet. */
  readonly bufferedBytes: number;
  /** Ends the response after what was written (a graceful close). */
  end(): void;
  /** Drops the connection and every byte still buffered for it (a reader that stopped reading). */
  abort(): void;
}

/** What a channel filter sees of each broadcast. */
export interface ChannelMessage<M> {
  readonly data: unknown;
  readonly event: string | undefined;
  readonly id: string | undefined;
  readonly meta: M | undefined;
}
