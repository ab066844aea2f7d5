/**
 * The session: one event stream, written through an ordered per-session queue that is flushed once per
 * event-loop turn, bounded in memory by the backpressure policy, and torn down completely on close.
 * @module
 */
import {
  DEFAULT_EVENT_TYPE,
  type EventSchemas,
  encodeComment,
  encodeEvent,
  helloComment,
  typedEventData,
} from '../protocol/index.js';
import { concatBytes } from './bytes.js';
import { SESSION_DEFAULTS } from './defaults.js';
import { scheduleFlush } from './flush-queue.js';
import { startHeartbeat } from './heartbeat.js';
import { SendQueue } from './send-queue.js';
import type { CloseReason, FramePolicy, SendFields, Session, SessionOptions, Sink } from './types.js';
import { watchStall } from './write-watchdog.js';

const HEARTBEAT_FRAME = encodeComment('');

/** How many sessions are open now (for leak tests and metrics). */
let openSessions = 0;
export function openSessionCount(): number {
  return openSessions;
}

export class SseSession implements Session {
  readonly lastEventId: string | undefined;
  readonly #sink: Sink;
  // Made on first use, as most sessions never need them: 10,000 idle sessions keep ~2 MB less.
  #abort: AbortController | undefined;
  #closeListeners: (() => void)[] | undefined;
  readonly #stopHeartbeat: () => void;
  /** Frames not yet handed to the sink, and the byte budgets that bound them. */
  readonly #queue: SendQueue;
  readonly #writeTimeoutMs: number;
  #stopWatching: (() => void) | undefined;
  /** The sink said "stop": wait for `drained()` before writing more. */
  #waitingForDrain = false;
  #closeReason: CloseReason | undefined;
  /** For the flush queue (flush-queue.ts): this session waits for the end of the turn. */
  flushScheduled = false;
  readonly #schemas: EventSchemas | undefined;

  constructor(sink: Sink, lastEventId: string | undefined, options: SessionOptions = {}) {
    this.#sink = sink;
    this.lastEventId = lastEventId;
    const policy: FramePolicy = {
      backpressure: options.backpressure ?? SESSION_DEFAULTS.backpressure,
      maxBufferedBytes: options.maxBufferedBytes ?? SESSION_DEFAULTS.maxBufferedBytes,
    };
    this.#queue = new SendQueue(policy, sink);
    this.#writeTimeoutMs = options.writeTimeoutMs ?? SESSION_DEFAULTS.writeTimeoutMs;
    this.#schemas = options.schemas;
    openSessions++;
    const heartbeatMs = options.heartbeatMs ?? SESSION_DEFAULTS.heartbeatMs;
    // The first bytes go out at once so that browsers fire `open` immediately; they announce the
    // heartbeat period so that clients can set a liveness watchdog.
    const hello = encodeComment(helloComment(heartbeatMs));
    this.#writeFrames(options.retryMs === undefined ? [hello] : [encodeEvent({ retry: options.retryMs }), hello]);
    this.#stopHeartbeat = startHeartbeat(heartbeatMs, this);
  }

  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      this.#abort = new AbortController();
      if (this.closed) this.#abort.abort();
    }
    return this.#abort.signal;
  }

  get closed(): boolean {
    return this.#closeReason !== undefined;
  }

  get closeReason(): CloseReason | undefined {
    return this.#closeReason;
  }

  get lost(): number {
    return this.#queue.lost;
  }

  get bufferedBytes(): number {
    return this.#queue.bytes + this.#sink.bufferedBytes;
  }

  send(data: unknown, fields: SendFields = {}): boolean {
    if (this.closed) return false;
    const { key, ...eventFields } = fields;
    // Validation and encoding first: bad data or an invalid field throws before anything is queued.
    const payload =
      this.#schemas === undefined ? data : typedEventData(this.#schemas, fields.event ?? DEFAULT_EVENT_TYPE, data);
    return this.writeFrame(encodeEvent({ ...eventFields, data: payload }), key);
  }

  end(final?: { data: unknown } & SendFields): void {
    if (this.closed) return;
    if (final !== undefined) {
      const { data, ...fields } = final;
      this.send(data, fields);
    }
    this.#end('server');
  }

  comment(text: string): boolean {
    if (this.closed) return false;
    return this.writeFrame(encodeComment(text));
  }

  writeFrame(frame: Uint8Array, key?: string, policy?: FramePolicy): boolean {
    if (this.closed) return false;
    if (!this.#queue.add(frame, key, policy, this.#waitingForDrain)) {
      this.#end('slow-consumer');
      return false;
    }
    if (!this.#waitingForDrain) scheduleFlush(this);
    return true;
  }

  close(): void {
    this.#end('server');
  }

  on(event: 'close', listener: () => void): this {
    if (event === 'close') {
      if (this.closed) queueMicrotask(listener);
      else if (this.#closeListeners === undefined) this.#closeListeners = [listener];
      else if (!this.#closeListeners.includes(listener)) this.#closeListeners.push(listener);
    }
    return this;
  }

  off(event: 'close', listener: () => void): this {
    const listeners = event === 'close' ? this.#closeListeners : undefined;
    const at = listeners?.indexOf(listener) ?? -1;
    if (at >= 0) listeners?.splice(at, 1);
    return this;
  }

  /** Called by the shared heartbeat timer. */
  heartbeat(): void {
    // Only when nothing else is queued: any write already proves the connection is alive.
    if (this.#queue.length === 0 && !this.#waitingForDrain) this.writeFrame(HEARTBEAT_FRAME);
  }

  /** Called by the flush queue at the end of the turn. */
  flush(): void {
    if (this.closed || this.#waitingForDrain || this.#queue.length === 0) return;
    if (!this.#writeFrames(this.#queue.take())) {
      this.#waitingForDrain = true;
      // A peer that stopped reading without closing (half-open) would pin this session forever.
      if (this.#writeTimeoutMs > 0)
        this.#stopWatching = watchStall(this.#writeTimeoutMs, () => this.#end('write-timeout'));
    }
  }

  /** Called by the adapter when the runtime can take more bytes. */
  drained(): void {
    this.#waitingForDrain = false;
    this.#stopWatching?.();
    this.#stopWatching = undefined;
    if (this.#queue.length > 0) scheduleFlush(this);
  }

  /** Called by the adapter when the client went away or the connection failed. */
  disconnected(reason: CloseReason = 'client'): void {
    this.#end(reason);
  }

  #writeFrames(frames: Uint8Array[]): boolean {
    if (this.#sink.writeFrames !== undefined) return this.#sink.writeFrames(frames);
    return this.#sink.write(frames.length === 1 ? frames[0]! : concatBytes(frames));
  }

  #end(reason: CloseReason): void {
    if (this.#closeReason !== undefined) return;
    this.#closeReason = reason;
    openSessions--;
    this.#stopHeartbeat();
    // A close by the server is graceful: what was queued (a last event, a retry hint) still goes out.
    // Anything else means nobody will read it.
    if (reason === 'server' && this.#queue.length > 0) this.#writeFrames(this.#queue.take());
    this.#stopWatching?.();
    this.#queue.clear();
    this.#abort?.abort();
    // A slow or stalled consumer's backlog may never be read: drop the connection so buffers are freed now.
    if (reason === 'slow-consumer' || reason === 'write-timeout') this.#sink.abort();
    else this.#sink.end();
    const listeners = this.#closeListeners ?? [];
    this.#closeListeners = undefined;
    for (const listener of listeners) listener();
  }
}
