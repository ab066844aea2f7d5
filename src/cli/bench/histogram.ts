/**
 * A log-linear latency histogram in microseconds, HDR-style: 64 linear sub-buckets per power of two, so every
 * recorded value keeps ~1.6% precision whatever its magnitude, in a fixed 1,728-slot array. Workers send the
 * raw counts; the coordinator merges them by adding arrays.
 * @module
 */

const SUB_BITS = 6;
const SUB_COUNT = 1 << SUB_BITS;
const MAX_EXPONENT = 31;
/** Number of slots of a histogram's `counts` array. */
export const HISTOGRAM_SLOTS = (MAX_EXPONENT - SUB_BITS + 2) * SUB_COUNT;

function slotOf(valueUs: number): number {
  const v = Math.min(Math.max(0, Math.round(valueUs)), 2 ** MAX_EXPONENT - 1);
  if (v < SUB_COUNT) return v;
  const exponent = 31 - Math.clz32(v);
  const sub = (v >>> (exponent - SUB_BITS)) & (SUB_COUNT - 1);
  return (exponent - SUB_BITS + 1) * SUB_COUNT + sub;
}

function lowerBoundOf(slot: number): number {
  if (slot < SUB_COUNT) return slot;
  const exponent = Math.floor(slot / SUB_COUNT) + SUB_BITS - 1;
  return (SUB_COUNT + (slot % SUB_COUNT)) * 2 ** (exponent - SUB_BITS);
}

/** Latency percentiles in milliseconds (`undefined` when nothing was recorded). */
export interface LatencySummary {
  samples: number;
  p50Ms?: number;
  p99Ms?: number;
  p999Ms?: number;
  maxMs?: number;
}

/** A mergeable latency histogram. */
export class Histogram {
  readonly #counts: Uint32Array;
  #total = 0;
  #maxUs = 0;

  constructor(counts?: ArrayLike<number>) {
    this.#counts = new Uint32Array(HISTOGRAM_SLOTS);
    if (counts) this.add(counts);
  }

  /** Records one value in microseconds (negative values, from clock skew, count as 0). */
  record(valueUs: number): void {
    this.#counts[slotOf(valueUs)]!++;
    this.#total++;
    if (valueUs > this.#maxUs) this.#maxUs = valueUs;
  }

  /** Adds another histogram's raw counts (as sent over IPC). */
  add(counts: ArrayLike<number>): void {
    for (let i = 0; i < HISTOGRAM_SLOTS; i++) {
      const c = counts[i] ?? 0;
      if (c === 0) continue;
      this.#counts[i]! += c;
      this.#total += c;
      const upper = lowerBoundOf(i + 1);
      if (upper > this.#maxUs) this.#maxUs = upper;
    }
  }

  /** Number of recorded values. */
  get total(): number {
    return this.#total;
  }

  /** The raw counts, as a plain array for IPC. */
  toJSON(): number[] {
    return Array.from(this.#counts);
  }

  /** The value (µs, bucket midpoint) below which `fraction` of the values fall. */
  percentileUs(fraction: number): number | undefined {
    if (this.#total === 0) return undefined;
    const rank = Math.max(1, Math.ceil(fraction * this.#total));
    let seen = 0;
    for (let i = 0; i < HISTOGRAM_SLOTS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return (lowerBoundOf(i) + lowerBoundOf(i + 1)) / 2;
    }
    return this.#maxUs;
  }

  /** p50/p99/p99.9/max in milliseconds. */
  summary(): LatencySummary {
    if (this.#total === 0) return { samples: 0 };
    const ms = (us: number | undefined): number => Math.round((us ?? 0) / 10) / 100;
    return {
      samples: this.#total,
      p50Ms: ms(this.percentileUs(0.5)),
      p99Ms: ms(this.percentileUs(0.99)),
      p999Ms: ms(this.percentileUs(0.999)),
      maxMs: ms(this.#maxUs),
    };
  }
}
