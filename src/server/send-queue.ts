/**
 * A session's send queue: the frames written this turn (or while the network refused more), in order,
 * and the byte budgets that bound them. Each frame counts against a {@link FramePolicy} — the session's
 * own unless the writer gave another — and a policy applies only when its own frames pass its own budget:
 * `'close'` gives up on the reader, `'drop-oldest'` drops its oldest frames, `'conflate'` keeps the newest
 * value of each key. The session decides when to flush; this unit decides what is kept.
 * @module
 */
import { cursorSafeFrames } from './conflation-cursor.js';
import type { FramePolicy, Sink } from './types.js';

/**
 * A queued frame; `key` lets the `'conflate'` policy replace it with a newer value of the same key, and
 * `policy` says which budget it counts against.
 */
interface Queued {
  frame: Uint8Array;
  /** Write order; a conflated replacement takes the newest (see conflation-cursor.ts). */
  seq: number;
  readonly key: string | undefined;
  readonly policy: FramePolicy;
}

/** How far past `maxBufferedBytes` one turn's writes may go when the network is keeping up. */
const BURST_FACTOR = 4;

export class SendQueue {
  /** The session's own policy and budget, for frames written without one. */
  readonly #own: FramePolicy;
  /** Only `bufferedBytes` is read: the session's own budget also counts what the runtime holds. */
  readonly #sink: Pick<Sink, 'bufferedBytes'>;
  /**
   * Frames not yet handed to the sink, oldest first, as themselves while every one is under the own policy
   * without a conflation key — nearly always. A record each (~64 bytes) cost the hub most of its peak memory
   * when a broadcast backlog built up: 10,000 readers × 200 queued updates is 2,000,000 entries.
   */
  #frames: Uint8Array[] = [];
  /**
   * Set once a frame needs its policy, key or write order kept: every queued frame is then a record, until
   * the queue empties.
   */
  #records: Queued[] | undefined;
  #bytes = 0;
  /** Bytes queued under the own policy: kept apart from the map, which most sessions never need. */
  #ownBytes = 0;
  // Both maps are made on first use: most sessions never need them, and 10,000 sessions walked per
  // broadcast stay denser in cache without them (bench/server/session-queue.ts).
  /** Queued bytes per other policy. */
  #byPolicy: Map<FramePolicy, number> | undefined;
  /** For `'conflate'`: the queued entry of each key, so a newer value replaces it in place. */
  #byKey: Map<string, Queued> | undefined;
  #written = 0;
  /** A queued value was replaced where it stands: the queue is no longer in write order. */
  #reordered = false;
  #lost = 0;

  constructor(own: FramePolicy, sink: Pick<Sink, 'bufferedBytes'>) {
    this.#own = own;
    this.#sink = sink;
  }

  get length(): number {
    return this.#records?.length ?? this.#frames.length;
  }

  /** Bytes queued here (not counting what the runtime holds). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Frames dropped or replaced by a newer value of their key, since the queue was created. */
  get lost(): number {
    return this.#lost;
  }

