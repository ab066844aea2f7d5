/**
 * The in-memory event log: a bounded ring for one hub process. Fast, and gone on restart.
 * @module
 */
import type { NewUpdate, StoredUpdate } from '../update.js';
import {
  type EventLog,
  type FollowerErrorHandler,
  type LogFollower,
  type LogHealth,
  type LogOptions,
  type Retention,
  resolveRetention,
} from './event-log.js';
import { LocalFollowers } from './local-followers.js';

/** Creates an in-memory {@link EventLog}. */
export function createMemoryLog(options: LogOptions = {}): EventLog {
  return new MemoryLog(resolveRetention(options), options.onFollowerError);
}

class MemoryLog implements EventLog {
  readonly kind = 'memory';
  readonly #retention: Retention;
  /** Stored updates, oldest first; `#start` skips evicted slots so eviction is O(1) amortized. */
  #entries: StoredUpdate[] = [];
  #start = 0;
  #nextPosition = 1;
  /** Positions of each id still stored, oldest first. */
  readonly #positionsById = new Map<string, number[]>();
  readonly #followers: LocalFollowers;
  #closed = false;

  constructor(retention: Retention, onFollowerError: FollowerErrorHandler | undefined) {
    this.#retention = retention;
    this.#followers = new LocalFollowers(
      this.kind,
      (after) => Promise.resolve(this.#after(after, Number.POSITIVE_INFINITY)),
      onFollowerError,
    );
  }

  async append(update: NewUpdate): Promise<StoredUpdate> {
    if (this.#closed) throw new Error('the memory log is closed');
    const stored: StoredUpdate = { ...update, position: this.#nextPosition++ };
    this.#entries.push(stored);
    const positions = this.#positionsById.get(stored.id);
    if (positions === undefined) this.#positionsById.set(stored.id, [stored.position]);
    else positions.push(stored.position);
    this.#evict(Date.now());
    this.#followers.publish(stored);
    return stored;
  }

  async readAfter(after: number, limit: number): Promise<StoredUpdate[]> {
    this.#evict(Date.now());
    return this.#after(after, limit);
  }

  async readBefore(before: number, limit: number): Promise<StoredUpdate[]> {
    this.#evict(Date.now());
    const first = this.#entries[this.#start];
    if (first === undefined || limit <= 0) return [];
    // Contiguous positions again: `before` maps to an index by arithmetic.
    const end = this.#start + Math.max(0, Math.min(this.#entries.length - this.#start, before - first.position));
    return this.#entries.slice(Math.max(this.#start, end - limit), end).reverse();
  }

  async findPosition(id: string): Promise<number | undefined> {
    this.#evict(Date.now());
    return this.#positionsById.get(id)?.[0];
  }

  async head(): Promise<number> {
    return this.#nextPosition - 1;
  }

  async last(): Promise<StoredUpdate | undefined> {
    this.#evict(Date.now());
    return this.#entries.length > this.#start ? this.#entries[this.#entries.length - 1] : undefined;
  }

  async size(): Promise<number> {
    this.#evict(Date.now());
    return this.#entries.length - this.#start;
  }

  follow(after: number, listener: (update: StoredUpdate) => void): LogFollower {
    return this.#followers.add(after, listener);
  }

  async health(): Promise<LogHealth> {
    return this.#closed ? { ok: false, detail: 'closed' } : { ok: true };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#followers.closeAll();
  }

  #after(after: number, limit: number): StoredUpdate[] {
    // Positions are contiguous here, so the first wanted entry is found by arithmetic, not by search.
    const first = this.#entries[this.#start];
    if (first === undefined) return [];
    const from = this.#start + Math.max(0, after + 1 - first.position);
    return this.#entries.slice(from, Math.min(this.#entries.length, from + limit));
  }

  #evict(now: number): void {
    const { maxEvents, maxAgeMs } = this.#retention;
    while (this.#entries.length > this.#start) {
      const oldest = this.#entries[this.#start]!;
      const tooMany = maxEvents > 0 && this.#entries.length - this.#start > maxEvents;
      const tooOld = maxAgeMs > 0 && now - oldest.publishedAt > maxAgeMs;
      if (!tooMany && !tooOld) break;
      this.#start++;
      const positions = this.#positionsById.get(oldest.id);
      positions?.shift();
      if (positions?.length === 0) this.#positionsById.delete(oldest.id);
    }
    // Compact once the dead prefix dominates, keeping eviction amortized O(1) and memory bounded.
    if (this.#start > 1024 && this.#start * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#start);
      this.#start = 0;
    }
  }
}
