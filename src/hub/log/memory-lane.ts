/**
 * One run of the memory log's updates in position order, evicted from its oldest end: the whole log, or,
 * with separate retention, one of its two shares. Positions in a lane increase but have gaps where the
 * other lane's updates are, so entries are found by binary search rather than by arithmetic.
 * @module
 */
import type { StoredUpdate } from '../update.js';

export class MemoryLane {
  /** Stored updates, oldest first; `#start` skips evicted slots so eviction is O(1) amortized. */
  #entries: StoredUpdate[] = [];
  #start = 0;

  constructor(readonly maxEvents: number) {}

  get size(): number {
    return this.#entries.length - this.#start;
  }

  get oldest(): StoredUpdate | undefined {
    return this.#entries[this.#start];
  }

  get newest(): StoredUpdate | undefined {
    return this.size > 0 ? this.#entries[this.#entries.length - 1] : undefined;
  }

  push(update: StoredUpdate): void {
    this.#entries.push(update);
  }

  /** Removes and returns the oldest update. */
  shift(): StoredUpdate | undefined {
    const oldest = this.#entries[this.#start];
    if (oldest === undefined) return undefined;
    this.#start++;
    // Compact once the dead prefix dominates, keeping eviction amortized O(1) and memory bounded.
    if (this.#start > 1024 && this.#start * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#start);
      this.#start = 0;
    }
    return oldest;
  }

  /** The entry at `index` (from {@link firstAfter}); `undefined` past either end. */
  at(index: number): StoredUpdate | undefined {
    return index >= this.#start ? this.#entries[index] : undefined;
  }

  /** The index of the first update with a position greater than `position` (the end when there is none). */
  firstAfter(position: number): number {
    let low = this.#start;
    let high = this.#entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#entries[middle]!.position > position) high = middle;
      else low = middle + 1;
    }
    return low;
  }
}

/** Up to `limit` updates after `after` from every lane, merged in position order. */
export function readLanesAfter(lanes: readonly MemoryLane[], after: number, limit: number): StoredUpdate[] {
  const cursors = lanes.map((lane) => lane.firstAfter(after));
  const out: StoredUpdate[] = [];
  while (out.length < limit) {
    let pick = -1;
    for (let i = 0; i < lanes.length; i++) {
      const candidate = lanes[i]!.at(cursors[i]!);
      if (candidate !== undefined && (pick < 0 || candidate.position < lanes[pick]!.at(cursors[pick]!)!.position))
        pick = i;
    }
    if (pick < 0) break;
    out.push(lanes[pick]!.at(cursors[pick]!)!);
    cursors[pick]!++;
  }
  return out;
}

/** Up to `limit` updates before `before` from every lane, merged newest first. */
export function readLanesBefore(lanes: readonly MemoryLane[], before: number, limit: number): StoredUpdate[] {
  const cursors = lanes.map((lane) => lane.firstAfter(before - 1) - 1);
  const out: StoredUpdate[] = [];
  while (out.length < limit) {
    let pick = -1;
    for (let i = 0; i < lanes.length; i++) {
      const candidate = lanes[i]!.at(cursors[i]!);
      if (candidate !== undefined && (pick < 0 || candidate.position > lanes[pick]!.at(cursors[pick]!)!.position))
        pick = i;
    }
    if (pick < 0) break;
    out.push(lanes[pick]!.at(cursors[pick]!)!);
    cursors[pick]!--;
  }
  return out;
}