  /**
   * Queues `frame`, applying its policy if that takes it past its budget. `stalled`: the network refused
   * bytes and the session waits for drain. False when the policy gives up on the reader (the session must
   * close; what is queued stays until then).
   */
  add(frame: Uint8Array, key: string | undefined, policy: FramePolicy = this.#own, stalled = false): boolean {
    const conflating = key !== undefined && policy.backpressure === 'conflate';
    if (this.#records === undefined && !conflating && policy === this.#own) {
      this.#frames.push(frame);
      this.#written++;
      this.#count(policy, frame.byteLength);
      return !this.#overLimit(policy, stalled) || this.#relieve(policy, stalled);
    }
    const records = this.#records ?? this.#toRecords();
    if (conflating && this.#replaced(frame, key, policy, stalled)) return true;
    const entry: Queued = { frame, seq: this.#written++, key, policy };
    records.push(entry);
    if (conflating) {
      this.#byKey ??= new Map();
      this.#byKey.set(key, entry);
    }
    this.#count(policy, frame.byteLength);
    return !this.#overLimit(policy, stalled) || this.#relieve(policy, stalled);
  }

  /**
   * A reader that keeps up gets every value; one that lags (or a burst past the budget in one turn) gets
   * the latest: the queued value of this key is replaced where it stands, so the reader gets the newest
   * value of every key, in the order the keys first appeared, and the queue never grows past one entry
   * per key. A value that overtakes older ones leaves without its id (conflation-cursor.ts).
   */
  #replaced(frame: Uint8Array, key: string, policy: FramePolicy, stalled: boolean): boolean {
    if (!stalled && this.#bytesUnder(policy) <= policy.maxBufferedBytes) return false;
    const queued = this.#byKey?.get(key);
    if (queued === undefined || queued.policy !== policy) return false;
    this.#count(policy, frame.byteLength - queued.frame.byteLength);
    queued.frame = frame;
    queued.seq = this.#written++;
    this.#reordered = true;
    this.#lost++;
    return true;
  }

  /** Plain frames become records, in write order, when the first frame that needs one is queued. */
  #toRecords(): Queued[] {
    const first = this.#written - this.#frames.length;
    const own = this.#own;
    const records = this.#frames.map((frame, i): Queued => ({ frame, seq: first + i, key: undefined, policy: own }));
    this.#frames = [];
    this.#records = records;
    return records;
  }

  /** Empties the queue and returns its frames in order, ready to write. */
  take(): Uint8Array[] {
    const records = this.#records;
    const frames =
      records === undefined ? this.#frames : this.#reordered ? cursorSafeFrames(records) : records.map((q) => q.frame);
    this.clear();
    return frames;
  }

  clear(): void {
    // A new array, not `length = 0`: `take` handed the old one to the writer.
    this.#frames = [];
    this.#records = undefined;
    this.#byKey?.clear();
    this.#reordered = false;
    this.#bytes = 0;
    this.#ownBytes = 0;
    this.#byPolicy?.clear();
  }

  #count(policy: FramePolicy, bytes: number): void {
    this.#bytes += bytes;
    if (policy === this.#own) this.#ownBytes += bytes;
    else {
      this.#byPolicy ??= new Map();
      this.#byPolicy.set(policy, (this.#byPolicy.get(policy) ?? 0) + bytes);
    }
  }

  #bytesUnder(policy: FramePolicy): number {
    return policy === this.#own ? this.#ownBytes : (this.#byPolicy?.get(policy) ?? 0);
  }

  /**
   * A reader is slow when the network refuses more bytes (we wait for drain) and the backlog passed the
   * limit. A burst written in one turn to a reader that keeps up (a replay of history) is not slow: it
   * leaves at the end of the turn — unless it alone passes a hard cap, which bounds memory regardless.
   * The own budget also counts what the runtime holds; another policy's counts only its frames.
   */
  #overLimit(policy: FramePolicy, stalled: boolean): boolean {
    const queued = this.#bytesUnder(policy);
    const buffered = policy === this.#own ? queued + this.#sink.bufferedBytes : queued;
    if (buffered <= policy.maxBufferedBytes) return false;
    return stalled || queued > policy.maxBufferedBytes * BURST_FACTOR;
  }

  /** Applies `policy` to its own queued frames; false when the reader must be given up on. */
  #relieve(policy: FramePolicy, stalled: boolean): boolean {
    if (policy.backpressure === 'close') return false;
    // drop-oldest (and conflate, for frames without a key): drop whole queued frames of this policy,
    // oldest first, until under the limit; keyed frames under 'conflate' are already one per key. The
    // frame just written (the last) stays.
    if (this.#records === undefined) this.#dropOldestPlain(policy, stalled);
    else this.#dropOldestRecords(this.#records, policy, stalled);
    // One value per key is the floor of conflation; so many keys that even that passes the hard cap
    // would grow without bound, so the reader is given up on (the client resumes by id).
    return !(policy.backpressure === 'conflate' && this.#bytesUnder(policy) > policy.maxBufferedBytes * BURST_FACTOR);
  }

  /** Plain frames are all the own policy's and keyless: the oldest go first. */
  #dropOldestPlain(policy: FramePolicy, stalled: boolean): void {
    let dropped = 0;
    while (this.#overLimit(policy, stalled) && dropped < this.#frames.length - 1) {
      this.#count(policy, -this.#frames[dropped]!.byteLength);
      dropped++;
    }
    this.#frames.splice(0, dropped);
    this.#lost += dropped;
  }

  #dropOldestRecords(records: Queued[], policy: FramePolicy, stalled: boolean): void {
    for (let i = 0; this.#overLimit(policy, stalled) && i < records.length - 1; ) {
      const entry = records[i]!;
      if (entry.policy !== policy || (policy.backpressure === 'conflate' && entry.key !== undefined)) {
        i++;
        continue;
      }
      records.splice(i, 1);
      this.#count(policy, -entry.frame.byteLength);
      this.#lost++;
    }
  }
}
