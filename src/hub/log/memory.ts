/**
 * The in-memory event log: a bounded ring for one hub process (two, with separate retention: see
 * `separate-retention.ts`). Fast, and gone on restart.
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
import { MemoryLane, readLanesAfter, readLanesBefore } from './memory-lane.js';

/** Creates an in-memory {@link EventLog}. */
export function createMemoryLog(options: LogOptions = {}): EventLog {
  return new MemoryLog(resolveRetention(options), options.onFollowerError);
}

class MemoryLog implements EventLog {
  readonly kind = 'memory';
  readonly #retention: Retention;
  /** The whole log in one lane, or, with separate retention, the rest first and the separate share second. */
  readonly #lanes: MemoryLane[];
  #nextPosition = 1;
  /** Positions of each id still stored, oldest first. */
  readonly #positionsById = new Map<string, number[]>();
  readonly #followers: LocalFollowers;
  #closed = false;

  constructor(retention: Retention, onFollowerError: FollowerErrorHandler | undefined) {
    this.#retention = retention;
    this.#lanes = [new MemoryLane(retention.maxEvents)];
    if (retention.separate !== undefined) this.#lanes.push(new MemoryLane(retention.separate.maxEvents));
    this.#followers = new LocalFollowers(
      this.kind,
      (after) => Promise.resolve(readLanesAfter(this.#lanes, after, Number.POSITIVE_INFINITY)),
      onFollowerError,
    );
  }

  async append(update: NewUpdate): Promise<StoredUpdate> {
    if (this.#closed) throw new Error('the memory log is closed');
    const stored: StoredUpdate = { ...update, position: this.#nextPosition++ };
    const separate = this.#retention.separate?.covers(stored.topics) === true;
    this.#lanes[separate ? 1 : 0]!.push(stored);
    const positions = this.#positionsById.get(stored.id);
    if (positions === undefined) this.#positionsById.set(stored.id, [stored.position]);
    else positions.push(stored.position);
    this.#evict(Date.now());
    this.#followers.publish(stored);
    return stored;
  }

  async readAfter(after: number, limit: number): Promise<StoredUpdate[]> {
    this.#evict(Date.now());
    return readLanesAfter(this.#lanes, after, limit);
  }

  async readBefore(before: number, limit: number): Promise<StoredUpdate[]> {
    this.#evict(Date.now());
    if (limit <= 0) return [];
    return readLanesBefore(this.#lanes, before, limit);
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
    return readLanesBefore(this.#lanes, Number.POSITIVE_INFINITY, 1)[0];
  }

  async size(): Promise<number> {
    this.#evict(Date.now());
    return this.#lanes.reduce((sum, lane) => sum + lane.size, 0);
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

  #evict(now: number): void {
    const { maxAgeMs } = this.#retention;
    for (const lane of this.#lanes) {
      for (let oldest = lane.oldest; oldest !== undefined; oldest = lane.oldest) {
        const tooMany = lane.maxEvents > 0 && lane.size > lane.maxEvents;
        const tooOld = maxAgeMs > 0 && now - oldest.publishedAt > maxAgeMs;
        if (!tooMany && !tooOld) break;
        lane.shift();
        this.#forget(oldest);
      }
    }
  }

  #forget(evicted: StoredUpdate): void {
    const positions = this.#positionsById.get(evicted.id);
    if (positions === undefined) return;
    // Usually the first: an id's oldest copy goes first, unless its copies sit in different lanes.
    const index = positions.indexOf(evicted.position);
    if (index >= 0) positions.splice(index, 1);
    if (positions.length === 0) this.#positionsById.delete(evicted.id);
  }
}
