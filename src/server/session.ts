/**
 * The session: one event stream, written through an ordered per-session queue that is flushed once per
 * event-loop turn, bounded in memory by the backpressure policy, and torn down completely on close.
 * @module
 */
import { encodeComment, encodeEvent } from '../protocol/index.js';
import { SESSION_DEFAULTS } from './defaults.js';
import { scheduleFlush } from './flush-queue.js';
import { startHeartbeat } from './heartbeat.js';
import type { BackpressurePolicy, CloseReason, SendFields, Session, SessionOptions, Sink } from './types.js';

const HEARTBEAT_FRAME = encodeComment('');
/** How far past `maxBufferedBytes` one turn's writes may go when the network is keeping up. */
const BURST_FACTOR = 4;

/** How many sessions are open now (for leak tests and metrics). */
let openSessions = 0;
export function openSessionCount(): number {
  return openSessions;
}

export class SseSession implements Session {
  readonly lastEventId: string | undefined;
  readonly #sink: Sink;
  readonly #maxBufferedBytes: number;
  readonly #policy: BackpressurePolicy;
  readonly #abort = new AbortController();
  readonly #closeListeners = new Set<() => void>();
  readonly #stopHeartbeat: () => void;
  /** Frames not yet handed to the sink, oldest first. */
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  /** The sink said "stop": wait for `drained()` before writing more. */
  #waitingForDrain = false;
  #closeReason: CloseReason | undefined;
  #lost = 0;

  constructor(sink: Sink, lastEventId: string | undefined, options: SessionOptions = {}) {
    this.#sink = sink;
    this.lastEventId = lastEventId;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? SESSION_DEFAULTS.maxBufferedBytes;
    this.#policy = options.backpressure ?? SESSION_DEFAULTS.backpressure;
    openSessions++;
    const heartbeatMs = options.heartbeatMs ?? SESSION_DEFAULTS.heartbeatMs;
    // The first bytes go out at once so that browsers fire `open` immediately; they announce the
    // heartbeat period so that clients can set a liveness watchdog.
    const hello = encodeComment(heartbeatMs > 0 ? `heartbeat ${heartbeatMs}` : 'ok');
    const first = options.retryMs === undefined ? hello : concat([encodeEvent({ retry: options.retryMs }), hello]);
    this.#sink.write(first);
    this.#stopHeartbeat = startHeartbeat(heartbeatMs, this);
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get closed(): boolean {
    return this.#closeReason !== undefined;
  }

  get closeReason(): CloseReason | undefined {
    return this.#closeReason;
  }

  get lost(): number {
    return this.#lost;
  }

  get bufferedBytes(): number {
    return this.#queuedBytes + this.#sink.bufferedBytes;
  }

  send(data: unknown, fields: SendFields = {}): boolean {
    if (this.closed) return false;
    // Encoding first: an invalid field throws before anything is queued.
    return this.writeFrame(encodeEvent({ ...fields, data }));
  }

  comment(text: string): boolean {
    if (this.closed) return false;
    return this.writeFrame(encodeComment(text));
  }

  writeFrame(frame: Uint8Array): boolean {
    if (this.closed) return false;
    this.#queue.push(frame);
    this.#queuedBytes += frame.byteLength;
    if (this.#overLimit() && !this.#relieve()) return false;
    if (!this.#waitingForDrain) scheduleFlush(this);
    return true;
  }

  close(): void {
    this.#end('server');
  }

  on(event: 'close', listener: () => void): this {
    if (event === 'close') {
      if (this.closed) queueMicrotask(listener);
      else this.#closeListeners.add(listener);
    }
    return this;
  }

  off(event: 'close', listener: () => void): this {
    if (event === 'close') this.#closeListeners.delete(listener);
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
    const bytes = this.#queue.length === 1 ? this.#queue[0]! : concat(this.#queue);
    this.#queue = [];
    this.#queuedBytes = 0;
    if (!this.#sink.write(bytes)) this.#waitingForDrain = true;
  }

  /** Called by the adapter when the runtime can take more bytes. */
  drained(): void {
    this.#waitingForDrain = false;
    if (this.#queue.length > 0) scheduleFlush(this);
  }

  /** Called by the adapter when the client went away or the connection failed. */
  disconnected(reason: CloseReason = 'client'): void {
    this.#end(reason);
  }

  /**
   * A reader is slow when the network refuses more bytes (we wait for drain) and the backlog passed the
   * limit. A burst written in one turn to a reader that keeps up (a replay of history) is not slow: it
   * leaves at the end of the turn — unless it alone passes a hard cap, which bounds memory regardless.
   */
  #overLimit(): boolean {
    const buffered = this.bufferedBytes;
    if (buffered <= this.#maxBufferedBytes) return false;
    return this.#waitingForDrain || this.#queuedBytes > this.#maxBufferedBytes * BURST_FACTOR;
  }

  /** Applies the backpressure policy; false when the session had to be closed. */
  #relieve(): boolean {
    if (this.#policy === 'close') {
      this.#end('slow-consumer');
      return false;
    }
    // drop-oldest: drop whole queued frames (never a partial one) until under the limit, newest kept.
    while (this.#overLimit() && this.#queue.length > 1) {
      this.#queuedBytes -= this.#queue.shift()!.byteLength;
      this.#lost++;
    }
    return true;
  }

  #end(reason: CloseReason): void {
    if (this.#closeReason !== undefined) return;
    this.#closeReason = reason;
    openSessions--;
    this.#stopHeartbeat();
    // A close by the server is graceful: what was queued (a last event, a retry hint) still goes out.
    // Anything else means nobody will read it.
    if (reason === 'server' && this.#queue.length > 0) this.#sink.write(concat(this.#queue));
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#abort.abort();
    // A slow consumer's backlog may never be read: drop the connection so its buffers are freed now.
    if (reason === 'slow-consumer') this.#sink.abort();
    else this.#sink.end();
    const listeners = [...this.#closeListeners];
    this.#closeListeners.clear();
    for (const listener of listeners) listener();
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.byteLength;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
