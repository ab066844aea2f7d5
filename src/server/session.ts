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
  typedEventData,
} from '../protocol/index.js';
import { concatBytes } from './bytes.js';
import { cursorSafeFrames } from './conflation-cursor.js';
import { SESSION_DEFAULTS } from './defaults.js';
import { scheduleFlush } from './flush-queue.js';
import { startHeartbeat } from './heartbeat.js';
import type { CloseReason, FramePolicy, SendFields, Session, SessionOptions, Sink } from './types.js';
import { watchStall } from './write-watchdog.js';

/**
 * A queued frame; `key` lets the `'conflate'` policy replace it with a newer value of the same key, and
 * `policy` says which budget it counts against (the session's own unless the writer gave another).
 */
interface Queued {
  frame: Uint8Array;
  /** Write order; a conflated replacement takes the newest (see conflation-cursor.ts). */
  seq: number;
  readonly key: string | undefined;
  readonly policy: FramePolicy;
}

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
  /** The session's own policy and budget, for frames written without one. */
  readonly #policy: FramePolicy;
  readonly #abort = new AbortController();
  readonly #closeListeners = new Set<() => void>();
  readonly #stopHeartbeat: () => void;
  /** Frames not yet handed to the sink, oldest first. */
  readonly #queue: Queued[] = [];
  #queuedBytes = 0;
  /** Queued bytes per policy: each policy applies when its own frames pass its own budget. */
  readonly #queuedByPolicy = new Map<FramePolicy, number>();
  /** Bytes queued under the session's own policy: kept apart from the map, which most sessions never need. */
  #ownQueued = 0;
  /** For `'conflate'`: the queued entry of each key, so a newer value replaces it in place. */
  readonly #byKey = new Map<string, Queued>();
  #written = 0;
  /** A queued value was replaced where it stands: the queue is no longer in write order. */
  #reordered = false;
  readonly #writeTimeoutMs: number;
  #stopWatching: (() => void) | undefined;
  /** The sink said "stop": wait for `drained()` before writing more. */
  #waitingForDrain = false;
  #closeReason: CloseReason | undefined;
  #lost = 0;
  /** For the flush queue (flush-queue.ts): this session waits for the end of the turn. */
  flushScheduled = false;
  readonly #schemas: EventSchemas | undefined;

  constructor(sink: Sink, lastEventId: string | undefined, options: SessionOptions = {}) {
    this.#sink = sink;
    this.lastEventId = lastEventId;
    this.#policy = {
      backpressure: options.backpressure ?? SESSION_DEFAULTS.backpressure,
      maxBufferedBytes: options.maxBufferedBytes ?? SESSION_DEFAULTS.maxBufferedBytes,
    };
    this.#writeTimeoutMs = options.writeTimeoutMs ?? SESSION_DEFAULTS.writeTimeoutMs;
    this.#schemas = options.schemas;
    openSessions++;
    const heartbeatMs = options.heartbeatMs ?? SESSION_DEFAULTS.heartbeatMs;
    // The first bytes go out at once so that browsers fire `open` immediately; they announce the
    // heartbeat period so that clients can set a liveness watchdog.
    const hello = encodeComment(heartbeatMs > 0 ? `heartbeat ${heartbeatMs}` : 'ok');
    this.#writeFrames(options.retryMs === undefined ? [hello] : [encodeEvent({ retry: options.retryMs }), hello]);
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

  writeFrame(frame: Uint8Array, key?: string, policy: FramePolicy = this.#policy): boolean {
    if (this.closed) return false;
    const conflating = key !== undefined && policy.backpressure === 'conflate';
    // A reader that keeps up gets every value; one that lags (or a burst past the budget in one turn)
    // gets the latest: the queued value of this key is replaced where it stands, so the reader gets the
    // newest value of every key, in the order the keys first appeared, and the queue never grows past one
    // entry per key. A value that overtakes older ones leaves without its id (conflation-cursor.ts).
    if (conflating && (this.#waitingForDrain || this.#queuedUnder(policy) > policy.maxBufferedBytes)) {
      const queued = this.#byKey.get(key);
      if (queued !== undefined && queued.policy === policy) {
        this.#count(policy, frame.byteLength - queued.frame.byteLength);
        queued.frame = frame;
        queued.seq = this.#written++;
        this.#reordered = true;
        this.#lost++;
        return true;
      }
    }
    const entry: Queued = { frame, seq: this.#written++, key, policy };
    this.#queue.push(entry);
    if (conflating) this.#byKey.set(key, entry);
    this.#count(policy, frame.byteLength);
    if (this.#overLimit(policy) && !this.#relieve(policy)) return false;
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
    const frames = this.#queuedFrames();
    this.#clearQueue();
    if (!this.#writeFrames(frames)) {
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

  #queuedFrames(): Uint8Array[] {
    return this.#reordered ? cursorSafeFrames(this.#queue) : this.#queue.map((q) => q.frame);
  }

  #writeFrames(frames: Uint8Array[]): boolean {
    if (this.#sink.writeFrames !== undefined) return this.#sink.writeFrames(frames);
    return this.#sink.write(frames.length === 1 ? frames[0]! : concatBytes(frames));
  }

  #count(policy: FramePolicy, bytes: number): void {
    this.#queuedBytes += bytes;
    if (policy === this.#policy) this.#ownQueued += bytes;
    else this.#queuedByPolicy.set(policy, (this.#queuedByPolicy.get(policy) ?? 0) + bytes);
  }

  #queuedUnder(policy: FramePolicy): number {
    return policy === this.#policy ? this.#ownQueued : (this.#queuedByPolicy.get(policy) ?? 0);
  }

  #clearQueue(): void {
    this.#queue.length = 0;
    if (this.#byKey.size > 0) this.#byKey.clear();
    this.#reordered = false;
    this.#queuedBytes = 0;
    this.#ownQueued = 0;
    if (this.#queuedByPolicy.size > 0) this.#queuedByPolicy.clear();
  }

  /**
   * A reader is slow when the network refuses more bytes (we wait for drain) and the backlog passed the
   * limit. A burst written in one turn to a reader that keeps up (a replay of history) is not slow: it
   * leaves at the end of the turn — unless it alone passes a hard cap, which bounds memory regardless.
   * The session's own budget also counts what the runtime holds; another policy's counts only its frames.
   */
  #overLimit(policy: FramePolicy): boolean {
    const queued = this.#queuedUnder(policy);
    const buffered = policy === this.#policy ? queued + this.#sink.bufferedBytes : queued;
    if (buffered <= policy.maxBufferedBytes) return false;
    return this.#waitingForDrain || queued > policy.maxBufferedBytes * BURST_FACTOR;
  }

  /** Applies `policy` to its own queued frames; false when the session had to be closed. */
  #relieve(policy: FramePolicy): boolean {
    if (policy.backpressure === 'close') {
      this.#end('slow-consumer');
      return false;
    }
    // drop-oldest (and conflate, for frames without a key): drop whole queued frames of this policy,
    // oldest first, until under the limit; keyed frames under 'conflate' are already one per key. The
    // frame just written (the last) stays.
    for (let i = 0; this.#overLimit(policy) && i < this.#queue.length - 1; ) {
      const entry = this.#queue[i]!;
      if (entry.policy !== policy || (policy.backpressure === 'conflate' && entry.key !== undefined)) {
        i++;
        continue;
      }
      this.#queue.splice(i, 1);
      this.#count(policy, -entry.frame.byteLength);
      this.#lost++;
    }
    // One value per key is the floor of conflation; so many keys that even that passes the hard cap
    // would grow without bound, so the stream is closed (the client resumes by id).
    if (policy.backpressure === 'conflate' && this.#queuedUnder(policy) > policy.maxBufferedBytes * BURST_FACTOR) {
      this.#end('slow-consumer');
      return false;
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
    if (reason === 'server' && this.#queue.length > 0) this.#writeFrames(this.#queuedFrames());
    this.#stopWatching?.();
    this.#clearQueue();
    this.#abort.abort();
    // A slow or stalled consumer's backlog may never be read: drop the connection so buffers are freed now.
    if (reason === 'slow-consumer' || reason === 'write-timeout') this.#sink.abort();
    else this.#sink.end();
    const listeners = [...this.#closeListeners];
    this.#closeListeners.clear();
    for (const listener of listeners) listener();
  }
}
